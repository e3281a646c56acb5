"""The case list (/cases) and what comes after the last case, as pure data."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.auxil.tutor_helpers import make_case
from tutorbot.app.catalogue import PAGE_SIZE, Catalogue, Done
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


def catalogue(count: int = 20) -> Catalogue:
    """``count`` published cases (every third tagged CT, the rest MRI; all chest) and a draft."""
    cases = [
        replace(
            make_case(),
            id=f"case-{n:02}",
            title=f"Title {n:02}",
            modality=("CT",) if n % 3 == 0 else ("MRI",),
            system=("chest",),
        )
        for n in range(count)
    ]
    cases.append(replace(make_case(), id="draft", title="Draft", status="draft"))
    return Catalogue(Library(cases={case.id: case for case in cases}), lambda case: case.title)


def opened(said: Say | Case) -> list[str]:
    assert isinstance(said, Say)
    return [c.press.case_id for c in said.choices if isinstance(c.press, OpenCase)]


def others(said: Say) -> list[Choice]:
    return [c for c in said.choices if not isinstance(c.press, OpenCase)]


def test_pages_of_eight_with_previous_and_next() -> None:
    books = catalogue(20)
    first = books.page({}, 0)
    assert opened(first) == [f"case-{n:02}" for n in range(PAGE_SIZE)]
    assert [(c.label, c.press, c.row) for c in others(first)] == [
        ("Next page ▶", ListCases(1, ""), "pages"),
        ("Filter by tag", ListTags(), None),
    ]
    assert first.lines == ("Cases 1–8 of 20. Tap one to play it.",)
    middle = books.page({}, 1)
    assert [c.label for c in others(middle)] == ["◀ Previous page", "Next page ▶", "Filter by tag"]
    last = books.page({}, 2)
    assert opened(last) == [f"case-{n:02}" for n in range(16, 20)]
    assert [c.press for c in others(last)] == [ListCases(1, ""), ListTags()]
    assert books.page({}, 99) == last  # an old button past the end shows the last page
    assert books.page({}, -1) == first


def test_one_page_has_no_paging_and_no_draft() -> None:
    said = catalogue(3).page({})
    assert opened(said) == ["case-00", "case-01", "case-02"]
    assert [c.label for c in others(said)] == ["Filter by tag"]


def test_done_cases_are_marked_by_their_first_outcome() -> None:
    done: Done = {
        "case-00": "correct",
        "case-01": "partial",
        "case-02": "wrong",
        "case-03": "revealed",
    }
    said = catalogue(5).page(done)
    labels = [c.label for c in said.choices if isinstance(c.press, OpenCase)]
    assert labels == ["✅ Title 00", "🟡 Title 01", "❌ Title 02", "❌ Title 03", "Title 04"]
    assert any("✅" in line and "❌" in line for line in said.lines)  # the legend


def test_ids_are_never_shown() -> None:
    said = catalogue(20).page({"case-01": "correct"}, 1)
    shown = [*said.lines, *(c.label for c in said.choices)]
    assert not [text for text in shown if "case-" in text]


def test_a_tag_filters_and_offers_all_cases_again() -> None:
    books = catalogue(20)
    tagged = books.page({}, 0, "CT")
    assert opened(tagged) == [f"case-{n:02}" for n in range(0, 20, 3)][:PAGE_SIZE]
    assert tagged.lines[0].startswith("Cases tagged “ct” 1–7 of 7")
    assert [(c.label, c.press) for c in others(tagged)] == [("All cases", ListCases())]
    assert books.page({}, 0, "chest").lines[0].endswith("1–8 of 20. Tap one to play it.")


def test_an_unknown_tag_offers_the_tags() -> None:
    said = catalogue(4).page({}, 0, "ultrasound")
    assert said.code == "tags" and said.lines[0] == "No case is tagged “ultrasound”."
    assert [(c.label, c.press, c.row) for c in said.choices] == [
        ("chest", ListCases(0, "chest"), "tags0"),
        ("ct", ListCases(0, "ct"), "tags0"),
        ("mri", ListCases(0, "mri"), "tags0"),
        ("All cases", ListCases(), None),
    ]


def test_no_cases_at_all() -> None:
    empty = Catalogue(Library(), lambda case: case.title)
    assert empty.page({}).code == "no_cases" and empty.tag_menu().code == "no_cases"
    assert isinstance(empty.next_case({}, after=None, playing=False), Say)


def test_the_next_case_is_the_next_not_done_after_the_current_one() -> None:
    books = catalogue(4)
    assert books.next_case({}, after=None, playing=False) == books.cases()[0]
    after_two = books.next_case({"case-03": "wrong"}, after="case-02", playing=False)
    assert isinstance(after_two, Case) and after_two.id == "case-00"  # wraps, skips done ones
    in_tag = books.next_case({"case-00": "correct"}, after=None, playing=False, tag="ct")
    assert isinstance(in_tag, Case) and in_tag.id == "case-03"


def test_the_last_case_in_progress_is_said() -> None:
    done: Done = {"case-00": "correct", "case-01": "wrong"}
    said = catalogue(3).next_case(done, after="case-02", playing=True)
    assert isinstance(said, Say) and said.code == "last_case"
    assert [c.press for c in said.choices] == [KeepGoing()]


@pytest.mark.parametrize("playing", [False, True])
def test_when_every_case_is_done_it_says_so_and_offers_the_missed(playing: bool) -> None:
    done: Done = {"case-00": "correct", "case-01": "partial", "case-02": "revealed"}
    said = catalogue(3).next_case(done, after="case-01", playing=playing)
    assert isinstance(said, Say) and said.code == "library_done"
    assert "all 3 cases: 1 right the first time, 2 missed" in said.lines[0]
    assert [c.press for c in said.choices] == [RedoMissed("")]


def test_all_right_the_first_time_offers_no_redo() -> None:
    said = catalogue(1).all_done({"case-00": "correct"})
    assert "the one case: 1 right the first time, 0 missed" in said.lines[0]
    assert said.choices == ()


def test_redo_goes_round_the_missed_ones() -> None:
    books = catalogue(4)
    done: Done = {
        "case-00": "wrong",
        "case-01": "correct",
        "case-02": "partial",
        "case-03": "correct",
    }
    first = books.next_missed(done, after=None)
    assert isinstance(first, Case) and first.id == "case-00"
    then = books.next_missed(done, after="case-00")
    assert isinstance(then, Case) and then.id == "case-02"
    again = books.next_missed(done, after="case-02")
    assert isinstance(again, Case) and again.id == "case-00"
    only = books.next_missed({**done, "case-02": "correct"}, after="case-00")
    assert isinstance(only, Case) and only.id == "case-00"  # the one missed: itself again
    none = books.next_missed(dict.fromkeys(done, "correct"), after=None)
    assert isinstance(none, Say) and none.code == "nothing_missed"
