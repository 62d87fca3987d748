"""Content-addressed document store: each document body is stored once, under its SHA-256."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class DocumentNotFound(KeyError):
    """No document with that hash is stored."""


class DocumentStore:
    """Files under `root/ab/cdef...`; writing is atomic (temp file, fsync, rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise DocumentNotFound(f"not a SHA-256 hex digest: {digest!r}")
        return self.root / digest[:2] / digest[2:]

    @staticmethod
    def digest(body: bytes) -> str:
        return hashlib.sha256(body).hexdigest()

    def put(self, body: bytes) -> str:
        """Store `body` unless it is there already; return its SHA-256."""
        digest = self.digest(body)
        path = self._path(digest)
        if path.exists():
            return digest
        if not path.parent.is_dir():
            path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(body)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self._path(digest).read_bytes()
        except FileNotFoundError:
            raise DocumentNotFound(f"document {digest} is not in the store") from None

    def __contains__(self, digest: str) -> bool:
        try:
            return self._path(digest).exists()
        except DocumentNotFound:
            return False
