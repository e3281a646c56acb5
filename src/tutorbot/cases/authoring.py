"""``tutorbot cases import|new|publish|schema``: writing cases (issue 5).

- ``import FILE [FILE ...] [--out DIR] [--force]``: teaching-file text or MIRCdocument
  XML to draft case folders; progress and a summary on stderr, case folders on stdout.
- ``new ID [--out DIR]``: a commented case folder to fill in.
- ``publish ID_OR_PATH``: validate as published, then flip ``status: draft`` in place.
- ``schema``: the JSON Schema of ``case.yaml``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tutorbot.cases.importers import Imported, ImportFailure, import_file
from tutorbot.cases.importers.writer import (
    CaseExistsError,
    WriteError,
    case_yaml,
    replace_file_text,
    write_case_folder,
)
from tutorbot.cases.library import CaseNotFound, resolve_case
from tutorbot.cases.loader import IMAGE_SUFFIXES, load_case
from tutorbot.cases.model import ID_MAX_LENGTH, ID_PATTERN
from tutorbot.errors import CommandError


def register(cases: Any) -> None:
    """Add the authoring subcommands to ``tutorbot cases``."""
    from tutorbot.cases.commands import add_cases_option

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
    add_cases_option(new)
    new.set_defaults(func=new_case)

    publish = cases.add_parser(
        "publish", help="check a draft as strictly as a published case and publish it"
    )
    publish.add_argument("case", metavar="ID_OR_PATH", help="a case id or a path to a case folder")
    add_cases_option(publish)
    publish.set_defaults(func=publish_case)

    schema = cases.add_parser("schema", help="print the JSON Schema of case.yaml")
    schema.set_defaults(func=print_schema)


def _settings(args: argparse.Namespace) -> Any:
    from tutorbot.cases.commands import settings_from

    return settings_from(args)


# -- import -----------------------------------------------------------------------------


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


def import_header(imported: Imported, folder: Path) -> list[str]:
    """The comment header of an imported ``case.yaml``: where it came from and what to do next."""
    case = imported.case
    source = Path(imported.source).name
    lines = [
        f"Imported from {source} by `tutorbot cases import`.",
        "Imported as a draft: students get it only once `status` says published.",
        "To do:",
        "  1. Add the images to this folder:",
    ]
    for stage in case.stages:
        for image in stage.images:
            for file in (image.file, image.annotated):
                if file is None:
                    continue
                origin = imported.origins.get(file)
                copied = " (copied)" if file in imported.images else ""
                if origin and Path(origin).suffix.lower() not in IMAGE_SUFFIXES:
                    copied = " (convert it to JPEG or PNG)"
                label = f"from {origin}{copied}" if origin else image.caption
                lines.append(f"       {file}  {label}"[:200])
    lines += [
        "  2. Check diagnosis.accepted (spelling variants and abbreviations were added",
        "     automatically) and try answers:",
        f'       tutorbot grade --case {folder} "your answer"',
        "  3. Fill in source.licence (who may use these images and this text), then play it:",
        f"       tutorbot play --case {folder}",
        f"  4. Publish it: tutorbot cases publish {folder}",
    ]
    notes = list(imported.notes)
    answers = (case.diagnosis.answer, *case.diagnosis.accepted)
    if any(len(a) > 3 and a.casefold() in case.title.casefold() for a in answers):
        notes.append("the title names the diagnosis and learners see the title first: reword it")
    if notes:
        lines.append("Notes from the import:")
        lines += [f"  - {note}" for note in notes]
    return lines


def import_one(
    path: Path, out: Path, *, force: bool, cases_dir: Path | None = None
) -> tuple[str, Any]:
    """Import one file into ``out``: ``("written", folder)``, ``("skipped", folder)`` or
    ``("failed", reason)``. Never raises for bad input."""
    outcome = import_file(path, cases_dir=cases_dir)
    if isinstance(outcome, ImportFailure):
        return "failed", str(outcome)
    folder = out / outcome.case.id
    if folder.exists() and not force:
        return "skipped", folder
    text = case_yaml(outcome.case, import_header(outcome, folder))
    try:
        write_case_folder(folder, text, copies=outcome.images, force=force)
    except CaseExistsError:
        return "skipped", folder
    except WriteError as error:
        details = "; ".join(p.message for p in error.problems[:3])
        return "failed", f"the imported case does not load ({details})"
    except OSError as error:
        return "failed", f"cannot write {folder}: {error.strerror or error}"
    return "written", folder


def import_cases(args: argparse.Namespace) -> int:
    """``tutorbot cases import``."""
    settings = _settings(args)
    out: Path = args.out or settings.cases
    summary = ImportSummary()
    total = len(args.files)
    for number, path in enumerate(args.files, 1):
        name = str(path)
        print(f"[{number}/{total}] importing {name} …", file=sys.stderr, flush=True)
        status, detail = import_one(path, out, force=args.force, cases_dir=out)
        if status == "written":
            summary.written.append(detail)
            print(detail, flush=True)
        elif status == "skipped":
            summary.skipped.append((name, detail))
            print(f"  skipped: {detail} exists (use --force to replace it)", file=sys.stderr)
        else:
            summary.failed.append((name, detail))
            print(f"  failed: {detail}", file=sys.stderr)
    for line in summary.lines():
        print(line, file=sys.stderr)
    return 1 if summary.failed else 0


# -- new --------------------------------------------------------------------------------

NEW_CASE_TEMPLATE = """\
# A new tutorbot case: fill in every TODO, add the images, then
#   tutorbot cases validate {folder}      check it (file:line: message for each problem)
#   tutorbot play --case {folder}         try it as a learner in the terminal
#   tutorbot cases publish {folder}       let students have it
# Every key is described in docs/case-format.md; `tutorbot cases schema` gives editors
# completion and checking.

# The case format version: always 1.
format: 1

# The case id; it must be the name of this folder.
id: {id}

# Shown to learners at the start, with the history: do not give the diagnosis away.
title: "TODO: a title that does not give the diagnosis away"

# draft (only you see it; `tutorbot play` and `tutorbot grade` work) or published.
status: draft

# Where the case comes from and who may use it.
source:
  contributor: ""   # who contributed the case
  author: ""        # who wrote this version
  url: ""           # where the original can be found
  licence: ""       # e.g. CC BY 4.0; needed before sharing
  note: ""          # anything else about the source

# Tags for `/case <tag>` in the bot and for filtering: modality and body system.
tags:
  modality: []      # e.g. [radiograph, CT, MRI, ultrasound]
  system: []        # e.g. [chest, neuro, musculoskeletal]

# beginner, intermediate or advanced.
difficulty: intermediate

# The clinical history, one line each, shown first.
history:
  - "TODO: age, sex and presenting complaint"

# Each stage shows its images, then asks, then reveals its findings.
stages:
  - title: "TODO: e.g. Chest radiograph"      # optional
    # question: What do you see?               # optional, asked before the findings
    images:
      - file: images/01.jpg                    # put the image in this folder's images/
        caption: "TODO: modality, plane, window"
        # alt: a description for screen readers
        # annotated: images/01-annotated.jpg   # shown with the findings
        # annotated_caption: what the arrows show
    findings:
      - "TODO: what the images show"

# Asked once all the stages have been shown.
question: What is your diagnosis?

# The diagnosis; accepted forms, foreseen partial and wrong answers with their feedback.
diagnosis:
  answer: "TODO: the diagnosis"
  accepted: []                  # other ways to write it: abbreviations, synonyms
  # partial:
  #   - answer: a nearly right answer
  #     feedback: what is missing
  # wrong:
  #   - answer: a tempting wrong answer
  #     feedback: why it is wrong here
  # required: []                # words that must be given (e.g. "tension")
  # explanation: shown with the teaching points

# Hints a learner can ask for, from gentle to strong.
hints: []

# What to remember, shown after the diagnosis.
teaching_points:
  - "TODO: the key teaching point"
"""


def new_case_text(case_id: str, folder: Path) -> str:
    """The commented ``case.yaml`` that ``tutorbot cases new`` writes."""
    return NEW_CASE_TEMPLATE.format(id=case_id, folder=folder)


def new_case(args: argparse.Namespace) -> int:
    """``tutorbot cases new ID``."""

    case_id: str = args.id
    if len(case_id) > ID_MAX_LENGTH or not ID_PATTERN.match(case_id):
        raise CommandError(
            f"`{case_id}` is not a valid case id: use lower-case letters, digits and inner hyphens, "
            f"at most {ID_MAX_LENGTH} characters (e.g. `tension-pneumothorax`)"
        )
    out: Path = args.out or _settings(args).cases
    folder = out / case_id
    if folder.exists():
        raise CommandError(f"{folder} already exists; choose another id or edit that case")
    try:
        write_case_folder(folder, new_case_text(case_id, folder))
    except CaseExistsError:
        raise CommandError(
            f"{folder} already exists; choose another id or edit that case"
        ) from None
    except (OSError, WriteError) as error:
        raise CommandError(f"cannot create {folder}: {error}") from None
    print(folder)
    print(f"Created {folder}/case.yaml and {folder}/images/: fill in the TODOs.", file=sys.stderr)
    return 0


# -- publish ----------------------------------------------------------------------------

_STATUS_LINE = re.compile(
    r"^status[ \t]*:[ \t]*(?P<value>draft|'draft'|\"draft\")(?P<rest>[ \t]*(?:#.*)?)$", re.MULTILINE
)


def publish_text(text: str) -> str | None:
    """``text`` with its top-level ``status: draft`` line set to published, or ``None`` if
    there is no such line. Only that line changes."""
    match = _STATUS_LINE.search(text)
    if match is None:
        return None
    return text[: match.start()] + "status: published" + match.group("rest") + text[match.end() :]


def publish_case(args: argparse.Namespace) -> int:
    """``tutorbot cases publish ID_OR_PATH``."""

    settings = _settings(args)
    try:
        found = resolve_case(args.case, settings.cases)
    except CaseNotFound:
        raise CommandError(f"no case `{args.case}` in {settings.cases} and no such path") from None
    case_file = found.path
    result = load_case(case_file, as_published=True)
    problems = result.problems
    for problem in problems:
        print(problem, file=sys.stderr)
    if result.case is None or problems:
        count = len(problems)
        print(
            f"Not published: {count} problem{'s' if count != 1 else ''} to fix first; "
            f"{case_file} is unchanged.",
            file=sys.stderr,
        )
        return 1
    if result.case.published:
        print(f"{result.case.id} is already published ({case_file}).", file=sys.stderr)
        return 0
    try:
        raw = case_file.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {case_file}: {error}") from None
    changed = publish_text(text)
    if changed is None:
        raise CommandError(
            f"{case_file} has no `status: draft` line at the top level; set `status: published` by hand"
        )
    replace_file_text(case_file, changed)
    after = load_case(case_file)
    if after.case is None or not after.case.published:  # pragma: no cover - defensive
        replace_file_text(case_file, text)
        raise CommandError(
            f"publishing {case_file} did not give a valid published case; it is unchanged"
        )
    print(case_file.parent)
    print(f"Published {after.case.id}: {case_file} now says `status: published`.", file=sys.stderr)
    return 0


# -- schema -----------------------------------------------------------------------------


def print_schema(args: argparse.Namespace) -> int:
    """``tutorbot cases schema``."""
    from tutorbot.cases.schema import case_schema

    json.dump(case_schema(), sys.stdout, indent=2, ensure_ascii=False)
    print()
    return 0
