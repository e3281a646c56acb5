"""``tutorbot cases import|new|publish|schema``: writing cases, over :mod:`tutorbot.cases.authoring`.

- ``import FILE [FILE ...] [--out DIR] [--force]``: teaching-file text or MIRCdocument
  XML to draft case folders; progress and a summary on stderr, case folders on stdout.
- ``new ID [--diagnosis TEXT] [--out DIR]``: a commented case folder to fill in.
- ``enrich ID_OR_PATH ...``: the vocabulary's names for each case's diagnosis added to
  its accepted answers, in place, each marked with its source.
- ``publish ID_OR_PATH``: validate as published, then flip ``status: draft`` in place.
- ``schema``: the JSON Schema of ``case.yaml``.

The case tools are imported where a command needs them, so that every other command
starts without them (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from tutorbot.cli.options import Subcommands, add_cases_option, report, settings_from
from tutorbot.errors import CommandError


def register(cases: Subcommands) -> None:
    """Add the authoring actions to ``tutorbot cases``."""
    importing = cases.add_parser(
        "import",
        help="turn teaching-file texts or MIRCdocument XML into draft cases",
        description=(
            "Read teaching files (the text layout of docs/authoring.md, or RSNA MIRCdocument XML) "
            "and write each as a draft case folder DIR/<id>/case.yaml. Prints each case folder "
            "written; progress and a summary go to stderr. Exit status 1 if any file failed."
        ),
    )
    importing.add_argument("files", nargs="+", type=Path, metavar="FILE", help="teaching files")
    importing.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to write the case folders (default: the cases folder)",
    )
    importing.add_argument(
        "--force",
        action="store_true",
        help="replace a case folder that already exists (its images are kept)",
    )
    add_cases_option(importing)
    importing.set_defaults(func=import_cases)

    new = cases.add_parser("new", help="start a new case folder from a commented template")
    new.add_argument("id", metavar="ID", help="the case id: lower-case letters, digits and hyphens")
    new.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help="where to create the case folder (default: the cases folder)",
    )
    new.add_argument(
        "--diagnosis",
        default="",
        metavar="TEXT",
        help="the diagnosis: fills in the answer and its accepted forms (abbreviation, "
        "spellings, and other names from the medical vocabulary, marked with their source)",
    )
    add_cases_option(new)
    new.set_defaults(func=new_case_command)

    enrich = cases.add_parser(
        "enrich",
        help="add the medical vocabulary's other names for a case's diagnosis to its accepted answers",
        description=(
            "Add the names the medical vocabulary (MeSH, HPO, ICD-10-CM) knows for each case's "
            "diagnosis, and the case lacks, to diagnosis.accepted in its case.yaml, each with a "
            "'# vocabulary: ...' comment naming its source. Only those lines are added; review "
            "them and delete any that is not right for the case. Prints each case file changed."
        ),
    )
    enrich.add_argument(
        "cases_to_enrich",
        nargs="+",
        metavar="ID_OR_PATH",
        help="case ids (in the cases folder) or paths to case folders",
    )
    add_cases_option(enrich)
    enrich.set_defaults(func=enrich_cases)

    publish = cases.add_parser(
        "publish", help="check a draft as strictly as a published case and publish it"
    )
    publish.add_argument("case", metavar="ID_OR_PATH", help="a case id or a path to a case folder")
    add_cases_option(publish)
    publish.set_defaults(func=publish_case_command)

    schema = cases.add_parser("schema", help="print the JSON Schema of case.yaml")
    schema.set_defaults(func=print_schema)


@dataclass
class ImportSummary:
    """What one ``cases import`` run did, file by file."""

    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, Path]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"imported {len(self.written)}, skipped {len(self.skipped)}"
            f"{' (exists; use --force)' if self.skipped else ''}, failed {len(self.failed)}"
        ]
        out += [
            f"  skipped {name}: {path} exists (use --force to replace it)"
            for name, path in self.skipped
        ]
        out += [f"  failed {name}: {reason}" for name, reason in self.failed]
        return out


def import_cases(args: argparse.Namespace) -> int:
    """``tutorbot cases import FILE ...``."""
    from tutorbot.cases.authoring import CaseSkipped, CaseWritten, ImportFailed, import_one

    settings = settings_from(args)
    out: Path = args.out or settings.cases
    summary = ImportSummary()
    total = len(args.files)
    for number, path in enumerate(args.files, 1):
        name = str(path)
        print(f"[{number}/{total}] importing {name} …", file=sys.stderr, flush=True)
        match import_one(path, out, force=args.force, cases_dir=out):
            case CaseWritten(folder):
                summary.written.append(folder)
                print(folder, flush=True)
            case CaseSkipped(folder):
                summary.skipped.append((name, folder))
                print(f"  skipped: {folder} exists (use --force to replace it)", file=sys.stderr)
            case ImportFailed(reason):
                summary.failed.append((name, reason))
                print(f"  failed: {reason}", file=sys.stderr)
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 1 if summary.failed else 0


def new_case_command(args: argparse.Namespace) -> int:
    """``tutorbot cases new ID``."""
    from tutorbot.cases.authoring import AuthoringError, new_case

    out: Path = args.out or settings_from(args).cases
    try:
        folder = new_case(args.id, out, args.diagnosis)
    except AuthoringError as error:
        raise CommandError(str(error)) from None
    print(folder)
    print(f"Created {folder}/case.yaml and {folder}/images/: fill in the TODOs.", file=sys.stderr)
    return 0


def enrich_cases(args: argparse.Namespace) -> int:
    """``tutorbot cases enrich ID_OR_PATH ...``."""
    from tutorbot.cases.enrich import EnrichError, enrich_case

    cases_dir = settings_from(args).cases
    failed = 0
    for name in args.cases_to_enrich:
        try:
            done = enrich_case(name, cases_dir)
        except EnrichError as error:
            print(f"{name}: {error}", file=sys.stderr)
            failed += 1
            continue
        if done.problems:
            report(done.problems)
            print(f"{done.case_file}: not changed: the case does not load", file=sys.stderr)
            failed += 1
            continue
        if done.added or done.concept is not None:
            print(done.case_file)
        if done.added:
            listed = "; ".join(f"{n.form} ({', '.join(n.concepts)})" for n in done.added)
            print(
                f"{done.case_id}: added {len(done.added)} accepted answer"
                f"{'s' if len(done.added) != 1 else ''}: {listed}; review "
                f"{'them' if len(done.added) != 1 else 'it'} in {done.case_file}",
                file=sys.stderr,
            )
        if done.concept is not None:
            print(
                f"{done.case_id}: wrote the core concept {', '.join(done.concept.core)} in "
                f"diagnosis.core; review it in {done.case_file}",
                file=sys.stderr,
            )
        if not done.added and done.concept is None:
            print(f"{done.case_id}: the vocabulary knows no name it lacks", file=sys.stderr)
    return 1 if failed else 0


def publish_case_command(args: argparse.Namespace) -> int:
    """``tutorbot cases publish ID_OR_PATH``."""
    from tutorbot.cases.authoring import AuthoringError, publish_case

    try:
        publication = publish_case(args.case, settings_from(args).cases)
    except AuthoringError as error:
        raise CommandError(str(error)) from None
    case_file = publication.case_file
    report(publication.problems)
    if publication.status == "refused":
        count = len(publication.problems)
        print(
            f"Not published: {count} problem{'s' if count != 1 else ''} to fix first; "
            f"{case_file} is unchanged.",
            file=sys.stderr,
        )
        return 1
    if publication.status == "already published":
        print(f"{publication.case_id} is already published ({case_file}).", file=sys.stderr)
        return 0
    print(case_file.parent)
    print(
        f"Published {publication.case_id}: {case_file} now says `status: published`.",
        file=sys.stderr,
    )
    return 0


def print_schema(args: argparse.Namespace) -> int:
    """``tutorbot cases schema``."""
    from tutorbot.cases.schema import case_schema

    json.dump(case_schema(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0
