"""Command line: `python -m pcn_data demo|init|summary|import|batches|undo|pack|audit|verify|restore ...`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path

import pandas as pd

from pcn_data import demo
from pcn_data.core import logs
from pcn_data.core.config import db_path, min_group
from pcn_data.core.db import Database
from pcn_data.core.errors import PcnDataError
from pcn_data.core.filters import Filters
from pcn_data.importing.plan import KINDS as IMPORT_KINDS
from pcn_data.survey.compare import DEFAULT_MEASURE, MEASURES
from pcn_data.survey.findings import headline_findings
from pcn_data.survey.queries import count_rows, list_waves, respondent_totals, respondents_by_place


def _progress(fraction: float, message: str) -> None:
    """Print build progress on stderr."""
    print(f"[{fraction:4.0%}] {message}", file=sys.stderr, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    """Build a demo database file."""
    start = time.perf_counter()
    counts = demo.build_demo_file(
        args.db,
        seed=args.seed,
        scale=args.scale,
        force=args.force,
        progress=None if args.quiet else _progress,
    )
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "db": str(args.db),
                "scale": args.scale,
                "seed": args.seed,
                "seconds": round(seconds, 2),
                **counts,
            },
            indent=2,
        )
    )
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    """Create a clean database file for real data: the schema and the question bank, no answers."""
    from pcn_data.core import bank

    if Path(args.db).exists():
        raise PcnDataError(f"There is already a file at {args.db}: choose a new path for a clean file.")
    db = Database(args.db)
    try:
        with db.transaction(bump_version=False) as cur:
            bank.install(cur)
    finally:
        db.close()
    print(json.dumps({"db": str(args.db), "dataset": "empty"}))
    return 0


def _national(db: Database, wave: str, roles: tuple[str, ...]) -> int | None:
    """Return the respondents of a wave (in the roles) over every ICS, or None where the protected
    respondents table hides it."""
    got = respondent_totals(db, Filters(wave=wave, roles=roles))["respondents"]
    return None if got.empty or pd.isna(got.iloc[0]) else int(got.iloc[0])


def cmd_audit(args: argparse.Namespace) -> int:
    """Audit the database's protected tables; exit 1 if any hidden cell can be worked out."""
    from pcn_data import audit  # it loads every view's module: only for this command

    db = Database(args.db, read_only=True)
    ics = args.ics.split(",") if args.ics else None
    report = audit.run(db, ics_codes=ics, views=not args.no_views)
    print(report.summary())
    if args.verbose:
        print("\n".join(f"  pinned {p}" for p in report.answer_pins))
    return 0 if report.ok else 1


def summary(db: Database) -> dict:
    """Return the headline figures of a database as a JSON-ready dict."""
    counts = count_rows(db)
    waves = list_waves(db)
    by_place = respondents_by_place(db, Filters())
    respondents = {}
    findings = {}
    for code in waves["wave_code"]:
        rows = by_place[by_place["wave_code"] == code]
        respondents[code] = {
            "total": _national(db, code, ()),
            "clinical_directors": _national(db, code, ("cd",)),
            "cds_invited": int(rows["cds_invited"].sum()),
            # A place whose count the protected table hides shows null.
            "by_place": {
                p: None if pd.isna(n) else int(n)
                for p, n in zip(rows["place"], rows["respondents"], strict=True)
            },
        }
        findings[code] = [
            {**f.as_dict(), "formatted": f.formatted(), "interval_text": f.interval()}
            for f in headline_findings(db, Filters(wave=code))
        ]
    return {
        "db": str(db.path),
        "dataset": db.meta().get("dataset"),
        "suppression_threshold": min_group(),
        "ics": counts["ics"],
        "places": counts["places"],
        "pcns": counts["pcns"],
        "waves": list(waves["wave_code"]),
        "respondents": respondents,
        "findings": findings,
    }


def cmd_summary(args: argparse.Namespace) -> int:
    """Print the headline figures as JSON."""
    if not Path(args.db).exists():
        raise PcnDataError(
            f"There is no database file at {args.db}: build one with "
            f"`python -m pcn_data demo --db {args.db}`."
        )
    db = Database(args.db, read_only=True)
    try:
        print(json.dumps(summary(db), indent=2, default=str))
    finally:
        db.close()
    return 0


class UsageError(PcnDataError):
    """The command was called wrongly (exit code 2)."""


def cmd_import(args: argparse.Namespace) -> int:
    """Validate a file, print the report, and import it unless --dry-run; 1 when validation fails."""
    from pcn_data.importing import batches, mapping_file, survey

    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"There is no file at {path}.")
    from pcn_data.core import trail

    trail.set_actor(args.by)
    # The file is read and bounded before the database is opened: a file past a limit is refused
    # without touching the database.
    upload = batches.Upload(path.read_bytes(), path.name)
    db = Database(args.db)
    try:
        if args.kind and args.kind != upload.kind:
            raise UsageError(
                f"{path.name} looks like a {upload.description} ({upload.kind}), not {args.kind}: "
                f"check the file, or leave out --kind."
            )
        if upload.needs_wave and not args.wave:
            raise UsageError(
                f"A {upload.kind} import needs --wave, the code of the survey round or workshop session "
                f"(e.g. --wave 2025)."
            )
        print(f"File: {path.name} ({upload.description})")
        previous = batches.already_imported(db, upload.sha256)
        if previous is not None:
            print(f"{path.name} was already imported (batch {previous}): nothing was written.")
            return 0
        proposals = upload.proposals(db)
        how = {p.header: p.how for p in proposals}
        # The proposals as printed are the mapping (the plan would otherwise propose them again).
        mapping = {p.header: p.target for p in proposals} if upload.needs_mapping else None
        labels: dict[tuple[str, str], str] = {}
        if args.mapping:
            if not upload.needs_mapping:
                raise UsageError(f"{path.name} is a {upload.description}: it has no columns to map.")
            tool, columns, labels = mapping_file.loads(
                Path(args.mapping).read_text(encoding="utf-8"), Path(args.mapping).name
            )
            if tool and tool != upload.source_format:
                print(f"  note: the mapping file was saved for {tool}; this file is {upload.source_format}")
            fixed = mapping_file.apply_columns(list(mapping), mapping, columns)
            how |= {h: "mapping file" for h in fixed if mapping_file.names(columns, h)}
            mapping = fixed
        for header, target in (mapping or {}).items():
            print(f"  column “{header}” -> {target} ({how[header]})")
        plan = upload.plan(
            db,
            wave=args.wave,
            place=args.place,
            mapping=mapping,
            labels=labels,
            ignore_unmapped=args.ignore_unmapped,
        )
        if args.save_mapping and upload.needs_mapping:
            text = mapping_file.dumps(upload.source_format, mapping, plan.labels, plan.unmatched)
            Path(args.save_mapping).write_text(text, encoding="utf-8")
            print(f"Mapping written to {args.save_mapping}: correct it, then import with --mapping.")
        for header, answers, fits in plan.not_imported:
            hold = survey.might_hold(fits)
            count = survey.plural(answers, "answer")
            print(f"  not imported: “{header}” ({count})" + (f"; {hold}" if hold else ""))
        print(plan.summary())
        for note in plan.notes:
            print(f"  note: {note}")
        for problem in plan.problems[:200]:
            print(f"  {problem}")
        if len(plan.problems) > 200:
            print(f"  ... and {len(plan.problems) - 200} more problems")
        if plan.unmatched:
            print(
                f"{len(plan.unmatched)} answer labels fit no option ("
                + "; ".join(f"“{label}” for {q}" for q, label in list(plan.unmatched)[:5])
                + (" ..." if len(plan.unmatched) > 5 else "")
                + "): match them on the Data page once, and the next import from this tool uses that."
            )
        if plan.not_imported and not args.ignore_unmapped:
            print(
                "Some columns with answers are not imported: map them (--mapping), or pass "
                "--ignore-unmapped to import without them."
            )
        if args.dry_run:
            print("Dry run: nothing was written.")
            return 0 if plan.ok else 1
        if plan.problems and not args.valid_only:
            print("Nothing was imported: fix the file, or pass --valid-only to import the valid rows only.")
            return 1
        result = batches.apply(db, plan, valid_only=args.valid_only, imported_by=args.by)
        print(json.dumps(result, default=str))
        return 0
    finally:
        db.close()


def cmd_verify(args: argparse.Namespace) -> int:
    """Check a snapshot (read-only): schema version, every table and its rows as recorded; 1 if not."""
    from pcn_data.core import backup

    report = backup.verify(args.snapshot)
    print(f"{args.snapshot}: {'whole' if report.ok else 'NOT WHOLE'}")
    for line in report.lines:
        print(f"  {line}")
    if args.verbose:
        for table, n in sorted(report.rows.items()):
            print(f"  {table}: {n}")
    return 0 if report.ok else 1


def cmd_restore(args: argparse.Namespace) -> int:
    """Put a snapshot in place of a stopped dashboard's file, keeping the replaced file beside it."""
    from pcn_data.core import backup

    kept = backup.restore(args.snapshot, args.db)
    print(f"Restored {args.db} from {args.snapshot}.")
    print(f"The file it replaced is kept as {kept}." if kept else "There was no file to replace.")
    return 0


def cmd_batches(args: argparse.Namespace) -> int:
    """List every import, newest first."""
    from pcn_data.importing import batches

    db = Database(args.db, read_only=True)
    try:
        table = batches.list_batches(db)
    finally:
        db.close()
    print(table.to_string(index=False) if not table.empty else "No imports.")
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    """Undo one import: remove everything it wrote."""
    from pcn_data.importing import batches

    db = Database(args.db)
    try:
        removed = batches.undo(db, args.batch)
    finally:
        db.close()
    print(
        f"Batch {args.batch} undone: " + (", ".join(f"{v} {k}" for k, v in removed.items()) or "nothing left")
    )
    return 0


def _pack_file(value: str) -> Path:
    """Return the --out path of a pack; its extension chooses the format."""
    if Path(value).suffix.lower() not in (".pptx", ".pdf"):
        raise argparse.ArgumentTypeError(f"{value!r} must end in .pptx or .pdf")
    return Path(value)


def cmd_pack(args: argparse.Namespace) -> int:
    """Write a slide pack for a place (or the whole ICS) as PowerPoint (native charts, on a
    template) or PDF (the pages' chart images, drawn in Chromium)."""
    # Imported here: a pack loads python-pptx and fpdf2 (and, for the PDF, kaleido), which the other
    # commands never need.
    from pcn_data.reports import pack_template, slide_files, slides

    start = time.perf_counter()
    pdf = args.out.suffix.lower() == ".pdf"
    if args.template is not None:
        if pdf:
            raise UsageError("--template is for a PowerPoint pack (--out FILE.pptx), not a PDF.")
        pack_template.open_template(args.template)  # a bad template is named before any work
    progress = None if args.quiet else _progress
    db = Database(args.db, read_only=True)  # says so in one sentence when there is no file
    try:
        f = slides.pack_filters(db, place=args.place, ics=args.ics, wave=args.wave)
        pack = slides.build_pack(db, f, measure=args.measure, progress=progress)
    finally:
        db.close()
    data = slide_files.to_pdf(pack, progress=progress) if pdf else slide_files.to_pptx(pack, args.template)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(f".{args.out.name}.partial")
    partial.write_bytes(data)
    partial.replace(args.out)  # a reader never sees half a file
    seconds = round(time.perf_counter() - start, 2)
    print(
        json.dumps({"out": str(args.out), "slides": len(pack.slides), "bytes": len(data), "seconds": seconds})
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the command line."""
    parser = argparse.ArgumentParser(prog="python -m pcn_data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "demo",
        help="build a demo database file",
        description="Build a seeded, deterministic demo database file.",
    )
    p.add_argument("--db", type=Path, default=db_path(), help="file to create (default: %(default)s)")
    p.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help="random seed (default: %(default)s)")
    p.add_argument(
        "--scale",
        choices=demo.SCALES,
        default="ics",
        help="ics: L&SC, 5 places and 42 PCNs; national: 42 ICSs for benchmarks",
    )
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.add_argument("--quiet", action="store_true", help="print no progress")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "init",
        help="create a clean database file for real data",
        description="Create a new database file with the schema and the question bank and no answers, "
        "ready for imports (reference data first, then survey rounds). Refuses an existing file.",
    )
    p.add_argument("--db", type=Path, required=True, help="the new file")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "summary",
        help="print the headline figures as JSON",
        description="Print counts and the headline findings of a database as JSON.",
    )
    p.add_argument("--db", type=Path, default=db_path(), help="database file (default: %(default)s)")
    p.set_defaults(func=cmd_summary)

    p = sub.add_parser(
        "import",
        help="validate and import a survey export or reference file",
        description="Validate a file (CSV or XLSX), print the report, and import it in one transaction. "
        "Exit 0 when imported, 1 when validation failed (nothing written), 2 for usage errors.",
    )
    p.add_argument("file", help="the file to import")
    p.add_argument("--db", type=Path, default=db_path(), help="database file (default: %(default)s)")
    p.add_argument("--kind", choices=IMPORT_KINDS)
    p.add_argument("--wave", help="the survey round's code, e.g. 2025 (created if new)")
    p.add_argument("--place", help="poll imports: the place code of the workshop")
    p.add_argument("--dry-run", action="store_true", help="validate and report only; write nothing")
    p.add_argument("--valid-only", action="store_true", help="import the valid rows, reject the others")
    p.add_argument(
        "--ignore-unmapped",
        action="store_true",
        help="import without the columns listed as not imported (neither mapped nor metadata)",
    )
    p.add_argument(
        "--mapping",
        metavar="MAP.toml",
        help="a mapping file (columns to questions, answers to options), e.g. one --save-mapping wrote",
    )
    p.add_argument(
        "--save-mapping",
        metavar="MAP.toml",
        help="write the mapping used (and the answers still to match) to this file, to correct and reuse",
    )
    p.add_argument("--by", default="command line", help="who is importing (kept in the batch list)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("batches", help="list the imports", description="List every import, newest first.")
    p.add_argument("--db", type=Path, default=db_path(), help="database file (default: %(default)s)")
    p.set_defaults(func=cmd_batches)

    p = sub.add_parser(
        "undo",
        help="undo one import",
        description="Remove everything one import wrote (its number is in `batches`). Exit 0 when undone, "
        "1 when it cannot be (already undone, the demo data, or used by a later import).",
    )
    p.add_argument("batch", type=int, help="the import's batch number")
    p.add_argument("--db", type=Path, default=db_path(), help="database file (default: %(default)s)")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser(
        "pack",
        help="write a slide pack (PowerPoint or PDF) for a place or an ICS",
        description="Write the oversight group's slide pack for one place (or, without --place, the "
        "whole ICS) and one survey wave; the --out extension chooses PowerPoint or PDF. PowerPoint "
        "charts are native and editable, and need no browser; the PDF draws the charts in Chromium.",
    )
    p.add_argument("--db", type=Path, default=db_path(), help="database file (default: %(default)s)")
    p.add_argument("--place", help="place name or code (default: the whole ICS)")
    p.add_argument("--ics", help="ICS name or code (default: the place's ICS, else the first)")
    p.add_argument("--wave", help="survey wave code or name (default: the latest)")
    p.add_argument(
        "--measure",
        choices=MEASURES,
        default=DEFAULT_MEASURE,
        metavar="CODE",
        help="measure of the compare-places slide, as in the Compare page's link (default: %(default)s)",
    )
    p.add_argument("--out", type=_pack_file, required=True, help="file to write: FILE.pptx or FILE.pdf")
    p.add_argument(
        "--template",
        type=Path,
        metavar="FILE.pptx",
        help="PowerPoint template (.pptx or .potx) whose masters, layouts, theme colours and fonts the "
        "pack takes (default: ours); its own slides are left out",
    )
    p.add_argument("--quiet", action="store_true", help="print no progress")
    p.set_defaults(func=cmd_pack)

    p = sub.add_parser(
        "audit",
        help="try to work out hidden cells from everything the app publishes",
        description="Enumerate every view the app publishes, then bound every hidden cell of the "
        "protected tables by linear programming. Exit 0 when nothing hidden can be worked out, 1 "
        "otherwise.",
    )
    p.add_argument("--db", type=Path, default=db_path(), help="database file (default: %(default)s)")
    p.add_argument("--ics", help="audit only these ICS codes (comma-separated)")
    p.add_argument("--no-views", action="store_true", help="bound the tables only; do not call every view")
    p.add_argument("--verbose", action="store_true", help="list every answer count pinned exactly")
    p.set_defaults(func=cmd_audit)

    p = sub.add_parser(
        "verify",
        help="check that a snapshot is whole",
        description="Open a snapshot read-only, check its schema version and that every table holds "
        "the rows recorded when it was taken. Exit 0 when whole, 1 otherwise.",
    )
    p.add_argument("snapshot", type=Path, help="the snapshot file")
    p.add_argument("--verbose", action="store_true", help="list every table's rows")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser(
        "restore",
        help="restore a snapshot into a stopped dashboard's file",
        description="Verify a snapshot, then put it in place of the database file, keeping the file it "
        "replaces beside it (FILE.replaced-TIME). Refuses while a running dashboard holds the file.",
    )
    p.add_argument("snapshot", type=Path, help="the snapshot file")
    p.add_argument("--db", type=Path, default=db_path(), help="database file (default: %(default)s)")
    p.set_defaults(func=cmd_restore)
    return parser


def _configure_logging() -> None:
    """Send the data layer's log to stderr (level from $PCN_LOG_LEVEL, default WARNING)."""
    logs.configure("WARNING", prefix="")


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 failed, 2 usage)."""
    args = build_parser().parse_args(argv)
    _configure_logging()
    try:
        return args.func(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PcnDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # not the app's own: one sentence here, the cause in the log
        logging.getLogger(__name__).error("%s failed: %s", args.command, logs.cause(exc), exc_info=exc)
        print(
            f"error: the {args.command} command failed unexpectedly ({type(exc).__name__}) and wrote "
            f"nothing: the cause is in the log line above.",
            file=sys.stderr,
        )
        return 1
