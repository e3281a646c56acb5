"""An answer set on teaching files imported at run time (blind sets 4 and 5).

Such a set is a folder with ``sources/`` (teaching files as an instructor
would have them) and ``answers.yaml`` (learner answers per source file, each
labelled correct, partial or wrong, with an optional ``kind`` and
``non_answer``). Each source is imported exactly as ``tutorbot cases import``
does (``import_one`` into a cases folder that holds the project's
``cases/lexicon.yaml``, as ``./cases`` does), loaded back with the case loader,
and every answer is graded as ``tutorbot grade`` grades it:
``grade(answer, case.diagnosis, lexicon)`` with that cases folder's lexicon.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tutorbot.cases.authoring import CaseWritten, import_one
from tutorbot.cases.library import resolve_case
from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading import Verdict, grade, load_lexicon

REPOSITORY = Path(__file__).parents[2]
CASES_LEXICON = REPOSITORY / "cases" / "lexicon.yaml"
LABELS = ("correct", "partial", "wrong")
KINDS = ("side", "site", "type", "finding", "category", "cause")


@dataclass(frozen=True)
class Item:
    source: str
    answer: str
    label: str
    kind: str | None
    non_answer: bool


@dataclass
class Imported:
    specs: dict[str, DiagnosisSpec]
    failures: dict[str, str]
    cases_dir: Path


def source_files(sources: Path) -> list[Path]:
    return sorted(p for p in sources.iterdir() if p.is_file())


def load_items(answers: Path) -> list[Item]:
    data = yaml.safe_load(answers.read_text(encoding="utf-8"))
    items = []
    for source, rows in data["answers"].items():
        for row in rows:
            label, kind = row["label"], row.get("kind")
            non_answer = bool(row.get("non_answer", False))
            assert label in LABELS, (source, row)
            assert kind is None or kind in KINDS, (source, row)
            assert not non_answer or label == "wrong", (source, row)
            assert set(row) <= {"label", "answer", "kind", "non_answer"}, (source, row)
            items.append(Item(source, str(row["answer"]), label, kind, non_answer))
    return items


def check_well_formed(
    items: list[Item], sources: Path, *, min_sources: int, min_items: int
) -> None:
    """The shape issue 10 asks of a blind set: its size and its mix of answers."""
    names = {p.name for p in source_files(sources)}
    assert len(names) >= min_sources
    assert {i.source for i in items} == names
    assert len(items) >= min_items
    for name in names:
        assert sum(1 for i in items if i.source == name) >= 20, name
    kinds = Counter(i.kind for i in items)
    assert kinds["side"] + kinds["site"] >= 0.10 * len(items)
    assert kinds["finding"] + kinds["category"] >= 0.10 * len(items)
    assert sum(1 for i in items if i.non_answer) >= 0.05 * len(items)
    assert len({(i.source, i.answer) for i in items}) == len(items), "an answer is listed twice"


def import_sources(sources: Path, cases_dir: Path) -> Imported:
    """Import every source as ``tutorbot cases import`` does, into ``cases_dir``."""
    cases_dir.mkdir(parents=True, exist_ok=True)
    if CASES_LEXICON.is_file():
        shutil.copyfile(CASES_LEXICON, cases_dir / "lexicon.yaml")
    specs: dict[str, DiagnosisSpec] = {}
    failures: dict[str, str] = {}
    for path in source_files(sources):
        outcome = import_one(path, cases_dir, force=False, cases_dir=cases_dir)
        if not isinstance(outcome, CaseWritten):
            failures[path.name] = repr(outcome)
            continue
        result = resolve_case(str(outcome.folder), cases_dir)
        if result.case is None or result.errors:
            failures[path.name] = "; ".join(str(p) for p in result.problems) or "no case"
            continue
        specs[path.name] = result.case.diagnosis
    return Imported(specs, failures, cases_dir)


def recognised_non_answer(verdict: Verdict) -> bool:
    return verdict.empty or bool(verdict.to_json().get("non_answer"))


def evaluate(imported: Imported, items: list[Item]) -> dict[str, Any]:
    lexicon = load_lexicon(imported.cases_dir)
    graded: list[tuple[Item, str]] = []
    errors: list[tuple[Item, str]] = []
    recognised = 0
    for item in items:
        try:
            verdict = grade(item.answer, imported.specs[item.source], lexicon)
        except Exception as error:
            errors.append((item, f"{type(error).__name__}: {error}"))
            continue
        graded.append((item, verdict.verdict))
        if item.non_answer and recognised_non_answer(verdict):
            recognised += 1
    counts = Counter(i.label for i in items)
    return {
        "n": len(items),
        "counts": counts,
        "non_answers": sum(1 for i in items if i.non_answer),
        "graded": graded,
        "errors": errors,
        "fa": [(i, g) for i, g in graded if i.label != "correct" and g == "correct"],
        "fr": [(i, g) for i, g in graded if i.label == "correct" and g != "correct"],
        "other": [(i, g) for i, g in graded if i.label not in ("correct", g) and g != "correct"],
        "partial_as_partial": sum(1 for i, g in graded if i.label == "partial" and g == "partial"),
        "recognised": recognised,
        "right": sum(1 for i, g in graded if i.label == g),
    }


def percent(part: int, whole: int) -> str:
    return f"{part / whole:.1%}" if whole else "n/a"


def summary(name: str, r: dict[str, Any]) -> str:
    counts: Counter[str] = r["counts"]
    return (
        f"{name}: N={r['n']}, false accepts {len(r['fa'])}, "
        f"false rejects {len(r['fr'])}/{counts['correct']} "
        f"({percent(len(r['fr']), counts['correct'])}), "
        f"partial graded partial {r['partial_as_partial']}/{counts['partial']} "
        f"({percent(r['partial_as_partial'], counts['partial'])}), "
        f"non-answers recognised {r['recognised']}/{r['non_answers']}, "
        f"accuracy {percent(r['right'], r['n'])}"
        + (f", grading errors {len(r['errors'])}" if r["errors"] else "")
    )


def details(r: dict[str, Any]) -> list[str]:
    """One line per miss and the figures per kind: what a grader could be tuned on."""
    lines = []
    for kind, rows in (("FALSE ACCEPT", r["fa"]), ("FALSE REJECT", r["fr"]), ("other", r["other"])):
        for item, got in rows:
            lines.append(
                f"  {kind}: [{item.source}] {item.answer!r} labelled {item.label}, graded {got}"
            )
    for kind in KINDS:
        of_kind = [(i, g) for i, g in r["graded"] if i.kind == kind]
        as_labelled = sum(1 for i, g in of_kind if i.label == g)
        lines.append(f"  kind {kind}: {as_labelled}/{len(of_kind)} graded as labelled")
    return lines


def errors_message(r: dict[str, Any]) -> str:
    """The answers whose grading raised (a crash is not a verdict to tune on)."""
    return "; ".join(f"{i.answer!r}: {e}" for i, e in r["errors"])


def check_imported(imported: Imported, sources: Path) -> None:
    assert not imported.failures, imported.failures
    assert set(imported.specs) == {p.name for p in source_files(sources)}


def target_shortfalls(r: dict[str, Any], *, with_partial: bool) -> list[str]:
    """Where the figures fall short of issue 10's targets (aggregates only).

    0 false accepts and at most 2% false rejects; ``with_partial`` adds at
    least 80% of the partial-labelled answers graded partial.
    """
    short = []
    if r["fa"]:
        short.append(f"{len(r['fa'])} false accepts")
    rejected, correct = len(r["fr"]), r["counts"]["correct"]
    if rejected > 0.02 * correct:
        short.append(f"false rejects {rejected}/{correct}")
    as_partial, partial = r["partial_as_partial"], r["counts"]["partial"]
    if with_partial and as_partial < 0.80 * partial:
        short.append(f"partial graded partial {as_partial}/{partial}")
    return short
