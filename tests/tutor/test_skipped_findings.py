"""Stages whose findings the learner skipped are offered after the verdict, never lost."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.auxil.tutor_helpers import make_case, table_grader
from tutorbot.tutor import SessionState, Tutor
from tutorbot.tutor import actions as a
from tutorbot.tutor import events as e


def kinds(shown: list[a.Action]) -> list[str]:
    return [type(action).__name__ for action in shown]


def offer(shown: list[a.Action]) -> a.OfferNextCase:
    last = shown[-1]
    assert isinstance(last, a.OfferNextCase)
    return last


def walk(tutor: Tutor, nexts: int) -> SessionState:
    state, _ = tutor.start()
    for _ in range(nexts):
        state, _ = tutor.step(state, e.Next())
    return state


@pytest.mark.parametrize(
    ("nexts", "skipped"),
    [
        (0, 2),  # at the history: both stages' findings unseen
        (1, 2),  # at stage 1's images: its findings unseen too
        (2, 1),  # at stage 1's findings: stage 2 unseen
        (3, 1),  # at stage 2's images
        (4, 0),  # at stage 2's findings: everything seen
    ],
)
def test_skip_then_answer_offers_the_skipped_stages(tutor: Tutor, nexts: int, skipped: int) -> None:
    state, _ = tutor.step(walk(tutor, nexts), e.Skip())
    assert state.phase == "question"
    done, shown = tutor.step(state, e.Answer("right"))
    assert offer(shown).skipped_stages == skipped
    _, review = tutor.step(done, e.SkippedFindings())
    if skipped:
        findings = [action for action in review if isinstance(action, a.ShowFindings)]
        assert [f.stage for f in findings] == list(range(3 - skipped, 3))
        assert all(f.review for f in findings) and findings[-1].findings == ("finding B",)
        assert [image.path.name for image in findings[-1].images] == ["c-marked.png"]
        assert offer(review).skipped_stages == 0  # shown now: not offered again
    else:
        assert kinds(review) == ["Notice", "OfferNextCase"]


def test_giving_up_early_offers_them_too(tutor: Tutor) -> None:
    state, shown = tutor.step(walk(tutor, 1), e.Reveal())
    assert state.outcome == "revealed" and offer(shown).skipped_stages == 2


def test_the_offer_stays_on_every_reply_of_the_finished_case(tutor: Tutor) -> None:
    done, _ = tutor.step(tutor.step(walk(tutor, 0), e.Skip())[0], e.Reveal())
    for event in (e.Hint(), e.Skip(), e.Reveal(), e.Show(), e.Answer("x")):
        state, shown = tutor.step(done, event)
        assert state == done and offer(shown).skipped_stages == 2


def test_before_the_verdict_they_wait(tutor: Tutor) -> None:
    state = walk(tutor, 1)
    same, shown = tutor.step(state, e.SkippedFindings())
    assert same == state and kinds(shown) == ["Notice", "Continue"]


def test_restart_forgets_them_and_the_state_keeps_them(tutor: Tutor) -> None:
    skipped, _ = tutor.step(walk(tutor, 2), e.Skip())
    assert skipped.skipped_from == 1
    assert SessionState.loads(skipped.dumps()) == skipped
    restarted, _ = tutor.step(skipped, e.Restart())
    assert restarted.skipped_from is None


def test_a_state_stored_before_skipped_stages_were_kept_reads_as_none() -> None:
    stored = '{"v": 1, "case_id": "x", "case_version": "", "phase": "question", "stage": 2}'
    assert SessionState.loads(stored).skipped_from is None


def test_a_case_that_lost_stages_offers_what_is_left(tutor: Tutor) -> None:
    done, _ = tutor.step(tutor.step(walk(tutor, 2), e.Skip())[0], e.Reveal())
    case = tutor.case
    shorter = Tutor(replace(case, stages=case.stages[:1]), table_grader)
    same, shown = shorter.step(done, e.Show())
    assert same == done and offer(shown).skipped_stages == 0
    _, shown = shorter.step(done, e.SkippedFindings())
    assert kinds(shown) == ["Notice", "OfferNextCase"]


def test_a_one_stage_skip_from_the_last_findings_skips_nothing() -> None:
    tutor = Tutor(make_case(), table_grader)
    state, _ = tutor.step(walk(tutor, 4), e.Skip())
    assert state.skipped_from is None
