"""A Streamlit client without a browser: it speaks the websocket protocol the browser speaks.

The browser's side of a Streamlit session is a websocket (``/_stcore/stream``)
carrying protobuf messages that ship in the streamlit package: the client sends
``BackMsg`` (``rerun_script`` with the page, the query string and the widgets'
values), the server answers with ``ForwardMsg`` (``new_session`` when a script
run starts, ``delta`` for every element drawn, ``navigation`` with the pages,
``page_info_changed`` when the script sets the query string, ``auto_rerun`` for
a fragment on a timer, ``script_finished`` when the run ends). This module keeps
what a run drew - texts, widgets with their ids, error boxes, exceptions - so a
script can find "the button labelled Celebrate" and press it, as a user would.

What it does not do, and a browser does: run JavaScript components (the
sign-in cookie's component never reports back, so no session gets its cookie;
the session itself works), fetch media, fonts or the frontend's files, or draw.
It does run the timed fragment (the idle check) as the browser does, between
steps. So the server's work per page is the same as a browser's; the client's
own work is a fraction of a browser's, which is the point: many sessions from
one machine, the server's limit rather than the browsers'.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = ForwardMsg.FINISHED_SUCCESSFULLY
COMPILE_ERROR = ForwardMsg.FINISHED_WITH_COMPILE_ERROR
FRAGMENT_FINISHED = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY
ERROR_ALERT = 1  # Alert.Format.ERROR


class ProtocolError(Exception):
    """The server closed the connection or a run did not finish in time."""


@dataclass
class Widget:
    id: str
    kind: str  # the Element field: button, text_input, selectbox, ...
    label: str
    options: list[str] = field(default_factory=list)
    form_id: str = ""
    submits_form: bool = False
    style: str = ""  # a button's type: primary or secondary


@dataclass
class Screen:
    """What the last full script run drew, in the order of the page."""

    texts: list[str] = field(default_factory=list)
    widgets: list[Widget] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # st.error boxes
    exceptions: list[str] = field(default_factory=list)  # Streamlit exception boxes

    def widget(self, kind: str, label: str, *, starts: bool = False) -> Widget | None:
        for w in self.widgets:
            if w.kind == kind and (w.label.startswith(label) if starts else w.label == label):
                return w
        return None

    def widget_by_id(self, widget_id: str) -> Widget | None:
        return next((w for w in self.widgets if w.id == widget_id), None)

    def shows(self, text: str) -> bool:
        return any(text in t for t in self.texts)


def _element_parts(element) -> tuple[str, str, Widget | None]:
    """(kind, text, widget) of one Element."""
    kind = element.WhichOneof("type") or ""
    part = getattr(element, kind, None) if kind else None
    text, widget = "", None
    if kind in ("heading", "markdown", "text", "alert"):
        text = part.body
        if kind == "alert" and part.format == ERROR_ALERT:
            kind = "error"
    elif kind == "exception":
        text = f"{part.type}: {part.message}"
    elif kind == "metric":
        text = f"{part.label}: {part.body}"
    elif kind == "page_link":
        text = part.label
    if part is not None and hasattr(part, "id") and part.id:
        widget = Widget(id=part.id, kind=kind, label=getattr(part, "label", ""),
                        options=list(getattr(part, "options", [])), form_id=getattr(part, "form_id", ""),
                        submits_form=bool(getattr(part, "is_form_submitter", False)),
                        style=getattr(part, "type", "") if kind == "button" else "")
        if kind == "button":
            text = part.label
    return kind, text, widget


class StreamlitSession:
    """One browser tab's worth of Streamlit session, over one websocket.

    ``await session.run(...)`` sends one rerun (a click, a form submit, a page
    change) and returns once the script has finished its last run - a script
    that calls ``st.rerun()`` runs again, and the wait goes on to the end of
    that run too - with the ``Screen`` it drew.
    """

    def __init__(self, url: str, timeout_s: float = 120, cookies: dict[str, str] | None = None):
        self.base = url.rstrip("/")
        self.timeout_s = timeout_s
        self.cookies = dict(cookies or {})  # sent with the websocket's request (a proxy's route cookie)
        self.ws = None
        self.pages: dict[str, str] = {}  # page title -> page_script_hash (from the navigation message)
        self.page_hash = ""
        self.query_string = ""
        self.fragment: tuple[str, float] | None = None  # (fragment id, interval s) on a timer
        self.next_fragment_at = 0.0
        self.screen = Screen()
        self._elements: dict[tuple[int, ...], tuple[str, str, Widget | None]] = {}
        self.bytes_in = 0
        self.runs = 0

    async def connect(self) -> Screen:
        """Open the websocket and run the app's script once, as a new tab does."""
        ws_url = self.base.replace("http://", "ws://").replace("https://", "wss://") + "/_stcore/stream"
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else None
        self.ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=self.timeout_s, ping_interval=None,
                                           additional_headers=headers)
        return await self.run()

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *_exc):
        await self.close()

    # -- one run -------------------------------------------------------------------

    def _back(self, widgets: list, fragment_id: str = "") -> bytes:
        msg = BackMsg()
        rerun = msg.rerun_script
        rerun.query_string = self.query_string
        rerun.page_script_hash = self.page_hash
        if fragment_id:
            rerun.fragment_id = fragment_id
            rerun.is_auto_rerun = True
        for state in widgets:
            rerun.widget_states.widgets.append(state)
        rerun.context_info.timezone = "UTC"
        rerun.context_info.locale = "en-GB"
        rerun.context_info.url = f"{self.base}/?{self.query_string}" if self.query_string else self.base + "/"
        return msg.SerializeToString()

    async def run(self, widgets: list | None = None, page: str | None = None, query: str | None = None) -> Screen:
        """One rerun: ``page`` (a title in the sidebar) changes page, ``query`` sets the query string,
        ``widgets`` are WidgetState messages (see ``click``, ``submit``, ``choose``)."""
        if page is not None:
            if page not in self.pages:
                raise ProtocolError(f"no page {page!r} in the navigation ({', '.join(self.pages)})")
            self.page_hash = self.pages[page]
            self.query_string = ""
        if query is not None:
            self.query_string = query
        await self.ws.send(self._back(widgets or []))
        await self._until_finished(fragment=False)
        self.runs += 1
        return self.screen

    async def tick(self) -> bool:
        """The timed fragment (the idle check), when it is due, as the browser runs it. True if it ran."""
        if self.fragment is None or time.monotonic() < self.next_fragment_at:
            return False
        fragment_id, interval = self.fragment
        self.next_fragment_at = time.monotonic() + interval
        await self.ws.send(self._back([], fragment_id=fragment_id))
        await self._until_finished(fragment=True)
        return True

    async def _until_finished(self, fragment: bool) -> None:
        deadline = time.monotonic() + self.timeout_s
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProtocolError(f"the run did not finish within {self.timeout_s:g} s")
            try:
                raw = await asyncio.wait_for(self.ws.recv(), timeout=left)
            except TimeoutError:
                raise ProtocolError(f"the run did not finish within {self.timeout_s:g} s") from None
            except websockets.ConnectionClosed as exc:
                raise ProtocolError(f"the server closed the connection ({exc})") from None
            self.bytes_in += len(raw)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session" and not fragment:
                self._elements = {}
            elif kind == "delta" and not (fragment or msg.delta.fragment_id):
                self._delta(msg)
            elif kind == "navigation":
                self.pages = {p.page_name: p.page_script_hash for p in msg.navigation.app_pages}
                self.page_hash = msg.navigation.page_script_hash or self.page_hash
            elif kind == "page_info_changed":
                self.query_string = msg.page_info_changed.query_string
            elif kind == "auto_rerun":
                if self.fragment is None or self.fragment[0] != msg.auto_rerun.fragment_id:
                    self.next_fragment_at = time.monotonic() + msg.auto_rerun.interval
                self.fragment = (msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
            elif kind == "stop_auto_rerun":
                self.fragment = None
            elif kind == "script_finished":
                status = msg.script_finished
                if fragment and status == FRAGMENT_FINISHED:
                    return
                if not fragment and status in (FINISHED, COMPILE_ERROR):
                    self._draw()
                    return

    def _delta(self, msg) -> None:
        path = tuple(msg.metadata.delta_path)
        delta = msg.delta
        if delta.WhichOneof("type") == "new_element":
            self._elements[path] = _element_parts(delta.new_element)
        elif delta.WhichOneof("type") == "add_block":
            self._elements[path] = ("block", "", None)

    def _draw(self) -> None:
        screen = Screen()
        for path in sorted(self._elements):
            kind, text, widget = self._elements[path]
            if text:
                screen.texts.append(text)
            if widget is not None:
                screen.widgets.append(widget)
            if kind == "exception":
                screen.exceptions.append(text)
            elif kind == "error":
                screen.errors.append(text)
        self.screen = screen


def click(widget: Widget):
    """The WidgetState of a button press (a form's submit button included)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget.id, trigger_value=True)


def typed(widget: Widget, value: str):
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget.id, string_value=value)


def chosen(widget: Widget, option: str):
    """A selectbox's choice (its state is the option's text)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget.id, string_value=option)
