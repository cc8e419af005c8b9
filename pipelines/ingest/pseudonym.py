"""Pseudonymous client codes, made from a client's name (and date of birth) with the practice's key.

Where an export names its clients instead of giving a code, the ingest replaces each
name with ``C-`` and the first 64 bits (16 hex digits) of HMAC-SHA256 under the
practice's ``pseudonym_key`` (the secrets file). The same name gives the same code in
every file and every run; without the key a code cannot be turned back into a name,
nor a name into its code. Names are compared as people write them: case, accents kept,
runs of spaces and the spaces around a name do not count ("Ana  Lima " = "ana lima").

A date of birth, when the export has one, goes into the code too, so two clients
with the same name and different dates of birth get different codes.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata

CODE_PREFIX = "C-"
CODE_HEX_DIGITS = 16  # 64 bits


def name_key(name: str) -> str:
    """The form of a name that is hashed: NFC, case-folded, single spaces, trimmed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def client_code(key: bytes, name: str, date_of_birth: str | None = None) -> str:
    """``C-`` and 16 hex digits; ``date_of_birth`` as YYYY-MM-DD (or None when the export has none)."""
    message = "client\x1f" + name_key(name) + ("\x1f" + date_of_birth if date_of_birth else "")
    digest = hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()
    return CODE_PREFIX + digest[:CODE_HEX_DIGITS]


def name_code(key: bytes, name: str) -> str:
    """A code of the name alone (``N-``), kept to tell when one name has come with several dates of birth."""
    digest = hmac.new(key, ("name\x1f" + name_key(name)).encode("utf-8"), hashlib.sha256).hexdigest()
    return "N-" + digest[:CODE_HEX_DIGITS]


def code_for(key: bytes, name: str, date_of_birth: str | None, birth_codes: list[str]) -> str | None:
    """The code the ingest gives a name, as a search would look it up: with a date of birth, its code;
    without one, the one code the name has had with a date of birth (``birth_codes``, from client_births),
    else the name's own code; None when the name has come with several dates of birth (ask for it)."""
    if date_of_birth:
        return client_code(key, name, date_of_birth)
    if len(birth_codes) > 1:
        return None
    return birth_codes[0] if birth_codes else client_code(key, name)
