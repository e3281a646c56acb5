"""``tutorbot results CASE [--class NAME] [--csv FILE] [--chart FILE]``: a case's results;
``tutorbot results --class NAME [--csv FILE]``: the class over time.

The figures print as the instructor sees them in Telegram; ``--csv`` writes
one row per attempt (cells a spreadsheet would take for a formula are
neutralised), ``--chart`` a PNG of the answers and first-attempt outcomes.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
from pathlib import Path

from tutorbot.app.instructors import Roster
from tutorbot.app.overview import overview_csv, overview_lines
from tutorbot.app.results import Results, ResultsRefused, class_overview, csv_rows, lines
from tutorbot.cases.library import load_library
from tutorbot.cli.options import Subcommands, add_cases_option, require_cases_folder, settings_from
from tutorbot.errors import CommandError
from tutorbot.storage import Store, StoreError, open_store


def register(subcommands: Subcommands) -> None:
    parser = subcommands.add_parser(
        "results",
        help="what a class (or everyone) answered to a case: figures, CSV, chart",
        description=(
            "Print CASE's results: sent to, started, finished; first attempt; final outcome; "
            "median time to the first answer; hints; the answers grouped; who has not "
            "started or finished (with --class)."
        ),
    )
    parser.add_argument(
        "case", metavar="CASE", nargs="?", help="the case id (none: the class over time)"
    )
    parser.add_argument("--class", dest="class_name", metavar="NAME", help="one class only")
    parser.add_argument("--csv", type=Path, metavar="FILE", help="write one row per attempt")
    parser.add_argument("--chart", type=Path, metavar="FILE", help="write a PNG chart")
    add_cases_option(parser)
    parser.set_defaults(func=run_results)


async def _class_id(store: Store, name: str) -> int:
    wanted = name.strip().casefold()
    found = [c for c in await store.classes.list(archived=True) if c.name.casefold() == wanted]
    if not found:
        raise CommandError(f"there is no class called “{name}”")
    if len(found) > 1:
        raise CommandError(f"{len(found)} classes are called “{name}”; rename one first")
    return found[0].id


async def _results(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    cases = require_cases_folder(settings)
    try:
        store = await open_store(settings.database)
    except StoreError as error:
        raise CommandError(str(error)) from None
    try:
        results = Results(store, load_library([cases]), Roster(store, settings.instructors))
        class_id = await _class_id(store, args.class_name) if args.class_name else None
        if args.case is None:
            if class_id is None:
                raise CommandError("name a CASE, or a class (--class NAME) to see it over time")
            name, case_rows, students = await class_overview(results, None, class_id)
            print("\n".join(overview_lines(name, case_rows, students)))
            if args.csv is not None:
                _write_csv(args.csv, overview_csv(case_rows, students))
                print(f"{len(case_rows)} cases and {len(students)} students written to {args.csv}")
            return 0
        found = await results.of_case(None, args.case, class_id)
    except ResultsRefused as error:
        raise CommandError(str(error)) from None
    finally:
        await store.close()
    print("\n".join(lines(found)))
    if args.csv is not None:
        _write_csv(args.csv, csv_rows(found))
        print(f"{len(found.attempts)} attempts written to {args.csv}")
    if args.chart is not None:
        if found.empty:
            print("No chart: nobody has answered this case yet.")
        else:
            from tutorbot.app.charts import chart_png  # matplotlib only when a chart is asked for

            args.chart.write_bytes(chart_png(found))
            print(f"chart written to {args.chart}")
    return 0


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)


def run_results(args: argparse.Namespace) -> int:
    return asyncio.run(_results(args))
