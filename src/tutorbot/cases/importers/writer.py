"""Write a case as readable ``case.yaml`` and write case folders atomically.

:func:`case_yaml` dumps a :class:`~tutorbot.cases.model.Case` in the key order
of ``docs/case-format.md`` (block style, safe quoting, a comment header).
:func:`write_case_folder` builds the folder beside its target and renames it
into place, so a case folder is written completely or not at all; before the
rename it loads the written case back and refuses it if the loader finds errors.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from tutorbot.cases.loader import CASE_FILE, load_case
from tutorbot.cases.model import Case, Image, Stage
from tutorbot.cases.problems import Problem

IMAGES_DIR = "images"


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _image(image: Image) -> dict[str, Any]:
    out: dict[str, Any] = {"file": image.file, "caption": image.caption}
    if image.alt:
        out["alt"] = image.alt
    if image.annotated:
        out["annotated"] = image.annotated
    if image.annotated_caption:
        out["annotated_caption"] = image.annotated_caption
    return out


def _stage(stage: Stage) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if stage.title:
        out["title"] = stage.title
    out["images"] = [_image(image) for image in stage.images]
    out["findings"] = list(stage.findings)
    if stage.question:
        out["question"] = stage.question
    return out


def case_data(case: Case) -> dict[str, Any]:
    """The case as plain YAML data, keys in the documented order, empty optional keys left out."""
    data: dict[str, Any] = {
        "format": case.format,
        "id": case.id,
        "title": case.title,
        "status": case.status,
    }
    source = {k: v for k, v in vars(case.source).items() if v}
    if source:
        data["source"] = source
    tags = {k: list(v) for k, v in (("modality", case.modality), ("system", case.system)) if v}
    if tags:
        data["tags"] = tags
    data["difficulty"] = case.difficulty
    data["history"] = list(case.history)
    data["stages"] = [_stage(stage) for stage in case.stages]
    data["question"] = case.question
    spec = case.diagnosis
    diagnosis: dict[str, Any] = {"answer": spec.answer}
    if spec.accepted:
        diagnosis["accepted"] = list(spec.accepted)
    if spec.core:
        diagnosis["core"] = list(spec.core)
    for key in ("partial", "wrong"):
        items = getattr(spec, key)
        if items:
            diagnosis[key] = [{"answer": a.answer, "feedback": a.feedback} for a in items]
    if spec.required:
        diagnosis["required"] = list(spec.required)
    if spec.explanation:
        diagnosis["explanation"] = spec.explanation
    data["diagnosis"] = diagnosis
    if case.hints:
        data["hints"] = list(case.hints)
    data["teaching_points"] = list(case.teaching_points)
    return data


def dump_yaml(data: Mapping[str, Any]) -> str:
    """YAML text for ``data``: block style, unicode kept, a blank line between top-level keys."""
    text = yaml.dump(
        dict(data),
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=100,
        default_flow_style=False,
    )
    out: list[str] = []
    block = False  # whether the previous top-level key spans several lines
    for line in text.splitlines():
        if line[:1] not in ("", " ", "-", "#"):
            starts_block = line.rstrip().endswith(":")
            if out and (block or starts_block):
                out.append("")
            block = starts_block
        elif line.startswith(" "):
            block = True
        out.append(line)
    return "\n".join(out) + "\n"


def comment(lines: Sequence[str]) -> str:
    """``lines`` as a YAML comment block."""
    return "".join(f"# {line}".rstrip() + "\n" for line in lines)


def case_yaml(case: Case, header: Sequence[str] = ()) -> str:
    """The complete ``case.yaml`` text for ``case``, with ``header`` as a leading comment."""
    return comment(header) + ("\n" if header else "") + dump_yaml(case_data(case))


class CaseExistsError(FileExistsError):
    """The case folder already exists (and replacing it was not asked for)."""


class WriteError(Exception):
    """The case folder could not be written; nothing was left behind."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems = tuple(problems)


def write_case_folder(
    target: Path,
    case_text: str,
    *,
    copies: Mapping[str, Path] | None = None,
    force: bool = False,
    check: bool = True,
) -> Path:
    """Write ``target/case.yaml`` (plus an ``images/`` folder and ``copies``) all at once.

    The folder is built in a temporary folder beside ``target`` and renamed into
    place. With ``force`` an existing folder is replaced, keeping the files it
    had besides ``case.yaml`` (the instructor's images) unless ``copies``
    brings new ones. With ``check`` the written case must load without errors.
    Raises :class:`CaseExistsError` when ``target`` exists and ``force`` is off,
    :class:`WriteError` when the case does not load, and :class:`OSError` on I/O
    errors; in every case nothing is left behind.
    """
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and not force:
        raise CaseExistsError(str(target))
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    try:
        staged = work / target.name
        if force and target.is_dir():
            shutil.copytree(target, staged, symlinks=True, ignore=shutil.ignore_patterns(CASE_FILE))
        else:
            staged.mkdir()
        (staged / IMAGES_DIR).mkdir(exist_ok=True)
        for relative, source in (copies or {}).items():
            destination = staged / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        with (staged / CASE_FILE).open("w", encoding="utf-8", newline="\n") as handle:
            handle.write(case_text)
            handle.flush()
            os.fsync(handle.fileno())
        if check:
            result = load_case(staged)
            if result.errors:
                raise WriteError("the written case.yaml does not load", result.errors)
        _swap(staged, target, work, force)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


def _swap(staged: Path, target: Path, work: Path, force: bool) -> None:
    """Rename ``staged`` to ``target``; an existing target (``force``) is moved aside first."""
    old = work / "previous"
    moved = False
    if target.exists():
        if not force:
            raise CaseExistsError(str(target))
        os.rename(target, old)
        moved = True
    try:
        os.rename(staged, target)
    except OSError:
        if moved:
            os.rename(old, target)
        raise


def replace_file_text(path: Path, text: str) -> None:
    """Replace a file's text atomically (temporary file beside it, then ``os.replace``)."""
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temp, path.stat().st_mode & 0o777)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
