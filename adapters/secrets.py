"""An encrypted store for customer secrets (FTP passwords, SSH keys): events hold only a reference.

Each secret is one file `<data_dir>/secrets/<uuid>.secret`, AES-256-GCM encrypted with the
reference as associated data (a ciphertext cannot be moved under another reference). The key file
holds one base64 key per line; the first line encrypts, every line may decrypt, so a key is rotated
by putting a new key on the first line and calling `rotate_key()`. A secret is rotated by `put`
of the new value, pointing the customer register at the new reference, and `delete` of the old.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets as _random
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

REF_PREFIX = "secret:"
_REF_PATTERN = re.compile(r"secret:([0-9a-f]{32})")
_FORMAT = b"AT1"  # file layout: format, key id (8), nonce (12), ciphertext with GCM tag
_KEY_ID_LEN = 8
_NONCE_LEN = 12
KEY_FILE_NAME = "secret.key"


class SecretStoreError(Exception):
    """The secret store cannot do what was asked; the message never contains a secret value."""


class SecretNotFound(SecretStoreError, KeyError):
    """No secret is stored under the reference (never stored, or deleted)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "secret not found"


@dataclass(frozen=True, slots=True)
class _Key:
    key_id: bytes
    aead: AESGCM


def _key_id(raw: bytes) -> bytes:
    return hashlib.sha256(b"autotrans-secret-key-id:" + raw).digest()[:_KEY_ID_LEN]


def _write_private(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, readable by the owner only (0600)."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def new_key_line() -> str:
    """A fresh 256-bit key as one key-file line (url-safe base64)."""
    return base64.urlsafe_b64encode(_random.token_bytes(32)).decode("ascii")


class SecretStore:
    """Encrypted secrets under the data directory, addressed by opaque `secret:<uuid>` refs."""

    def __init__(self, data_dir: Path, key_file: Path | None = None) -> None:
        self._dir = Path(data_dir) / "secrets"
        self._key_file = Path(key_file) if key_file is not None else Path(data_dir) / KEY_FILE_NAME
        self._explicit_key_file = key_file is not None
        self._keys: list[_Key] | None = None

    @property
    def key_file(self) -> Path:
        """The key file in use (given explicitly, or `<data_dir>/secret.key`)."""
        return self._key_file

    def put(self, value: bytes | str) -> str:
        """Encrypt and store `value`; return the new reference to it."""
        raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        ref = f"{REF_PREFIX}{uuid.uuid4().hex}"
        self._write(ref, raw)
        return ref

    def get(self, ref: str) -> str:
        """The secret stored under `ref`, as text."""
        raw = self.get_bytes(ref)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise SecretStoreError(
                f"secret {ref!r} is binary, not text: read it with get_bytes()"
            ) from None

    def get_bytes(self, ref: str) -> bytes:
        """The secret stored under `ref`, as bytes."""
        path = self._path(ref)
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            raise SecretNotFound(
                f"secret {ref!r} not found in {self._dir} "
                "(deleted, or stored under another data dir)"
            ) from None
        return self._decrypt(ref, blob)

    def delete(self, ref: str) -> None:
        """Erase the secret under `ref`; deleting an absent secret is not an error."""
        with contextlib.suppress(FileNotFoundError):
            self._path(ref).unlink()

    def __contains__(self, ref: object) -> bool:
        return (
            isinstance(ref, str)
            and _REF_PATTERN.fullmatch(ref) is not None
            and (self._path(ref).exists())
        )

    def references(self) -> list[str]:
        """Every stored reference, sorted."""
        if not self._dir.is_dir():
            return []
        return sorted(f"{REF_PREFIX}{p.stem}" for p in self._dir.glob("*.secret"))

    def rotate_key(self) -> int:
        """Re-encrypt every secret with the first key of the key file; return how many."""
        count = 0
        for ref in self.references():
            self._write(ref, self.get_bytes(ref))
            count += 1
        return count

    # --- internals

    def _path(self, ref: str) -> Path:
        match = _REF_PATTERN.fullmatch(ref) if isinstance(ref, str) else None
        if match is None:
            raise SecretStoreError(
                f"{ref!r} is not a secret reference: expected 'secret:' and 32 hex digits"
            )
        return self._dir / f"{match.group(1)}.secret"

    def _write(self, ref: str, raw: bytes) -> None:
        key = self._load_keys()[0]
        nonce = _random.token_bytes(_NONCE_LEN)
        blob = _FORMAT + key.key_id + nonce + key.aead.encrypt(nonce, raw, ref.encode("ascii"))
        self._dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        _write_private(self._path(ref), blob)

    def _decrypt(self, ref: str, blob: bytes) -> bytes:
        head = len(_FORMAT) + _KEY_ID_LEN + _NONCE_LEN
        if not blob.startswith(_FORMAT) or len(blob) < head:
            raise SecretStoreError(f"secret {ref!r}: file is not in the AutoTrans secret format")
        key_id = blob[len(_FORMAT) : len(_FORMAT) + _KEY_ID_LEN]
        nonce = blob[len(_FORMAT) + _KEY_ID_LEN : head]
        for key in self._load_keys():
            if key.key_id == key_id:
                try:
                    return key.aead.decrypt(nonce, blob[head:], ref.encode("ascii"))
                except InvalidTag:
                    raise SecretStoreError(
                        f"secret {ref!r} cannot be decrypted: the file was altered or belongs to "
                        "another reference"
                    ) from None
        raise SecretStoreError(
            f"secret {ref!r} was encrypted with key id {key_id.hex()}, which is not in key file "
            f"{self._key_file}: restore that key (as a second line, to rotate) or store the "
            "secret again"
        )

    def _load_keys(self) -> list[_Key]:
        if self._keys is None:
            self._keys = [
                _Key(_key_id(raw), AESGCM(raw)) for raw in self._read_or_create_key_file()
            ]
        return self._keys

    def _read_or_create_key_file(self) -> list[bytes]:
        if not self._key_file.exists():
            if self._explicit_key_file:
                raise SecretStoreError(
                    f"secret key file {self._key_file} does not exist: create it "
                    "(one base64 32-byte key per line) or unset AUTOTRANS_SECRET_KEY_FILE"
                )
            self._key_file.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                fd = os.open(self._key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w", encoding="ascii") as out:
                    out.write(new_key_line() + "\n")
        keys: list[bytes] = []
        lines = self._key_file.read_text(encoding="ascii", errors="replace").splitlines()
        for number, line in enumerate(lines, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                raw = base64.urlsafe_b64decode(text.encode("ascii"))
            except (ValueError, UnicodeEncodeError):
                raw = b""
            if len(raw) != 32:
                raise SecretStoreError(
                    f"secret key file {self._key_file} line {number}: not a url-safe base64 "
                    "256-bit key"
                )
            keys.append(raw)
        if not keys:
            raise SecretStoreError(f"secret key file {self._key_file} holds no key")
        return keys
