"""The practice's keys, kept in a secrets file (design §7).

* ``cookie_key`` signs the sign-in cookie;
* ``pseudonym_key`` turns client names into pseudonymous client codes on ingest
  (pipelines/ingest/pseudonym.py). Losing it changes every code made from a name,
  so it is kept with the same care as a backup (docs/security.md).

Each is generated when first needed: 48 random bytes, URL-safe base64, in a file
of mode 0600. A key that is short, a known default, or in a file others can read
is refused.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import stat
import tomllib
from pathlib import Path

MIN_KEY_LENGTH = 32
KNOWN_DEFAULTS = {"some_key", "some_signature_key", "changeme", "secret", "abcdef", "random_signature_key"}


class WeakSecretError(Exception):
    """The secrets file cannot be trusted; the message says how to fix it."""


def ensure_cookie_key(path: Path) -> str:
    """Return the cookie key, creating the secrets file (0600) if it is missing."""
    _ensure(path, "cookie_key")
    return read_cookie_key(path)


def ensure_pseudonym_key(path: Path) -> bytes:
    """Return the pseudonym key, adding it to the secrets file (or creating the file) if missing."""
    _ensure(path, "pseudonym_key")
    return _read_key(path, "pseudonym_key").encode("utf-8")


def read_pseudonym_key(path: Path) -> bytes:
    """The pseudonym key; WeakSecretError when there is none (nothing was ever loaded by name)."""
    if not path.exists():
        raise WeakSecretError(f"{path} does not exist: no pseudonym key has been made yet (no export keyed "
                              "by client names has been loaded with this database)")
    return _read_key(path, "pseudonym_key").encode("utf-8")


def _ensure(path: Path, name: str) -> None:
    """Make the file (0600) and the key when missing, holding a lock beside the file so two processes
    starting at once (the app and an ingest) never both add the key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(f".{path.name}.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _ensure_locked(path, name)


def _ensure_locked(path: Path, name: str) -> None:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# Momentum secrets: keep private (mode 0600).\n")
    _check_mode(path)
    if name not in _read_table(path):
        ends_a_line = path.read_bytes().endswith(b"\n") or path.stat().st_size == 0
        with path.open("a", encoding="utf-8") as fh:
            fh.write("" if ends_a_line else "\n")
            fh.write(f'{name} = "{secrets.token_urlsafe(48)}"\n')


def _check_mode(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise WeakSecretError(
            f"{path} can be read by other users (mode {mode:o}); run: chmod 600 {path}"
        )


def _read_table(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise WeakSecretError(f"{path} is not valid TOML ({exc})") from None


def read_cookie_key(path: Path) -> str:
    return _read_key(path, "cookie_key")


def _read_key(path: Path, name: str) -> str:
    _check_mode(path)
    key = str(_read_table(path).get(name, ""))
    fix = ("delete the file to generate a new key" if name == "cookie_key" else
           "restore the secrets file from where it is kept: a new pseudonym key would give every client a new code")
    if key.strip().lower() in KNOWN_DEFAULTS:
        raise WeakSecretError(f"{path}: {name} is a well-known default; {fix}")
    if len(key) < MIN_KEY_LENGTH:
        raise WeakSecretError(f"{path}: {name} has {len(key)} characters; at least {MIN_KEY_LENGTH} are needed ({fix})")
    return key
