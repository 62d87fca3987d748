"""The encrypted secret store: round trip, file modes, wrong key, nothing in clear on disk."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from adapters.secrets import SecretNotFound, SecretStore, SecretStoreError, new_key_line

PASSWORD = "Hemmelig-passord-æøå-42"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_round_trip_text_and_bytes(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    ref = store.put(PASSWORD)
    key_ref = store.put(b"-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n")
    assert ref.startswith("secret:") and PASSWORD not in ref
    assert store.get(ref) == PASSWORD
    assert store.get(key_ref).startswith("-----BEGIN OPENSSH")
    assert SecretStore(tmp_path).get(ref) == PASSWORD  # a new process reads it back
    assert store.references() == sorted([ref, key_ref])


def test_key_and_secret_files_are_private(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    ref = store.put(PASSWORD)
    assert store.key_file == tmp_path / "secret.key"
    assert mode(store.key_file) == 0o600
    (secret_file,) = (tmp_path / "secrets").iterdir()
    assert mode(secret_file) == 0o600
    assert mode(tmp_path / "secrets") == 0o700
    assert ref.removeprefix("secret:") in secret_file.name


def test_ciphertext_on_disk_holds_no_plaintext(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    store.put(PASSWORD)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert PASSWORD.encode() not in data
            assert b"Hemmelig" not in data


def test_wrong_key_is_a_clear_error_without_the_value(tmp_path: Path) -> None:
    ref = SecretStore(tmp_path).put(PASSWORD)
    other_key = tmp_path / "other.key"
    other_key.write_text(new_key_line() + "\n")
    with pytest.raises(SecretStoreError) as caught:
        SecretStore(tmp_path, key_file=other_key).get(ref)
    message = str(caught.value)
    assert ref in message and "not in key file" in message and str(other_key) in message
    assert PASSWORD not in message


def test_tampered_file_is_refused(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    first, second = store.put(PASSWORD), store.put("other")
    dir_ = tmp_path / "secrets"
    # Moving a ciphertext under another reference must not decrypt (reference is bound in).
    (dir_ / f"{second.removeprefix('secret:')}.secret").write_bytes(
        (dir_ / f"{first.removeprefix('secret:')}.secret").read_bytes()
    )
    with pytest.raises(SecretStoreError, match="altered or belongs to another reference"):
        store.get(second)


def test_explicit_key_file_must_exist(tmp_path: Path) -> None:
    with pytest.raises(SecretStoreError, match="does not exist"):
        SecretStore(tmp_path, key_file=tmp_path / "missing.key").put("x")


def test_delete_and_missing(tmp_path: Path) -> None:
    store = SecretStore(tmp_path)
    ref = store.put(PASSWORD)
    store.delete(ref)
    store.delete(ref)  # erasing twice is fine
    with pytest.raises(SecretNotFound, match="not found"):
        store.get(ref)
    with pytest.raises(SecretStoreError, match="not a secret reference"):
        store.get("secret:../../etc/passwd")


def test_key_rotation_keeps_old_secrets_readable(tmp_path: Path) -> None:
    key_file = tmp_path / "keys"
    old_key = new_key_line()
    key_file.write_text(old_key + "\n")
    ref = SecretStore(tmp_path, key_file=key_file).put(PASSWORD)

    key_file.write_text(new_key_line() + "\n" + old_key + "\n")  # new key first, old kept
    rotated = SecretStore(tmp_path, key_file=key_file)
    assert rotated.get(ref) == PASSWORD
    assert rotated.rotate_key() == 1

    key_file.write_text(key_file.read_text().splitlines()[0] + "\n")  # old key retired
    assert SecretStore(tmp_path, key_file=key_file).get(ref) == PASSWORD
