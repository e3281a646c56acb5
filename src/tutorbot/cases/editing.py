"""Editing a case file in place: a curated answer form written into ``diagnosis``.

Round-trip YAML (ruamel.yaml) keeps the file's comments, key order, quoting
and layout; only the lists that change are touched. The write is atomic
(a temporary file beside it, then a rename), checked against the version
the instructor saw (a file edited by hand meanwhile is refused, never
overwritten), serialised across processes by a lock on the case folder, and
the case must still load without errors afterwards, or the old file stays.
A folder the bot cannot write gets :class:`CaseNotWritable` with the YAML to
paste by hand.
"""

from __future__ import annotations

import fcntl
import io
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from tutorbot.cases.importers.writer import replace_file_text
from tutorbot.cases.loader import case_file_for, load_case
from tutorbot.cases.model import Case
from tutorbot.cases.problems import Problem

ListName = Literal["accepted", "partial", "wrong"]
#: Indents tried, in order, to re-emit a file exactly as it was written (mapping, sequence,
#: offset): the bundled cases' and ``cases new``'s layout first.
LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 6, 4), (4, 4, 0))


class EditError(Exception):
    """A case file edit that could not be made; the message says why in one sentence."""


class CaseChanged(EditError):
    """The case file is not the version the edit was prepared against."""


class CaseNotWritable(EditError):
    """The bot may not write the case file; ``snippet`` is the YAML to paste instead."""

    def __init__(self, message: str, snippet: str) -> None:
        super().__init__(message)
        self.snippet = snippet


@dataclass(frozen=True)
class Written:
    """The case as loaded from the edited file."""

    case: Case
    file: Path


def _yaml(layout: tuple[int, int, int]) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line the author wrote on one line
    mapping, sequence, offset = layout
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def _dump(yaml: YAML, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _layout(text: str) -> tuple[int, int, int]:
    """The indent settings that write ``text`` back unchanged (the first, if none does)."""
    for layout in LAYOUTS:
        try:
            if _dump(_yaml(layout), _yaml(layout).load(text)) == text:
                return layout
        except YAMLError:
            break
    return LAYOUTS[0]


def entry(name: ListName, form: str, feedback: str) -> Any:
    """The list item for a form: the text itself when accepted, else answer and feedback."""
    if name == "accepted":
        return form
    item = CommentedMap()
    item["answer"] = form
    item["feedback"] = feedback
    return item


def snippet(name: ListName, form: str, feedback: str) -> str:
    """The YAML to paste under the case's ``diagnosis:`` by hand."""
    data = CommentedMap()
    data["diagnosis"] = CommentedMap()
    data["diagnosis"][name] = CommentedSeq([entry(name, form, feedback)])
    return _dump(_yaml(LAYOUTS[0]), data)


def edited_text(
    text: str, name: ListName, form: str, feedback: str, same: Callable[[str], bool]
) -> str:
    """``text`` with ``form`` appended to ``diagnosis.<name>`` and every item that
    ``same`` says is that form taken out of the three lists; the rest as it was."""
    layout = _layout(text)
    yaml = _yaml(layout)
    try:
        data = yaml.load(text)
    except YAMLError as error:
        raise EditError(f"the case file is not valid YAML ({type(error).__name__})") from None
    diagnosis = data.get("diagnosis") if isinstance(data, CommentedMap) else None
    if isinstance(diagnosis, str):
        diagnosis = data["diagnosis"] = CommentedMap(answer=diagnosis)
    if not isinstance(diagnosis, CommentedMap):
        raise EditError("the case file has no `diagnosis:` with an `answer:`")
    for listed in ("accepted", "partial", "wrong"):
        items = diagnosis.get(listed)
        if not isinstance(items, list):
            continue
        for index in reversed(range(len(items))):
            item = items[index]
            text_of = item.get("answer") if isinstance(item, dict) else item
            if isinstance(text_of, str) and same(text_of):
                del items[index]
    items = diagnosis.get(name)
    if not isinstance(items, list):
        items = CommentedSeq()
        diagnosis[name] = items
    items.append(entry(name, form, feedback))
    return _dump(yaml, data)


def writable(case_file: Path) -> bool:
    """Whether this process may replace ``case_file`` (write its folder and the file)."""
    return os.access(case_file.parent, os.W_OK) and os.access(case_file, os.W_OK)


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One writer at a time per case folder, across processes (released on close)."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def add_form(
    path: Path,
    name: ListName,
    form: str,
    feedback: str,
    *,
    expected_version: str,
    same: Callable[[str], bool],
    root: Path | None = None,
) -> Written:
    """Write ``form`` into the case at ``path`` (see :func:`edited_text`) if the case is still
    at ``expected_version``; the case as loaded afterwards.

    Raises :class:`CaseChanged` when the file moved on, :class:`CaseNotWritable` (with the
    snippet) when it cannot be written, :class:`EditError` when the edited case would not
    load (the file is then left as it was).
    """
    case_file = case_file_for(path)
    with _locked(case_file.parent):
        before = load_case(case_file, root=root)
        if before.case is None or before.case.version != expected_version:
            raise CaseChanged(
                f"{case_file} changed since it was listed (someone edited it); refresh and retry."
            )
        original = case_file.read_text(encoding="utf-8")
        text = edited_text(original, name, form, feedback, same)
        if not writable(case_file):
            raise CaseNotWritable(
                f"I cannot write {case_file}: paste this under its `diagnosis:` yourself, "
                "then run `tutorbot regrade " + before.case.id + "`.",
                snippet(name, form, feedback),
            )
        try:
            replace_file_text(case_file, text)
        except PermissionError:
            raise CaseNotWritable(
                f"I cannot write {case_file}: paste this under its `diagnosis:` yourself.",
                snippet(name, form, feedback),
            ) from None
        after = load_case(case_file, root=root)
        errors = [p for p in after.problems if p.severity == "error"]
        if after.case is None or errors:
            replace_file_text(case_file, original)
            raise EditError(f"the edit would break the case: {_first(errors)}; nothing changed")
        return Written(after.case, case_file)


def _first(problems: list[Problem]) -> str:
    return str(problems[0]) if problems else "it would not load"
