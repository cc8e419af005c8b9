"""How headers and words from an export are compared: lower case, letters and digits only."""

from __future__ import annotations

import re


def normalise(text: str) -> str:
    """``Client ID``, ``client id`` and ``CLIENT_ID`` all become ``clientid``; ``No-Show`` equals ``no_show``."""
    return re.sub(r"[^0-9a-z]+", "", text.strip().lower())
