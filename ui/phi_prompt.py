"""The PHI guard in a form: say what was found, and ask for an explicit confirmation where allowed.

``guarded(key, payload, store)``: ``payload`` is what the form submitted this
run (None otherwise); ``store(payload, confirmed)`` saves it or raises. When the
guard stops a block pattern the user is told which and must edit; when it finds
only confirm patterns the payload is kept and the user ticks, pattern by
pattern, that the text identifies no one, then posts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from pipelines.appstate.phi_guard import Finding, PhiGuardError
from ui.layout import plain_md

GUARD_NOTE = ("Shared with your team: no names, contact details, dates of birth or addresses. The guard looks for "
              "emails, phone numbers, full dates, street addresses, SSN-like and record numbers, other clinicians' client_ids "
              "and capitalised name pairs; it cannot catch everything, so read before you post.")


def _slot(key: str) -> str:
    return f"momentum_guard_{key}"


def _list(findings: list[Finding]) -> str:
    return "\n".join(f"- {plain_md(f.message())}" for f in findings)


def _attempt(key: str, payload: dict, store: Callable[[dict, list[str]], Any], confirmed: list[str]) -> Any:
    try:
        result = store(payload, confirmed)
    except PhiGuardError as stopped:
        blocks = [f for f in stopped.findings if f.action == "block"]
        if blocks:
            st.session_state.pop(_slot(key), None)
            st.error("**Not posted.** Please remove it and try again:\n" + _list(blocks), icon=":material/block:")
            return None
        st.session_state[_slot(key)] = (payload, stopped.findings)
        _confirm(key, store)
        return None
    except ValueError as bad:  # WinError, ConsultationError: a plain reason
        st.session_state.pop(_slot(key), None)
        st.error(plain_md(bad), icon=":material/error:")
        return None
    st.session_state.pop(_slot(key), None)
    return result


def _confirm(key: str, store: Callable[[dict, list[str]], Any]) -> Any:
    payload, findings = st.session_state[_slot(key)]
    st.warning("**Check before posting.** This text may identify someone:\n" + _list(findings),
               icon=":material/warning:")
    ticks = [st.checkbox(f"“{plain_md(f.match)}” does not identify a client or anyone else", key=f"{_slot(key)}_{i}")
             for i, f in enumerate(findings)]
    left, right = st.columns(2)
    if right.button("Edit instead", key=f"{_slot(key)}_cancel"):
        st.session_state.pop(_slot(key), None)
        st.rerun()
    if left.button("Post with confirmation", key=f"{_slot(key)}_go", type="primary", disabled=not all(ticks)):
        return _attempt(key, payload, store, sorted({f.pattern for f in findings}))
    return None


def guarded(key: str, payload: dict | None, store: Callable[[dict, list[str]], Any]) -> Any:
    """Store ``payload`` through the guard; returns store's result once stored, else None."""
    if payload is not None:
        return _attempt(key, payload, store, [])
    if _slot(key) in st.session_state:
        return _confirm(key, store)
    return None
