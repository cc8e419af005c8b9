"""The sign-in cookie key, kept in a secrets file (design §7).

Generated on first run: 48 random bytes, URL-safe base64, file mode 0600.
The app refuses to start with a key that is short, a known default, or in a
file others can read.
"""

from __future__ import annotations

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
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write("# Momentum secrets: keep private (mode 0600).\n")
            fh.write(f'cookie_key = "{key}"\n')
    return read_cookie_key(path)


def read_cookie_key(path: Path) -> str:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise WeakSecretError(
            f"{path} can be read by other users (mode {mode:o}); run: chmod 600 {path}"
        )
    try:
        with path.open("rb") as fh:
            key = str(tomllib.load(fh).get("cookie_key", ""))
    except tomllib.TOMLDecodeError as exc:
        raise WeakSecretError(f"{path} is not valid TOML ({exc})") from None
    if key.strip().lower() in KNOWN_DEFAULTS:
        raise WeakSecretError(f"{path}: cookie_key is a well-known default; delete the file to generate a new key")
    if len(key) < MIN_KEY_LENGTH:
        raise WeakSecretError(
            f"{path}: cookie_key has {len(key)} characters; at least {MIN_KEY_LENGTH} are needed "
            "(delete the file to generate a strong one)"
        )
    return key
