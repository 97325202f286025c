"""Data and method: what file is loaded, what it holds, importing files into it, and the rules
every chart follows."""

import functools
import hashlib

import pandas as pd
import streamlit as st

import plain
import ui
from pcn_data.core import bank
from pcn_data.core.config import min_group
from pcn_data.core.db import SCHEMA_VERSION
from pcn_data.core.errors import PcnDataError
from pcn_data.importing import batches, mapping_file
from pcn_data.importing.batches import already_imported, apply, target_labels, undo
from pcn_data.importing.mapping import IGNORE, answer_options
from pcn_data.importing.reading import max_upload_mb
from pcn_data.importing.survey import might_hold
from pcn_data.reports.exports import csv_bytes
from pcn_data.survey import queries

ui.ensure_navigation_mode()

db = ui.database()
meta = db.meta()
st.title("Data and method")

st.subheader("The database file")
c1, c2, c3 = st.columns(3)
c1.metric("Dataset", ui.DATASETS.get(db.dataset(), "Real data"))
c2.metric("Schema version", meta.get("schema_version", SCHEMA_VERSION))
c3.metric("Data version", meta.get("data_version", "0"), help="Changes on every write; caches follow it.")
if ui.can("import"):  # where the server keeps its file is for the facilitators who run it
    st.markdown(f"File: `{db.path}`")
LABELS = {
    "ics": "ICSs",
    "places": "Places",
    "pcns": "PCNs",
    "waves": "Survey waves",
    "respondents": "Respondents",
    "answers": "Answers",
    "engagement_events": "Engagement events",
    "recommendations": "Recommendations",
}
counts = ui.query(queries.count_rows)
st.dataframe(
    [{"What": LABELS.get(k, k), "Rows": v} for k, v in counts.items()],
    hide_index=True,
    key="data_counts",
)


NOT_MATCHED = "(leave as a problem)"


def unmatched_answers(upload) -> dict[tuple[str, str], int]:
    """Return (question code, label) -> cells for the answers this file's checks so far found on no
    option; kept across checks, so a choice stays on screen once the next check has used it."""
    return st.session_state.setdefault("_unmatched", {}).setdefault(upload.sha256, {})


def answer_label_choices(upload) -> dict[tuple[str, str], str]:
    """Draw a choice for every answer a check found on no option of its question; return the
    (question code, label) -> option code (or IGNORE) chosen so far."""
    unmatched = unmatched_answers(upload)
    if not unmatched:
        return {}
    st.markdown(
        "**Match the answers that fit no option.** Choose the option each one means, or count it as "
        "no answer; then check the file again. Your choices are saved for the next file from the same tool."
    )
    wordings = ui.query(queries.question_wordings)
    chosen = {}
    columns = st.columns(2)
    for i, ((qc, raw), cells) in enumerate(unmatched.items()):  # in the order the file has them
        options = {NOT_MATCHED: NOT_MATCHED, IGNORE: "(no answer)", **answer_options(db, qc)}
        digest = hashlib.sha256(f"{qc}|{raw}".encode()).hexdigest()[:10]
        pick = columns[i % 2].selectbox(
            f"“{plain.md(raw)}” ({cells} {'answer' if cells == 1 else 'answers'}) to: "
            f"{plain.md(wordings.get(qc, qc))}",
            options=list(options),
            format_func=options.get,
            key=f"import_label_{upload.sha256[:12]}_{digest}",
        )
        if pick != NOT_MATCHED:
            chosen[(qc, raw)] = pick
    return chosen


def columns_not_imported(upload) -> bool:
    """Draw the columns with answers that the last check left unmapped, and ask to confirm them;
    return True once confirmed."""
    found = st.session_state.setdefault("_not_imported", {}).get(upload.sha256)
    if not found:
        return False
    lines = []
    for header, answers, fits in found:
        hold = might_hold(fits)
        lines.append(
            f"- “{plain.md(header)}”: {answers} {'answer' if answers == 1 else 'answers'}"
            + (f"; {plain.md(hold)}" if hold else "")
        )
    st.markdown(
        "**Columns not imported.** These columns hold answers but are neither matched to a question "
        "nor the tools' own metadata. Match them above, or confirm that they are left out.\n"
        + "\n".join(lines)
    )
    return st.checkbox("Import without these columns", key="import_ignore_unmapped")


def import_section() -> None:
    """Upload, map, check and import a file; list and undo batches."""
    st.subheader("Import data")
    st.markdown(
        "Import survey responses (Microsoft Forms, SurveyMonkey or Google Forms exports, or the "
        "template below), a Mentimeter results export as a workshop poll, or the ICS/place/PCN list, "
        "engagement events, PCN self-assessments, or who was invited to a survey round "
        "(`wave,pcn_code,role,invited`: the base of the response rate). "
        "Every row is checked before anything is written; an import is written whole or not at all, "
        "and can be undone."
    )
    st.download_button(
        "Download the survey template (XLSX)",
        data=ui.import_template(),
        file_name="pcn_futures_survey_template.xlsx",
        key="import_template",
        icon=":material/download:",
    )
    uploaded = st.file_uploader(
        "File to import (CSV or XLSX)",
        type=["csv", "xlsx"],
        key="import_file",
        max_upload_size=max_upload_mb(),
    )
    upload = ui.read_upload(uploaded)
    if upload is not None:
        st.markdown(
            f"**{plain.md(upload.file_name)}** is recognised as: {plain.md(upload.description)} "
            f"({upload.kind})."
        )
        wave = None
        default_role = "cd"
        mapping = None
        place = None
        if upload.needs_wave:
            left, right = st.columns(2)
            wave = left.text_input(
                "Survey wave (code)" if upload.kind == "survey" else "Workshop session (a new wave code)",
                key="import_wave",
                help="The survey round these responses belong to, e.g. 2025. A new code creates the wave."
                if upload.kind == "survey"
                else "A short code for this workshop's poll session, e.g. MB-2023-05.",
            ).strip()
        if upload.kind == "poll":
            places = ui.query(queries.list_places, None)
            place = right.selectbox(
                "Place the workshop was held in",
                options=list(places["place_code"]),
                format_func=dict(zip(places["place_code"], places["name"], strict=True)).get,
                key="import_place",
            )
        if upload.needs_mapping:
            try:
                proposals = upload.proposals(db)
            except PcnDataError as exc:  # one sentence, whatever failed (the cause is logged)
                st.error(str(exc))
                return
            labels = target_labels(db)
            from_file = ui.read_mapping_file(
                st.file_uploader(
                    "Mapping file (optional): one saved here or by the command line's --save-mapping",
                    type=["toml"],
                    key="import_mapping_file",
                    max_upload_size=mapping_file.MAX_MB,
                )
            )
            file_labels: dict[tuple[str, str], str] = {}
            if from_file is not None:
                _tool, columns, file_labels = from_file
                for p in proposals:
                    if mapping_file.names(columns, p.header):
                        p.target = mapping_file.apply_columns([p.header], {}, columns)[p.header]
                        p.how = "mapping file"
                        if p.target not in labels:  # a code the bank does not have: say so, keep going
                            st.warning(
                                plain.md(
                                    f"The mapping file maps “{p.header}” to {p.target!r}, not a question."
                                )
                            )
                            p.target = IGNORE
            has_role = any(p.target == "role" for p in proposals)
            if upload.kind == "survey" and not has_role:
                default_role = right.selectbox(
                    "Role of every respondent (no role column)",
                    options=[c for c, _ in bank.ROLES],
                    format_func=dict(bank.ROLES).get,
                    key="import_default_role",
                )
            st.markdown(
                "**Match the file's columns to the question bank.** Check each match; choose "
                "“(ignore this column)” for anything the dashboard should not keep (names and emails "
                "are never kept). Your choices are saved for the next file from the same tool."
            )
            edited = st.data_editor(
                pd.DataFrame(
                    {
                        "column": [p.header for p in proposals],
                        "imports as": [labels[p.target] for p in proposals],
                        "how matched": [p.how for p in proposals],
                    }
                ),
                column_config={
                    "column": st.column_config.TextColumn("Column in the file", disabled=True),
                    "imports as": st.column_config.SelectboxColumn(
                        "Imports as", options=list(labels.values()), required=True
                    ),
                    "how matched": st.column_config.TextColumn("How matched", disabled=True),
                },
                hide_index=True,
                # Tall enough to show every column of a typical export without scrolling inside it.
                height=min(38 + 35 * len(proposals), 1200),
                key=f"import_mapping_{upload.sha256[:12]}_{hashlib.sha256(repr(from_file).encode()).hexdigest()[:8]}",
            )
            by_label = {v: k for k, v in labels.items()}
            mapping = dict(zip(edited["column"], edited["imports as"].map(by_label), strict=True))
        # Answers are matched by hand only in the tools' exports (the template holds codes).
        answers = answer_label_choices(upload) if upload.needs_mapping else {}
        if upload.needs_mapping:
            answers = file_labels | answers  # a choice made here wins over the mapping file's
            st.download_button(
                "Download this mapping (TOML)",
                # Written when clicked (the callable runs outside the script run).
                data=functools.partial(
                    mapping_file.dumps_bytes,
                    upload.source_format,
                    dict(mapping),
                    dict(answers),
                    dict(unmatched_answers(upload)),
                ),
                file_name=f"mapping_{upload.source_format}.toml",
                key="import_mapping_download",
                help="Columns to questions and answers to options, for the next file or the command "
                "line's --mapping.",
            )
        ignore_unmapped = columns_not_imported(upload) if upload.needs_mapping else False
        # A plan is checked once, on request, and kept until the file, wave, mappings or data change.
        signature = (
            upload.sha256, wave, repr(mapping), repr(sorted(answers.items())), default_role, place,
            ignore_unmapped, ui.data_version(),
        )  # fmt: skip
        ready = not upload.needs_wave or bool(wave)
        label = "Confirm the mapping and check the file" if upload.needs_mapping else "Check the file"
        if st.button(label, key="import_check", type="primary", disabled=not ready):
            try:
                with st.spinner(f"Checking every row of {upload.file_name}…"):
                    plan = upload.plan(
                        db,
                        wave=wave,
                        mapping=mapping,
                        default_role=default_role,
                        place=place,
                        labels=answers,
                        ignore_unmapped=ignore_unmapped,
                    )
            except PcnDataError as exc:  # one sentence, whatever failed (the cause is logged)
                st.session_state.pop("_plan", None)
                st.error(str(exc))
            else:
                st.session_state["_plan"] = (signature, plan)
                unmatched = unmatched_answers(upload)
                not_imported = st.session_state.setdefault("_not_imported", {})
                fresh = upload.needs_mapping and not_imported.get(upload.sha256) != plan.not_imported
                if fresh:
                    not_imported[upload.sha256] = plan.not_imported
                if upload.needs_mapping and set(plan.unmatched) - set(unmatched):
                    unmatched.update(plan.unmatched)
                    fresh = True
                if fresh:
                    st.rerun()  # to offer the newly found answers and columns above the report
        stored = st.session_state.get("_plan")
        plan = stored[1] if stored and stored[0] == signature else None
        if not ready:
            st.info("Name the survey wave, then check the file.")
        elif plan is not None:
            c1, c2, c3 = st.columns(3)
            c1.metric("Rows read", plan.rows_read)
            c2.metric("Good rows", plan.good_rows)
            c3.metric("Rows with problems", len(plan.bad_rows))
            for note in plan.notes:
                st.caption(plain.md(note))  # notes quote the file
            previous = already_imported(db, plan.sha256)
            if previous is not None:
                st.info(
                    f"This file was already imported (batch {previous}); importing it again changes nothing."
                )
            if previous is not None:
                pass  # its rows are in the database already: not a list of duplicates to fix
            elif plan.problems:
                st.error(f"{len(plan.problems)} problems found. Nothing has been written.")
                report = plan.report()
                if len(report) <= 50:
                    # A table wraps the long messages; a data grid would cut them off.
                    st.table(
                        ui.plain_table(report).rename(
                            columns={"row": "Row", "column": "Column", "problem": "Problem"}
                        )
                    )
                else:
                    st.dataframe(
                        report,
                        hide_index=True,
                        key="import_problems",
                        column_config={
                            "row": st.column_config.NumberColumn("Row", width="small"),
                            "column": st.column_config.TextColumn("Column", width="medium"),
                            "problem": st.column_config.TextColumn("Problem", width="large"),
                        },
                    )
                st.download_button(
                    "Download the rejected rows (CSV)",
                    data=csv_bytes(plan.rejected()),
                    file_name=f"rejected_{upload.file_name.rsplit('.', 1)[0]}.csv",
                    key="import_rejected",
                )
            else:
                st.success("No problems found: every row can be imported.")
            typed_name = st.text_input("Your name (kept with the import)", key="import_by").strip()
            blocked = bool(plan.file_problems) or previous is not None or plan.good_rows == 0
            b1, b2 = st.columns(2)
            do_all = b1.button(
                "Import", type="primary", key="import_all", disabled=blocked or bool(plan.problems)
            )
            do_valid = b2.button(
                f"Import the {plan.good_rows} valid rows only",
                key="import_valid",
                disabled=blocked or not plan.problems,
            )
            if do_all or do_valid:
                with ui.guarded("import") as done:  # checked again here, not only by hiding the section
                    with st.spinner("Importing…"):
                        result = apply(db, plan, valid_only=do_valid, imported_by=typed_name or None)
                if done:
                    st.session_state["_import_result"] = result
                    st.session_state.pop("import_undo_batch", None)  # offer the newest batch to undo
                    st.rerun()
    result = st.session_state.pop("_import_result", None)
    if result:
        st.success(
            f"Imported batch {result['batch_id']}: {result['rows_written']} rows written, "
            f"{result.get('rows_rejected', 0)} rejected. Every page now shows the new data."
        )

    st.subheader("Import history")
    history = ui.query(batches.list_batches)
    st.dataframe(
        history,
        hide_index=True,
        key="import_batches",
        column_config={
            "batch_id": st.column_config.NumberColumn("Batch"),
            "kind": "Kind",
            "source_name": "Source",
            "imported_at": st.column_config.DatetimeColumn("Imported at", format="D MMM YYYY, HH:mm"),
            "imported_by": "By",
            "rows_read": "Rows read",
            "rows_written": "Written",
            "rows_rejected": "Rejected",
            "status": "Status",
        },
    )
    undoable = history[(history["status"] == "applied") & (history["kind"] != "demo")]
    if not undoable.empty:
        choice = st.selectbox(
            "Undo an import",
            options=list(undoable["batch_id"]),
            format_func=lambda b: "batch {}: {} ({})".format(
                b, *undoable.loc[undoable["batch_id"] == b, ["source_name", "kind"]].iloc[0]
            ),
            key="import_undo_batch",
        )
        sure = st.checkbox("Yes, remove everything this import wrote", key="import_undo_confirm")
        if st.button("Undo the import", key="import_undo", disabled=not sure):
            with ui.guarded("undo_import") as done:
                removed = undo(db, int(choice))
            if done:
                done = ", ".join(f"{v} {k}" for k, v in removed.items() if v)
                # Shown after a rerun: the page above was drawn before the undo (and may have said
                # the file was already imported).
                st.session_state["_undo_result"] = f"Batch {choice} undone: {done}"
                st.session_state.pop("import_undo_confirm", None)
                st.rerun()
    undone = st.session_state.pop("_undo_result", None)
    if undone:
        st.success(undone)


if ui.can("import"):
    import_section()
else:
    st.caption("Importing and undoing imports is for facilitators.")
if ui.can("backup"):
    ui.backup_section(db)
if ui.can("read_audit"):
    ui.audit_section(db)

st.subheader("Method and confidentiality")
st.markdown(
    f"""
- **Suppression.** A group with fewer than **{min_group()}** respondents is shown as a
  placeholder that looks the same whatever its true size. Every survey number is a cell of
  one protected table per wave, question and ICS (place by role, with every total), and enough
  other cells are hidden with a small group that no combination of views, filters, downloads
  and comment lists gives it back (`python -m pcn_data audit` tries, and fails the file if it
  can).
- **Intervals.** Every percentage carries its base (n) and a 95% Wilson interval. Net
  agreement (% agree minus % disagree) carries a 95% MOVER-Wilson interval.
- **Comparisons.** A place is "better" or "worse" than the ICS only where the two 95% intervals
  do not overlap; otherwise it is "not distinguishable", and places are never ranked. A change
  between waves carries Newcombe's interval and compares like with like (2021 asked Clinical
  Directors only).
- **Comments** appear at place level or above, only from places with {min_group()} or more
  respondents, with names, emails, phone numbers, practice and PCN names removed.
- **Don't know** answers are shown separately and not counted as negative.
- **No respondent-level rows** of survey answers are ever shown or exported.
- The schema is documented in `docs/schema.md`; analysts can open the file read-only with the
  DuckDB CLI while the dashboard is stopped.
"""
)
