"""The one rendering rule for text from a file or a user shown by anything that renders Markdown.

Streamlit renders Markdown - and its own syntax - in markdown, captions, alerts
(st.success/error/warning/info), metric values and labels, widget labels,
expander, status and progress labels. Any value from a CSV or a user that
reaches one of them goes through :func:`plain_md`, whatever the element.
(Plain-text elements - st.text, st.dataframe, selectbox options - need nothing;
Plotly labels are HTML-escaped in ``ui/charts._safe``; st.html gets ``html.escape``.)
"""

from __future__ import annotations

import re

# every ASCII punctuation character: CommonMark lets each be backslash-escaped, and escaping all of
# them covers Markdown (links, images, emphasis, headings, lists, tables, HTML, entities) and
# Streamlit's own syntax (:red[…], :material/…:, :emoji:, $maths$) alike
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# GFM autolink literals are found in the text *after* escapes are read (https://…, www.…, a@b.c):
# a WORD JOINER (U+2060, invisible, zero width) inside each trigger keeps them plain text
_AUTOLINK_TRIGGERS = re.compile(r"(\\:)(?=\\/\\/)|(?<=www)(?=\\\.)|(?=\\@)", re.IGNORECASE)
WORD_JOINER = "\u2060"


def plain_md(text: object) -> str:
    """The one rendering rule for text from a file or a user inside anything Streamlit renders as
    Markdown (markdown, captions, alerts, metric values, widget labels, expander, status and
    progress labels): it shows exactly as written, with no Markdown or Streamlit effect - no link,
    autolink, image, colour, icon, emoji, emphasis, maths or HTML - on one line.
    """
    out = re.sub(r"[\r\n]", " ", str(text)).strip()  # one line; no indented code block
    out = _PUNCTUATION.sub(r"\\\1", out)
    return _AUTOLINK_TRIGGERS.sub(lambda m: (m.group(1) or "") + WORD_JOINER, out)
