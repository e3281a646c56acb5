"""Write the vocabulary's names for a diagnosis into a case file, each marked with its source.

The names go into ``diagnosis.accepted``, one per line with a comment saying which
concepts give it (``- Hodgkin disease  # vocabulary: HP:0012189, MeSH:D016539``), so
the author sees where each came from and deletes any that is not right for the case.
The file is edited as text: the lines added are the only change, every other byte
(comments, quoting, layout) stays as the author wrote it. ``tutorbot cases import``,
``new`` and ``enrich`` all go through :func:`add_accepted`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from tutorbot.cases.importers.common import diagnosis_concept
from tutorbot.cases.importers.writer import replace_file_text
from tutorbot.cases.library import CaseNotFound, resolve_case
from tutorbot.cases.loader import load_case
from tutorbot.cases.model import Case, DiagnosisSpec
from tutorbot.cases.problems import Problem
from tutorbot.cases.vocabulary import KnownName, Vocabulary, relation, shipped_vocabulary
from tutorbot.grading.concept import Concept


class EnrichError(Exception):
    """The names cannot be written into this file; the message says why, in one sentence."""


def names_to_add(case: Case, vocabulary: Vocabulary | None = None) -> tuple[KnownName, ...]:
    """The vocabulary's names for the case's diagnosis that the case does not list yet.

    A name the author already gave as a partial or a wrong answer is left out: the
    author has decided about it.
    """
    return names_to_add_for(case.diagnosis, vocabulary)


def names_to_add_for(
    spec: DiagnosisSpec, vocabulary: Vocabulary | None = None
) -> tuple[KnownName, ...]:
    """:func:`names_to_add` for a diagnosis block."""
    known = (vocabulary or shipped_vocabulary()).names_for([spec.answer, *spec.accepted])
    decided = [a.answer for a in (*spec.partial, *spec.wrong)]
    return tuple(
        name
        for name in known
        if not any(relation(name.form, answer) in ("same", "spelling") for answer in decided)
    )


def vocabulary_note(case: Case, vocabulary: Vocabulary | None = None) -> str:
    """A note for ``tutorbot cases validate`` when the vocabulary knows names the case
    lacks ("" when it knows none)."""
    missing = names_to_add(case, vocabulary)
    if not missing:
        return ""
    listed = "; ".join(f"{n.form} ({', '.join(n.concepts)})" for n in missing)
    return (
        f"note: the vocabulary knows other names for {case.diagnosis.answer!r} that this case "
        f"does not list: {listed} (add them with `tutorbot cases enrich {case.id}` and review "
        "them, or leave them out)"
    )


def scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as itself on a line of its own."""
    flow = yaml.safe_dump([text], default_flow_style=True, allow_unicode=True, width=10_000)
    return flow.strip()[1:-1]


def _item_lines(indent: int, names: Iterable[KnownName], newline: str) -> list[str]:
    """One list item per name; a name from the vocabulary carries its source as a comment."""
    return [
        f"{' ' * indent}- {scalar(n.form)}{f'  # {n.mark}' if n.concepts else ''}{newline}"
        for n in names
    ]


def _key_value(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None


def _line_after(mark: yaml.Mark) -> int:
    """The index of the line after the one ``mark`` ends on (a mark at column 0 ends the
    line before it, as a block scalar's end does)."""
    return mark.line if mark.column == 0 else mark.line + 1


def _parsed(text: str, what: str) -> tuple[str, list[str], yaml.Node, yaml.Node]:
    """The file's line end, its lines (the last one ended), and its ``diagnosis:`` key and
    value; :class:`EnrichError` when it is not a case with a diagnosis."""
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise EnrichError(f"the file is not valid YAML ({error.__class__.__name__})") from None
    found = _key_value(root, "diagnosis") if root is not None else None
    if found is None:
        raise EnrichError(f"the file has no `diagnosis:` to add {what} to")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    return newline, lines, found[0], found[1]


def add_accepted(text: str, names: Sequence[KnownName]) -> str:
    """``text`` (a ``case.yaml``) with ``names`` added to ``diagnosis.accepted``, each with
    its source in a comment; nothing else in the text changes.

    Raises :class:`EnrichError` when the text is not a case with a diagnosis.
    """
    if not names:
        return text
    newline, lines, diagnosis_key, diagnosis = _parsed(text, "accepted answers")
    if isinstance(diagnosis, yaml.ScalarNode):  # the short form `diagnosis: Answer`
        indent = diagnosis_key.start_mark.column + 2
        block = [
            f"{' ' * indent}answer: {scalar(str(diagnosis.value))}{newline}",
            f"{' ' * indent}accepted:{newline}",
            *_item_lines(indent + 2, names, newline),
        ]
        return _replace_value(lines, diagnosis, block, newline)
    if not isinstance(diagnosis, yaml.MappingNode):
        raise EnrichError("`diagnosis:` is neither a text nor a mapping with an `answer:`")
    accepted = _key_value(diagnosis, "accepted")
    if accepted is None:
        answer = _key_value(diagnosis, "answer")
        if answer is None:
            raise EnrichError("`diagnosis:` has no `answer:`")
        key, value = answer
        indent = key.start_mark.column
        at = _line_after(value.end_mark)
        block = [f"{' ' * indent}accepted:{newline}", *_item_lines(indent + 2, names, newline)]
        return "".join([*lines[:at], *block, *lines[at:]])
    key, value = accepted
    if isinstance(value, yaml.SequenceNode) and not value.flow_style and value.value:
        at = _line_after(value.value[-1].end_mark)
        indent = value.start_mark.column
        return "".join([*lines[:at], *_item_lines(indent, names, newline), *lines[at:]])
    if isinstance(value, yaml.SequenceNode) or (
        isinstance(value, yaml.ScalarNode) and value.tag == "tag:yaml.org,2002:null"
    ):
        indent = key.start_mark.column + 2
        kept = [
            f"{' ' * indent}- {text[item.start_mark.index : item.end_mark.index]}{newline}"
            for item in (value.value if isinstance(value, yaml.SequenceNode) else [])
        ]
        return _replace_value(lines, value, [*kept, *_item_lines(indent, names, newline)], newline)
    raise EnrichError("`diagnosis.accepted` is neither a list nor empty")


def _flow(items: Sequence[str]) -> str:
    return "[" + ", ".join(scalar(item) for item in items) + "]"


def add_core(text: str, concept: Concept) -> str:
    """``text`` (a ``case.yaml``) with ``diagnosis.core`` written after the answer (and
    ``diagnosis.required`` when the concept has a required event and the case has no
    ``required:``), each with a comment for the author; nothing else changes.

    Raises :class:`EnrichError` when the text is not a case with a diagnosis.
    """
    newline, lines, diagnosis_key, diagnosis = _parsed(text, "the core concept")

    def block(indent: int, with_required: bool) -> list[str]:
        pad = " " * indent
        out = [f"{pad}core: {_flow(concept.core)}  # {CORE_COMMENT}{newline}"]
        if with_required and concept.required:
            out.append(f"{pad}required: {_flow(concept.required)}  # {REQUIRED_COMMENT}{newline}")
        return out

    if isinstance(diagnosis, yaml.ScalarNode):  # the short form `diagnosis: Answer`
        indent = diagnosis_key.start_mark.column + 2
        answer = [f"{' ' * indent}answer: {scalar(str(diagnosis.value))}{newline}"]
        return _replace_value(lines, diagnosis, [*answer, *block(indent, True)], newline)
    if not isinstance(diagnosis, yaml.MappingNode):
        raise EnrichError("`diagnosis:` is neither a text nor a mapping with an `answer:`")
    answer_node = _key_value(diagnosis, "answer")
    if answer_node is None:
        raise EnrichError("`diagnosis:` has no `answer:`")
    key, value = answer_node
    at = _line_after(value.end_mark)
    added = block(key.start_mark.column, _key_value(diagnosis, "required") is None)
    return "".join([*lines[:at], *added, *lines[at:]])


CORE_COMMENT = "the concept alone is correct; the answer's other words are optional"
REQUIRED_COMMENT = "an event of the condition: an answer must name it"


def concept_for(case: Case, cases_dir: Path | None = None) -> Concept | None:
    """The core concept the importer would write for this case (None when the case has
    one, or when its whole answer is the concept)."""
    if case.diagnosis.core:
        return None
    context = case.diagnosis.context
    texts = [*context.history, *context.findings, *context.teaching_points]
    concept, _notes = diagnosis_concept(case.diagnosis.answer, cases_dir, texts)
    return concept


def _replace_value(lines: list[str], value: yaml.Node, block: list[str], newline: str) -> str:
    """Drop ``value``'s text (a flow list, a scalar or nothing) from its key's line, keep the
    rest of that line (a comment), and put ``block`` on the lines after it."""
    start, end = value.start_mark, value.end_mark
    head = lines[start.line][: start.column].rstrip(" \t")
    tail = lines[end.line][end.column :]
    rest = tail.rstrip("\r\n")
    comment = f" {rest.strip()}" if rest.strip() else ""
    joined = f"{head}{comment}{newline}"
    return "".join([*lines[: start.line], joined, *block, *lines[end.line + 1 :]])


@dataclass(frozen=True)
class Enrichment:
    """What ``tutorbot cases enrich`` did to one case file."""

    case_file: Path
    case_id: str
    added: tuple[KnownName, ...] = ()
    problems: tuple[Problem, ...] = ()
    # The core concept written into diagnosis.core (and required), when the case had none.
    concept: Concept | None = None


def enrich_case(
    id_or_path: str, cases_dir: Path, vocabulary: Vocabulary | None = None
) -> Enrichment:
    """Add the vocabulary's names the case lacks to its file, in place.

    A case that does not load is left alone (its problems are returned); after the edit
    the case must load exactly as before but for the added names, else the file is put
    back and :class:`EnrichError` is raised.
    """
    try:
        found = resolve_case(id_or_path, cases_dir)
    except CaseNotFound:
        raise EnrichError(f"no case `{id_or_path}` in {cases_dir} and no such path") from None
    if found.case is None:
        return Enrichment(found.path, "", problems=tuple(found.errors))
    case = found.case
    names = names_to_add(case, vocabulary)
    concept = concept_for(case, cases_dir)
    if not names and concept is None:
        return Enrichment(found.path, case.id)
    try:
        text = found.path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise EnrichError(f"cannot read {found.path}: {error}") from None
    changed = add_accepted(text, names)
    if concept is not None:
        changed = add_core(changed, concept)
    replace_file_text(found.path, changed)
    after = load_case(found.path)
    want = (*case.diagnosis.accepted, *(n.form for n in names))
    if (
        after.case is None
        or after.case.diagnosis.accepted != want
        or (concept is not None and after.case.diagnosis.core != concept.core)
    ):
        replace_file_text(found.path, text)
        raise EnrichError(
            f"adding the names to {found.path} did not give the case back; it is unchanged"
        )
    return Enrichment(found.path, case.id, names, concept=concept)
