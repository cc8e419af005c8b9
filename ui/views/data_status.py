"""The data page: rows and freshness per table for everyone; for managers, upload exports, the load
history and rejected rows (as CSV); and the definitions in force (instruments and thresholds, with
their sources)."""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pandas as pd
import streamlit as st

from pipelines import clock
from pipelines.appstate.users import User
from pipelines.ingest import mapping
from pipelines.ingest.csv_files import FileRefused
from pipelines.ingest.load import IngestArgumentError, ingest
from pipelines.models import reports
from pipelines.store import StoreError
from schemas.contract import TABLES
from schemas.exports import LOAD_ORDER
from schemas.instruments import INSTRUMENTS
from schemas.profiles import DEFAULT_PROFILE, available_profiles
from schemas.thresholds import THRESHOLDS
from ui import data
from ui.charts import row_counts_bar
from ui.downloads import export_button
from ui.layout import plain_md
from ui.runtime import audited, get_runtime

_STEP = re.compile(r"^\[(\d+)/(\d+)\]")
MAX_UPLOAD_FILES = 20


def upload(user: User) -> None:
    """Upload CSV or Excel exports through the same pipeline as `python -m pipelines ingest`."""
    st.subheader("Load exports")
    with st.form("upload", clear_on_submit=True):
        files = st.file_uploader("CSV or Excel exports", type=["csv", "xlsx", "xlsm"], accept_multiple_files=True,
                                 help="Each file is recognised from its header; load them together so "
                                      "references between them are checked in one go.")
        profiles = available_profiles(get_runtime().paths.practice_profiles)
        profile = st.selectbox("Header profile", profiles, index=profiles.index(DEFAULT_PROFILE),
                               help="auto: each file's header picks its profile (a practice system's report, "
                                    "a profile saved below, or the canonical names and generic aliases)")
        submitted = st.form_submit_button("Load", type="primary", icon=":material/upload:")
    if not submitted:
        return
    if not files:
        st.warning("Choose one or more CSV or Excel files first.")
        return
    if len(files) > MAX_UPLOAD_FILES:
        st.error(f"At most {MAX_UPLOAD_FILES} files at a time.")
        return
    _run_ingest(user, files, profile)


MAX_NAME_BYTES = 200  # file systems allow 255 bytes per name; leave room


def _fitting_name(name: str) -> str:
    """The uploaded file's own name (never a path), shortened to fit a file system, keeping its suffix."""
    base = Path(name.replace("\\", "/")).name or "upload.csv"
    if len(base.encode("utf-8")) <= MAX_NAME_BYTES:
        return base
    suffix = Path(base).suffix[:16]
    stem = base[: len(base) - len(suffix)]
    while len((stem + "…" + suffix).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + "…" + suffix


def save_uploads(files, folder: Path) -> list[tuple[Path, str]]:
    """Write each uploaded file to its own numbered folder under ``folder``, so two files with the
    same name never overwrite each other; returns (saved path, name as uploaded) per file."""
    saved = []
    for i, f in enumerate(files, start=1):
        target = Path(folder) / f"{i:02d}" / _fitting_name(str(f.name))
        target.parent.mkdir()
        target.write_bytes(f.getvalue())
        saved.append((target, str(f.name)))
    return saved


def _run_ingest(user: User, files, profile: str) -> None:
    rt = get_runtime()
    bar = st.progress(0.0, text="Starting…")
    with tempfile.TemporaryDirectory(prefix="momentum-upload-") as tmp, st.status("Loading…", expanded=True) as box:
        uploaded = save_uploads(files, Path(tmp))
        saved = [path for path, _name in uploaded]
        shown = {str(path): name for path, name in uploaded}

        def progress(message: str) -> None:
            step = _STEP.match(message)
            if step:
                done, total = int(step.group(1)), int(step.group(2))
                bar.progress((done - 1) / total, text=f"File {done} of {total}")
            box.write(plain_md(message))

        try:
            result = ingest(saved, rt.paths, profile_name=profile, loaded_by=f"app:{user.username}",
                            progress=progress, refresh=True)
        except (IngestArgumentError, StoreError) as exc:
            box.update(label="Nothing was loaded", state="error")
            st.error(plain_md(exc))
            return
        bar.progress(1.0, text="Done")
        state = "complete" if result.exit_code == 0 else "error"
        box.update(label="Loaded" if state == "complete" else "Loaded, with rejected rows or files",
                   state=state, expanded=False)
    summary = pd.DataFrame([{**r.as_json(), "path": shown.get(str(r.path), Path(r.path).name), "message": r.message}
                            for r in result.files])
    st.dataframe(summary, hide_index=True, column_config={
        "path": "File", "table": "Table", "rows_read": "Read", "rows_loaded": "Loaded",
        "rows_rejected": "Rejected", "status": "Status", "message": "Notes"})
    if result.exit_code != 0:
        st.warning("Some rows or files were rejected: see their reasons under Rejected rows below.")
    unknown = [shown.get(str(r.path), Path(r.path).name) for r in result.files
               if r.table is None and r.status == "rejected"]
    if unknown:
        st.info(plain_md(f"No profile recognises {', '.join(unknown)}: map its columns under "
                         "\"Map a new export's columns\" below, then load it again."), icon=":material/table_edit:")


NONE = "(none)"
REJECT = "(reject these rows)"


def map_columns(user: User) -> None:
    """The column-mapping step for an export no profile recognises: choose the table and, for each
    contract column, its source column; assign unknown status words; preview; save as a profile."""
    st.subheader("Map a new export's columns")
    st.caption("For an export no profile recognises: say which of its columns is which, check the first rows "
               "as they would load, and save the mapping as a profile of this practice. Files with the same "
               "header then load by themselves, here and with `python -m pipelines ingest`.")
    saved_now = st.session_state.pop("map_saved", None)
    if saved_now:
        st.success(plain_md(f"Saved profile {saved_now}. Load the file with Load exports above, or by "
                            "`python -m pipelines ingest FILE`: it is recognised by its header."),
                   icon=":material/check_circle:")
    upload_file = st.file_uploader("An export to map", type=["csv", "xlsx", "xlsm"],
                                   key=f"map_file_{st.session_state.get('map_round', 0)}")
    if upload_file is None:
        return
    rt = get_runtime()
    with tempfile.TemporaryDirectory(prefix="momentum-mapping-") as tmp:
        ((path, _name),) = save_uploads([upload_file], Path(tmp))
        try:
            fields = mapping.header_of(path)
        except FileRefused as exc:
            st.error(plain_md(f"This file cannot be mapped: {exc}"))
            return
        choice = _mapping_choices(user, fields, path)
        try:  # the preview needs no name yet
            profile = mapping.build(replace(choice, name=choice.name or "unnamed"), fields)
        except mapping.MappingError as exc:
            st.warning(plain_md(str(exc)), icon=":material/edit_note:")
            return
        st.markdown("**Preview: the first 20 rows as they would load**")
        try:
            rows = mapping.preview(rt.paths, path, profile)
        except mapping.MappingError as exc:
            st.warning(plain_md(str(exc)))
            return
        loads = int((rows["outcome"] == "loads").sum())
        st.caption(f"{loads} of {len(rows)} rows would load; the rest are rejected with the reason shown.")
        st.dataframe(rows, hide_index=True, key="map_preview", column_config={
            "row": "Row", "outcome": "Outcome", "reason": st.column_config.TextColumn("Reason", width="large")})
        if st.button("Save this profile", type="primary", icon=":material/save:", key="map_save",
                     disabled=not choice.name, help=None if choice.name else "Give the profile a name first."):
            try:
                profile = mapping.build(choice, fields)
                saved = mapping.save(rt.paths, profile)
            except mapping.MappingError as exc:
                st.error(plain_md(str(exc)))
                return
            audited(user.username, "profile_saved", profile=choice.name, table=choice.table,
                    columns=profile["reports"][0]["columns"], names=profile["reports"][0].get("names", {}))
            # the export leaves the session: the next run draws a new, empty uploader
            st.session_state["map_round"] = st.session_state.get("map_round", 0) + 1
            st.session_state["map_saved"] = f"{choice.name} ({saved.name})"
            st.rerun()


def _mapping_choices(user: User, fields: list[str], path: Path) -> mapping.Mapping:
    proposed_table, _found = mapping.propose(fields)
    table = st.selectbox("These rows are", LOAD_ORDER, index=LOAD_ORDER.index(proposed_table), key="map_table",
                         help="The Momentum table the file's rows belong to.")
    proposed = mapping.propose_columns(fields, table)
    options = [NONE, *fields]
    spec = TABLES[table]
    columns: dict[str, str] = {}
    grid = st.columns(3)
    for i, col in enumerate(spec.columns):
        label = f"{col.name}{' (required)' if col.required else ''}"
        if table == "sessions" and col.name == "session_id":
            label = "session_id (if none: derived from client, clinician and start)"
        picked = grid[i % 3].selectbox(label, options, index=options.index(proposed.get(col.name, NONE)),
                                       key=f"map_col_{table}_{col.name}")
        if picked != NONE:
            columns[col.name] = picked
    left, right = st.columns(2)
    client_names = "client_id" in spec.column_names and left.checkbox(
        "The client column holds names (turn them into codes)", key="map_client_names",
        value=mapping.looks_like_names(path, fields, columns.get("client_id")),
        help="Each name becomes a pseudonymous code with the practice's key; no name is stored.")
    clinician_names = "clinician_id" in spec.column_names and left.checkbox(
        "The clinician column holds names (match them to the staff list)", key="map_clinician_names")
    add_clients = table == "sessions" and left.checkbox(
        "Add clients first seen here", key="map_add_clients",
        help="For an export with no client list: a new client's intake date is their first session in the file.")
    style = right.radio("Dates are written as", list(mapping.DATE_STYLES), key="map_date_style", horizontal=True)
    words: dict[str, dict[str, str]] = {}
    for col, unknown in mapping.unknown_words(path, fields, table, columns).items():
        allowed = list(spec.column(col).allowed or ())
        st.markdown(plain_md(f"Words in {col} that Momentum does not know:"))
        word_cols = st.columns(3)
        for j, word in enumerate(unknown[:30]):
            value = word_cols[j % 3].selectbox(plain_md(f"“{word}” means"), [REJECT, *allowed],  # keyed by the word
                                               key=f"map_word_{table}_{col}_{hashlib.sha256(word.encode()).hexdigest()[:12]}")
            words.setdefault(col, {})[word] = "" if value == REJECT else value
    name = st.text_input("Save as profile", key="map_name", max_chars=40,
                         placeholder="e.g. acme-visits", help="Lower-case letters, digits, '-' and '_'.")
    return mapping.Mapping(name=name.strip(), table=table, columns=columns, client_names=bool(client_names),
                           clinician_names=bool(clinician_names), add_clients=bool(add_clients), date_style=style,
                           words=words, saved_by=user.username,
                           saved_on=clock.today().isoformat())


def rejected_download(user: User, load_id: int, file_name: str, rejected: pd.DataFrame) -> None:
    export_button(st, "Download these rejected rows (CSV)", lambda: reports.to_csv(rejected), mime="text/csv",
                  file_name=f"rejected-load-{load_id}.csv",
                  detail={"what": "rejected_rows", "load_id": load_id, "file": file_name}, key="rejected_csv")


def definitions() -> None:
    """The instruments and thresholds in force, read-only, each with its source."""
    with st.expander("Instruments and thresholds in force", icon=":material/rule:"):
        inst = pd.DataFrame([{
            "code": i.code, "name": i.name, "range": f"{i.range_min:g}-{i.range_max:g}", "better": i.better,
            "caseness": i.cut_off,
            "rc_threshold": "" if i.rc_threshold is None else f"{i.rc_threshold:g}", "source": i.source,
        } for i in INSTRUMENTS.values()])
        st.dataframe(inst, hide_index=True, column_config={"source": st.column_config.TextColumn("Source", width="large")})
        rows = pd.DataFrame([{"section": t.section, "name": t.name, "value": t.value, "source": t.source}
                             for t in THRESHOLDS.values()])
        st.dataframe(rows, hide_index=True, column_config={"source": st.column_config.TextColumn("Source", width="large")})
        st.caption("Read-only here: they are data in schemas/instruments.toml and schemas/thresholds.toml "
                   "(docs/clinical-definitions.md).")


def row_counts_view() -> None:
    counts = data.row_counts(data.published_version())
    if counts["row_count"].sum() == 0:
        st.info("No data yet. A manager loads exports with `python -m pipelines ingest PATH`.")
        return
    left, right = st.columns([2, 3])
    with left:
        st.dataframe(
            counts,
            hide_index=True,
            column_config={
                "table_name": "Table",
                "row_count": st.column_config.NumberColumn("Rows", format="localized"),
                "latest_date": st.column_config.DateColumn("Latest date held", format="YYYY-MM-DD",
                                                           help="How fresh each table is: its latest date"),
                "last_loaded_at": st.column_config.DatetimeColumn("Last loaded", format="YYYY-MM-DD HH:mm"),
                "loads": "Loads",
            },
        )
    with right:
        st.plotly_chart(row_counts_bar(counts), config={"displayModeBar": False})


def ledger_view(user: User) -> None:
    st.subheader("Load history")
    ledger = data.ledger(data.published_version()).fillna({"message": ""})
    if ledger.empty:
        st.info("No loads yet.")
        return
    st.dataframe(
        ledger,
        hide_index=True,
        column_config={
            "load_id": "Load",
            "loaded_at": st.column_config.DatetimeColumn("Loaded at", format="YYYY-MM-DD HH:mm"),
            "loaded_by": "By",
            "source_file": "File",
            "table_name": "Table",
            "status": "Status",
            "rows_read": st.column_config.NumberColumn("Read", format="localized"),
            "rows_loaded": st.column_config.NumberColumn("Loaded", format="localized"),
            "rows_rejected": st.column_config.NumberColumn("Rejected", format="localized"),
            "message": "Notes",
        },
    )
    with_rejects = ledger[ledger["rows_rejected"] > 0]
    if with_rejects.empty:
        st.success("Every row of every load was accepted.")
        return
    st.subheader("Rejected rows")
    choice = st.selectbox(
        "Load",
        with_rejects["load_id"].tolist(),
        format_func=lambda i: _load_label(with_rejects, i),
    )
    rejected = data.rejected_rows(data.published_version(), int(choice))
    st.dataframe(
        rejected,
        hide_index=True,
        column_config={"row_number": "Row", "column_name": "Column", "value": "Value", "reason": "Reason"},
    )
    file_name = str(with_rejects.loc[with_rejects["load_id"] == choice, "source_file"].iloc[0])
    rejected_download(user, int(choice), file_name, rejected)


def _load_label(ledger: pd.DataFrame, load_id: int) -> str:
    row = ledger[ledger["load_id"] == load_id].iloc[0]
    return f"#{load_id} {row['source_file'].rsplit('/', 1)[-1]} ({row['rows_rejected']} rejected)"
