"""The published cases as a learner browses them: the list (/cases), the next case to play,
and what to say when every case is done.

Pure: it reads the library and a learner's first outcomes (:attr:`Stats.outcomes`)
and answers with :class:`~tutorbot.app.replies.Say` messages or a case. Titles come
from the caller (a title that names the diagnosis is never shown), and a case's id
is never shown either: an id can name its diagnosis too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from tutorbot.app.replies import (
    Choice,
    KeepGoing,
    ListCases,
    ListTags,
    OpenCase,
    RedoMissed,
    Say,
)
from tutorbot.cases import Case, Library
from tutorbot.tutor.progress import CaseOutcome

#: Cases on one page of the list: a page of buttons fits a phone screen.
PAGE_SIZE = 8
#: Tags side by side in the filter menu.
TAGS_PER_ROW = 3
#: The mark of a done case, by its first outcome (giving up counts as missed).
MARKS: Mapping[CaseOutcome, str] = {
    "correct": "✅",
    "partial": "🟡",
    "wrong": "❌",
    "revealed": "❌",
}
LEGEND = "✅ right the first time · 🟡 partly right · ❌ missed"
NO_CASES = "There are no cases to play yet. Please come back later."

Done = Mapping[str, CaseOutcome]


@dataclass(frozen=True)
class Catalogue:
    """The published cases of ``library``, shown with ``title`` (the learner-safe title)."""

    library: Library
    title: Callable[[Case], str]

    # -- what there is -----------------------------------------------------------------

    def cases(self, tag: str = "") -> list[Case]:
        """The published cases in library order; only those tagged ``tag`` when given."""
        wanted = tag.strip().lower()
        published = self.library.published()
        return [case for case in published if wanted in case.tags] if wanted else published

    def tags(self) -> list[str]:
        """Every tag of a published case, sorted."""
        return sorted({tag for case in self.library.published() for tag in case.tags})

    # -- the list ------------------------------------------------------------------------

    def page(self, done: Done, number: int = 0, tag: str = "", lead: Sequence[str] = ()) -> Say:
        """Page ``number`` (from 0; a page past the end shows the last) of the list, each
        case a button marked by its first outcome; ``lead`` lines come first."""
        tag = tag.strip().lower()
        cases = self.cases(tag)
        if not cases:
            if tag:
                return self.tag_menu([*lead, f"No case is tagged “{tag}”."])
            return Say("no_cases", (*lead, NO_CASES))
        pages = -(-len(cases) // PAGE_SIZE)
        number = min(max(number, 0), pages - 1)
        shown = cases[number * PAGE_SIZE : (number + 1) * PAGE_SIZE]
        first = number * PAGE_SIZE + 1
        heading = f"Cases tagged “{tag}”" if tag else "Cases"
        span = f"{first}–{first + len(shown) - 1}" if len(shown) > 1 else str(first)
        lines = [*lead, f"{heading} {span} of {len(cases)}. Tap one to play it."]
        if any(case.id in done for case in cases):
            lines.append(LEGEND)
        choices = [Choice(self._label(case, done), OpenCase(case.id)) for case in shown]
        if number > 0:
            choices.append(Choice("◀ Previous page", ListCases(number - 1, tag), row="pages"))
        if number < pages - 1:
            choices.append(Choice("Next page ▶", ListCases(number + 1, tag), row="pages"))
        if tag:
            choices.append(Choice("All cases", ListCases()))
        elif len(self.tags()) > 1:
            choices.append(Choice("Filter by tag", ListTags()))
        return Say("cases", tuple(lines), tuple(choices))

    def tag_menu(self, lead: Sequence[str] = ()) -> Say:
        """The tags to filter the list by, as buttons."""
        tags = self.tags()
        if not tags:
            return Say("no_cases", (*lead, NO_CASES))
        choices = [
            Choice(tag, ListCases(0, tag), row=f"tags{i // TAGS_PER_ROW}")
            for i, tag in enumerate(tags)
        ]
        choices.append(Choice("All cases", ListCases()))
        return Say("tags", (*lead, "Show the cases tagged:"), tuple(choices))

    def _label(self, case: Case, done: Done) -> str:
        outcome = done.get(case.id)
        return f"{MARKS[outcome]} {self.title(case)}" if outcome else self.title(case)

    # -- what to play next -------------------------------------------------------------------

    def next_case(
        self, done: Done, *, after: str | None, playing: bool, tag: str = ""
    ) -> Case | Say:
        """The next case not done yet (after ``after`` in library order, never ``after``
        itself), or what to say instead: that there are none, that the case in progress
        (``playing``: ``after`` is not finished) is the last one left, or that all are done.
        """
        cases = self.cases(tag)
        if not cases:
            return Say("no_cases", (NO_CASES,))
        fresh = _following(cases, after, lambda case: case.id not in done)
        if fresh is not None:
            return fresh
        if playing and after not in done and any(case.id == after for case in cases):
            left = "This is the last case you have not done yet. Carry on where you were."
            return Say("last_case", (left,), (Choice("Keep going", KeepGoing()),))
        return self.all_done(done, tag)

    def all_done(self, done: Done, tag: str = "") -> Say:
        """Every case (tagged ``tag``) is done: how many, and an offer to redo the missed ones."""
        cases = self.cases(tag)
        right = sum(done.get(case.id) == "correct" for case in cases)
        missed = len(cases) - right
        scope = f" tagged “{tag}”" if tag else ""
        every = "the one case" if len(cases) == 1 else f"all {len(cases)} cases"
        lines = [f"🎉 You have done {every}{scope}: {right} right the first time, {missed} missed."]
        if not missed:
            lines.append("New cases will come; /cases lists these if you want to play one again.")
            return Say("library_done", tuple(lines))
        lines.append("Redo the ones you missed? (/cases lists them all.)")
        return Say("library_done", tuple(lines), (Choice("Redo missed cases ▶", RedoMissed(tag)),))

    def next_missed(self, done: Done, *, after: str | None, tag: str = "") -> Case | Say:
        """The next case not answered correctly the first time (after ``after``; ``after``
        itself only when it is the one missed case), or a note that none was missed."""
        cases = self.cases(tag)
        missed = _following(cases, after, lambda case: done.get(case.id) != "correct")
        if missed is None and after is not None and done.get(after) != "correct":
            missed = next((case for case in cases if case.id == after), None)
        if missed is not None:
            return missed
        if not cases:
            return Say("no_cases", (NO_CASES,))
        return Say("nothing_missed", ("Nothing to redo: every case was right the first time.",))


def _following(
    cases: Sequence[Case], after: str | None, wanted: Callable[[Case], bool]
) -> Case | None:
    """The first case that is ``wanted`` and not ``after``, counting on from ``after``."""
    start = next((i + 1 for i, case in enumerate(cases) if case.id == after), 0)
    ordered = [*cases[start:], *cases[:start]]
    return next((case for case in ordered if case.id != after and wanted(case)), None)
