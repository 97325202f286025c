"""The Data page's sections: imports and their history, snapshots, the audit trail."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import streamlit as st

import plain
from pcn_data.charts import views
from pcn_data.core import backup, trail
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError
from pcn_data.importing import batches
from pcn_data.reports import exports
from ui.auth import require
from ui.data import _current
from ui.filters import min_group
from ui.widgets import chart, compare_note


def _duration(seconds: int) -> str:
    """Return a period in words: "day", "6 hours", "90 minutes"."""
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            n = seconds // size
            return unit if n == 1 else f"{n} {unit}s"
    return f"{seconds} seconds"


def backup_section(db: Database) -> None:
    """Draw the Data page's backups: where and how often snapshots are taken, the latest ones, and
    a button that takes one now and offers it for download (facilitators only)."""
    st.subheader("Backups")
    folder = backup.backup_dir(db.path)
    every = backup.backup_every()
    schedule = "no scheduled snapshots" if every is None else f"one every {_duration(every)}"
    st.markdown(
        f"The dashboard snapshots its own file while it runs: before every import and every undo, and "
        f"{schedule}, keeping the last {backup.backup_keep()} of each kind in `{folder}` "
        "(`PCN_BACKUP_DIR`, `PCN_BACKUP_EVERY`, `PCN_BACKUP_KEEP`). A snapshot is the whole database, "
        "every answer in it: keep a downloaded one as safe as the server's file."
    )
    latest = backup.listed(folder, db.path)[-5:]
    if latest:
        st.dataframe(
            [
                {
                    "Snapshot": p.name,
                    "Taken": dt.datetime.fromtimestamp(p.stat().st_mtime).strftime("%d/%m/%Y %H:%M"),
                    "KB": round(p.stat().st_size / 1024),
                }
                for p in reversed(latest)
            ],
            hide_index=True,
            key="backup_list",
        )
    if st.button("Take a snapshot now", key="backup_take", icon=":material/backup:"):
        try:
            require("backup")
            taken = backup.take(db, "manual")
            trail.record_alone(db, "snapshot", taken.name, "taken on the Data page")
            st.session_state["_backup_taken"] = str(taken)
        except PcnDataError as exc:
            st.error(plain.md(str(exc)))
    taken = st.session_state.get("_backup_taken")
    if taken and Path(taken).is_file():
        st.success(f"Snapshot taken: {plain.md(Path(taken).name)}")
        st.download_button(
            "Download the snapshot",
            data=Path(taken).read_bytes(),
            file_name=Path(taken).name,
            mime="application/octet-stream",
            key="backup_download",
            icon=":material/download:",
        )


def audit_section(db: Database) -> None:
    """Draw the audit trail for facilitators: the latest rows and the whole trail as CSV. It is
    read-only here and everywhere in the app."""
    st.subheader("Audit trail")
    st.caption(
        "Every import, undo, tracker edit, poll control, moderation, change of theme codes, snapshot, "
        "sign-in and refusal, with who and when. The app only ever adds to it."
    )
    rows = trail.read(db, limit=200)
    labels = rows.assign(action=rows["action"].map(lambda a: trail.ACTIONS.get(a, a))).rename(
        columns={
            "audit_id": "#",
            "logged_at": "When",
            "actor": "Who",
            "action": "What",
            "target": "Target",
            "detail": "Detail",
        }
    )
    st.dataframe(labels, hide_index=True, key="audit_table")
    st.download_button(
        "Download the whole audit trail (CSV)",
        data=lambda: exports.csv_bytes(trail.read(db)),
        file_name="pcn_futures_audit_trail.csv",
        key="audit_download",
        icon=":material/download:",
    )


def change_section(
    change: pd.DataFrame, meta: dict, *, key: str, title: str, label_col: str, file_name: str
) -> None:
    """Draw the 'change since the previous wave' chart: one dot per row with its 95% interval."""
    st.caption(plain.md(compare_note(meta)))
    if change.empty:
        return
    chart(
        views.change_dots(
            change, title, label_col, min_group(), key=key, caption=compare_note(meta), file_name=file_name
        )
    )


def import_template() -> Callable[[], bytes]:
    """Return what writes the survey template workbook for the loaded database, for a download
    button to call when clicked: writing it took 0.3 s, on every first visit to the Data page."""
    return functools.partial(batches.template_xlsx, _current()[0])


def read_upload(uploaded) -> batches.Upload | None:
    """Return the uploaded file read and recognised, once per file; show why when it cannot be read."""
    if uploaded is None:
        return None
    key = ("_upload", uploaded.file_id)
    cached = st.session_state.get("_upload")
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        with st.spinner(f"Reading {uploaded.name}…"):
            upload = batches.Upload(uploaded.getvalue(), uploaded.name)
    except PcnDataError as exc:
        st.error(plain.md(str(exc)))  # a message may quote the file
        return None
    st.session_state["_upload"] = (key, upload)
    return upload


def read_mapping_file(uploaded) -> tuple[str | None, dict[str, str], dict[tuple[str, str], str]] | None:
    """Return (tool, columns, answers) of an uploaded mapping file (TOML), or None; show why when
    it cannot be read."""
    if uploaded is None:
        return None
    from pcn_data.importing import mapping_file

    try:
        return mapping_file.loads(uploaded.getvalue().decode("utf-8"), uploaded.name)
    except UnicodeDecodeError:
        st.error(plain.md(f"{uploaded.name} is not a text file: choose the mapping file (.toml)."))
    except PcnDataError as exc:
        st.error(plain.md(str(exc)))
    return None
