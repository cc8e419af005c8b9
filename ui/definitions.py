"""The clinical definitions (docs/clinical-definitions.md) in the app, section by section, each with an
anchor other pages' help texts link to ("/definitions#flags-report-flags")."""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st

from schemas.vocabulary import VOCABULARY, anchor

DOC = Path(__file__).resolve().parent.parent / "docs" / "clinical-definitions.md"
PAGE = "/definitions"
_IMAGE = re.compile(r"^!\[(?P<alt>[^\]]*)\]\((?P<src>[^)]+)\)\s*$", re.M)
_LINK_TO_FILE = re.compile(r"\[([^\]]+)\]\((?!https?:|#)[^)]+\)")  # repository-relative links: kept as text


def link(kind: str, code: str, text: str = "Definition") -> str:
    """A Markdown link to where a code is defined on the Definitions page."""
    entry = VOCABULARY[kind].get(code)
    target = f"{PAGE}#{entry.anchor}" if entry is not None and entry.anchor else PAGE
    return f"[{text}]({target})"


def section_link(heading: str, text: str = "Definition") -> str:
    return f"[{text}]({PAGE}#{anchor(heading)})"


def sections(text: str) -> list[tuple[int, str, str]]:
    """(level, heading, body) for each "## " and "### " section; the first (level 1) is the introduction."""
    parts = re.split(r"^(#{2,3}) (.+)$", text, flags=re.M)
    intro = parts[0].split("\n", 1)[1] if parts[0].startswith("# ") else parts[0]
    out = [(1, "", intro)]
    out += [(len(parts[i]), parts[i + 1].strip(), parts[i + 2]) for i in range(1, len(parts), 3)]
    return out


def _body(body: str) -> None:
    """Markdown, with the doc's images drawn by st.image and links to repository files kept as plain text."""
    at = 0
    for m in _IMAGE.finditer(body):
        st.markdown(_LINK_TO_FILE.sub(r"\1", body[at:m.start()]))
        picture = DOC.parent / m.group("src")
        if picture.is_file():
            st.image(str(picture), caption=m.group("alt"), alt=m.group("alt"))
        at = m.end()
    st.markdown(_LINK_TO_FILE.sub(r"\1", body[at:]))


def definitions_page() -> None:
    parts = sections(DOC.read_text(encoding="utf-8"))
    _body(parts[0][2])
    st.markdown("**On this page:** " + " · ".join(f"[{h}](#{anchor(h)})" for level, h, _ in parts[1:] if level == 2))
    for level, heading, body in parts[1:]:
        if level == 2:
            st.subheader(heading, anchor=anchor(heading), divider="gray")
        else:
            st.markdown("")
            st.subheader(heading, anchor=anchor(heading))
        _body(body)
