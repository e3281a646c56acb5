"""Writing cases: teaching files imported as draft case folders, a new case from a template,
a draft published.

Plain functions over paths that write nothing but case folders; their results say what
happened and an :class:`AuthoringError` says in one sentence why a step cannot be done.
The JSON Schema of ``case.yaml`` is :func:`tutorbot.cases.schema.case_schema`; the
``tutorbot cases import|new|publish|schema`` commands are :mod:`tutorbot.cli.authoring`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tutorbot.cases.enrich import (
    EnrichError,
    add_accepted,
    add_core,
    names_to_add,
    names_to_add_for,
    scalar,
)
from tutorbot.cases.importers import Imported, ImportFailure, import_file
from tutorbot.cases.importers.common import accepted_answers, diagnosis_concept
from tutorbot.cases.importers.writer import (
    CaseExistsError,
    WriteError,
    case_yaml,
    replace_file_text,
    write_case_folder,
)
from tutorbot.cases.library import CaseNotFound, resolve_case
from tutorbot.cases.loader import IMAGE_SUFFIXES, load_case
from tutorbot.cases.model import ID_MAX_LENGTH, ID_PATTERN, DiagnosisSpec
from tutorbot.cases.problems import Problem
from tutorbot.cases.vocabulary import KnownName


class AuthoringError(Exception):
    """An authoring step cannot be done; the message is one sentence for the author."""


# -- import -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseWritten:
    """A teaching file written as the draft case folder ``folder``."""

    folder: Path


@dataclass(frozen=True)
class CaseSkipped:
    """A teaching file not written because ``folder`` exists and replacing it was not asked for."""

    folder: Path


@dataclass(frozen=True)
class ImportFailed:
    """A teaching file that gave no case folder, and why."""

    reason: str


FileImport = CaseWritten | CaseSkipped | ImportFailed


def import_header(imported: Imported, folder: Path, known: Sequence[KnownName] = ()) -> list[str]:
    """The comment header of an imported ``case.yaml``: where it came from and what to do next;
    ``known`` are the vocabulary's names added to ``diagnosis.accepted``."""
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
        "     automatically; names marked `# vocabulary: ...` come from MeSH, HPO or",
        "     ICD-10-CM: delete any that is not right for this case) and try answers:",
        f'       tutorbot grade --case {folder} "your answer"',
        "  3. Fill in source.licence (who may use these images and this text), then play it:",
        f"       tutorbot play --case {folder}",
        f"  4. Publish it: tutorbot cases publish {folder}",
    ]
    notes = list(imported.notes)
    if known:
        notes.append(
            f"accepted {', '.join(n.form for n in known)} (from the medical vocabulary; see NOTICE)"
        )
    answers = (case.diagnosis.answer, *case.diagnosis.accepted)
    if any(len(a) > 3 and a.casefold() in case.title.casefold() for a in answers):
        notes.append("the title names the diagnosis and learners see the title first: reword it")
    if notes:
        lines.append("Notes from the import:")
        lines += [f"  - {note}" for note in notes]
    return lines


def import_one(path: Path, out: Path, *, force: bool, cases_dir: Path | None = None) -> FileImport:
    """Import one teaching file as a draft case folder in ``out``; never raises for bad input.

    ``force`` replaces a case folder that exists (keeping its images); ``cases_dir``
    is the cases folder whose ``lexicon.yaml`` adds accepted answers.
    """
    outcome = import_file(path, cases_dir=cases_dir)
    if isinstance(outcome, ImportFailure):
        return ImportFailed(str(outcome))
    folder = out / outcome.case.id
    if folder.exists() and not force:
        return CaseSkipped(folder)
    known = names_to_add(outcome.case)
    text = case_yaml(outcome.case, import_header(outcome, folder, known))
    try:
        text = add_accepted(text, known)
    except EnrichError as error:  # pragma: no cover - the text is our own dump
        return ImportFailed(f"cannot add the vocabulary's names ({error})")
    try:
        write_case_folder(folder, text, copies=outcome.images, force=force)
    except CaseExistsError:
        return CaseSkipped(folder)
    except WriteError as error:
        details = "; ".join(p.message for p in error.problems[:3])
        return ImportFailed(f"the imported case does not load ({details})")
    except OSError as error:
        return ImportFailed(f"cannot write {folder}: {error.strerror or error}")
    return CaseWritten(folder)


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


_TEMPLATE_ANSWER = '  answer: "TODO: the diagnosis"\n'


def new_case_text(case_id: str, folder: Path, diagnosis: str = "") -> str:
    """The commented ``case.yaml`` that ``tutorbot cases new`` writes.

    With a ``diagnosis`` the answer is filled in, and its accepted forms are written as an
    import writes them: an abbreviation in parentheses, spellings, lexicon synonyms and
    the vocabulary's names (each marked with its source).
    """
    text = NEW_CASE_TEMPLATE.format(id=case_id, folder=folder)
    if not diagnosis.strip():
        return text
    answer, accepted, _notes = accepted_answers(diagnosis, folder.parent)
    if not answer:
        return text
    text = text.replace(_TEMPLATE_ANSWER, f"  answer: {scalar(answer)}\n", 1)
    spec = DiagnosisSpec(answer=answer, accepted=tuple(accepted))
    known = names_to_add_for(spec)
    text = add_accepted(text, [*(KnownName(form, ()) for form in accepted), *known])
    concept, _notes = diagnosis_concept(diagnosis, folder.parent)
    return add_core(text, concept) if concept is not None else text


def new_case(case_id: str, out: Path, diagnosis: str = "") -> Path:
    """Write the commented draft ``out/<case_id>/case.yaml`` with an empty ``images/``
    (the diagnosis filled in when given); the new case folder."""
    if len(case_id) > ID_MAX_LENGTH or not ID_PATTERN.match(case_id):
        raise AuthoringError(
            f"`{case_id}` is not a valid case id: use lower-case letters, digits and inner hyphens, "
            f"at most {ID_MAX_LENGTH} characters (e.g. `tension-pneumothorax`)"
        )
    folder = out / case_id
    exists = f"{folder} already exists; choose another id or edit that case"
    if folder.exists():
        raise AuthoringError(exists)
    try:
        write_case_folder(folder, new_case_text(case_id, folder, diagnosis))
    except CaseExistsError:
        raise AuthoringError(exists) from None
    except (OSError, WriteError) as error:
        raise AuthoringError(f"cannot create {folder}: {error}") from None
    return folder


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


PublishStatus = Literal["refused", "already published", "published"]


@dataclass(frozen=True)
class Publication:
    """What publishing a case did; ``problems`` are why it was refused."""

    case_file: Path
    status: PublishStatus
    case_id: str = ""
    problems: tuple[Problem, ...] = ()


def publish_case(id_or_path: str, cases_dir: Path) -> Publication:
    """Judge the case named by id (in ``cases_dir``) or path as strictly as a published
    case and, when nothing is wrong, set its ``status: draft`` line to published in place."""
    try:
        found = resolve_case(id_or_path, cases_dir)
    except CaseNotFound:
        raise AuthoringError(f"no case `{id_or_path}` in {cases_dir} and no such path") from None
    case_file = found.path
    result = load_case(case_file, as_published=True)
    if result.case is None or result.problems:
        return Publication(case_file, "refused", problems=tuple(result.problems))
    if result.case.published:
        return Publication(case_file, "already published", result.case.id)
    try:
        raw = case_file.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise AuthoringError(f"cannot read {case_file}: {error}") from None
    changed = publish_text(text)
    if changed is None:
        raise AuthoringError(
            f"{case_file} has no `status: draft` line at the top level; set `status: published` by hand"
        )
    replace_file_text(case_file, changed)
    after = load_case(case_file)
    if after.case is None or not after.case.published:  # pragma: no cover - defensive
        replace_file_text(case_file, text)
        raise AuthoringError(
            f"publishing {case_file} did not give a valid published case; it is unchanged"
        )
    return Publication(case_file, "published", after.case.id)
