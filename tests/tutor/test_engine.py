"""The tutoring state machine: each event in each phase, attempts, hints, reveal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auxil.tutor_helpers import make_case, table_grader
from tutorbot.grading import grade
from tutorbot.tutor import SessionState, Tutor
from tutorbot.tutor import actions as a
from tutorbot.tutor import events as e

ALL_EVENTS: list[e.Event] = [
    e.Show(),
    e.Next(),
    e.Hint(),
    e.Skip(),
    e.Reveal(),
    e.Restart(),
    e.Answer("right"),
    e.Answer("nonsense"),
    e.Answer(""),
]


def kinds(shown: list[a.Action]) -> list[str]:
    return [type(action).__name__ for action in shown]


def walk_to_question(tutor: Tutor) -> SessionState:
    state, _ = tutor.start()
    for _ in range(5):
        state, _ = tutor.step(state, e.Next())
    assert state.phase == "question"
    return state


def test_walks_history_images_findings_then_question(tutor: Tutor) -> None:
    state, shown = tutor.start()
    assert kinds(shown) == ["ShowHistory"]
    assert shown[0] == a.ShowHistory("Two stages", ("A patient", "With symptoms"), 2)

    state, shown = tutor.step(state, e.Next())
    assert (state.phase, state.stage) == ("images", 0)
    assert shown == [
        a.ShowImages(
            1,
            2,
            "First look",
            (a.ImageView(Path("/cases/two-stage/a.png"), "plain A", "alt A"),),
            None,
        )
    ]

    state, shown = tutor.step(state, e.Next())
    assert (state.phase, state.stage) == ("findings", 0)
    assert shown == [
        a.ShowFindings(
            1,
            2,
            "First look",
            ("finding A1", "finding A2"),
            (a.ImageView(Path("/cases/two-stage/a-marked.png"), "marked A", "alt A"),),
        )
    ]

    state, shown = tutor.step(state, e.Next())
    assert (state.phase, state.stage) == ("images", 1)
    assert isinstance(shown[0], a.ShowImages) and len(shown[0].images) == 2

    state, shown = tutor.step(state, e.Next())
    assert isinstance(shown[0], a.ShowFindings)
    # Only the image that has an annotated version is shown again with the findings.
    assert [image.caption for image in shown[0].images] == ["plain C"]

    state, shown = tutor.step(state, e.Next())
    assert state.phase == "question"
    assert shown == [a.AskDiagnosis("What is your diagnosis?", 1, 2, False)]

    # `next` at the question only asks again.
    again, shown = tutor.step(state, e.Next())
    assert again == state and kinds(shown) == ["AskDiagnosis"]


def test_right_answer_reveals_teaching_points_and_offers_next(tutor: Tutor) -> None:
    state, shown = tutor.step(walk_to_question(tutor), e.Answer("right"))
    assert kinds(shown) == ["ShowVerdict", "RevealDiagnosis", "OfferNextCase"]
    verdict = shown[0]
    assert isinstance(verdict, a.ShowVerdict) and verdict.verdict.verdict == "correct"
    reveal = shown[1]
    assert isinstance(reveal, a.RevealDiagnosis)
    assert reveal.diagnosis == "The answer" and reveal.teaching_points == ("point 1", "point 2")
    assert (state.phase, state.outcome, state.attempts_used) == ("done", "correct", 1)


def test_wrong_then_right_gives_a_hint_between(tutor: Tutor) -> None:
    state, shown = tutor.step(walk_to_question(tutor), e.Answer("nonsense"))
    assert kinds(shown) == ["ShowVerdict", "ShowHint", "AskDiagnosis"]
    assert shown[0] == a.ShowVerdict(table_grader("nonsense", tutor.case.diagnosis), 1)
    assert shown[1] == a.ShowHint("first hint", 1, 2)
    assert shown[2] == a.AskDiagnosis("What is your diagnosis?", 2, 2, True)
    state, shown = tutor.step(state, e.Answer("right"))
    assert state.outcome == "correct" and state.attempts_used == 2


def test_attempts_run_out_and_the_answer_is_revealed(tutor: Tutor) -> None:
    state, _ = tutor.step(walk_to_question(tutor), e.Answer("nonsense"))
    state, shown = tutor.step(state, e.Answer("still wrong"))
    assert kinds(shown) == ["ShowVerdict", "RevealDiagnosis", "OfferNextCase"]
    assert (state.phase, state.outcome) == ("done", "wrong")


def test_partial_answer_uses_an_attempt_and_invites_more(tutor: Tutor) -> None:
    state, shown = tutor.step(walk_to_question(tutor), e.Answer("close"))
    assert kinds(shown) == ["ShowVerdict", "AskDiagnosis"]  # no hint after a partial
    assert state.attempts_used == 1
    state, shown = tutor.step(state, e.Answer("close"))
    assert state.outcome == "partial"


def test_empty_answer_uses_no_attempt(tutor: Tutor) -> None:
    question = walk_to_question(tutor)
    state, shown = tutor.step(question, e.Answer("   "))
    assert state == question
    assert kinds(shown) == ["Notice", "AskDiagnosis"]


def test_a_non_answer_uses_no_attempt_and_gets_the_next_hint() -> None:
    tutor = Tutor(make_case(hints=("first hint",)), grade)
    question = walk_to_question(tutor)
    state, shown = tutor.step(question, e.Answer("no idea, sorry"))
    assert state.attempts_used == 0 and state.hints_shown == 1
    assert kinds(shown) == ["Notice", "ShowHint", "AskDiagnosis"]
    notice = shown[0]
    assert isinstance(notice, a.Notice) and "reveal the answer" in notice.text
    state, shown = tutor.step(state, e.Answer("dunno"))  # no hint left: the notice says how on
    assert state.attempts_used == 0 and kinds(shown) == ["Notice", "AskDiagnosis"]


def test_more_attempts_from_settings() -> None:
    tutor = Tutor(make_case(), table_grader, attempts=3)
    state = walk_to_question(tutor)
    for _ in range(2):
        state, _ = tutor.step(state, e.Answer("nonsense"))
    assert state.phase == "question"
    state, _ = tutor.step(state, e.Answer("nonsense"))
    assert state.phase == "done"


def test_hints_run_out_politely(tutor: Tutor) -> None:
    state, _ = tutor.start()
    state, first = tutor.step(state, e.Hint())
    state, second = tutor.step(state, e.Hint())
    state, third = tutor.step(state, e.Hint())
    go_on = a.Continue("images")  # how to carry on from the history
    assert first == [a.ShowHint("first hint", 1, 2), go_on]
    assert second == [a.ShowHint("second hint", 2, 2), go_on]
    assert kinds(third) == ["Notice", "Continue"] and state.hints_shown == 2


def test_skip_goes_to_the_question_and_reveal_gives_up(tutor: Tutor) -> None:
    state, _ = tutor.start()
    state, shown = tutor.step(state, e.Skip())
    assert state.phase == "question" and kinds(shown) == ["AskDiagnosis"]
    state, shown = tutor.step(state, e.Reveal())
    assert kinds(shown) == ["RevealDiagnosis", "OfferNextCase"]
    assert state.outcome == "revealed"


def test_stage_question_takes_an_observation_then_shows_findings() -> None:
    tutor = Tutor(make_case(question="What do you see?"), table_grader)
    state, _ = tutor.step(tutor.start()[0], e.Next())
    state, shown = tutor.step(state, e.Answer("a big mass"))
    assert kinds(shown) == ["Notice", "ShowFindings"] and state.phase == "findings"


PHASES = ["history", "images", "findings", "question", "done"]


def state_in(tutor: Tutor, phase: str) -> SessionState:
    state, _ = tutor.start()
    if phase == "history":
        return state
    if phase == "question":
        return walk_to_question(tutor)
    if phase == "done":
        return tutor.reveal(walk_to_question(tutor), "revealed")[0]
    state, _ = tutor.step(state, e.Next())
    return state if phase == "images" else tutor.step(state, e.Next())[0]


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("event", ALL_EVENTS, ids=repr)
def test_every_event_in_every_phase(tutor: Tutor, phase: str, event: e.Event) -> None:
    state = state_in(tutor, phase)
    assert state.phase == phase
    new, shown = tutor.step(state, event)
    assert shown, "every event gets some reply"
    # The state stays serialisable and valid whatever happened.
    assert SessionState.from_json(new.to_json()) == new
    if isinstance(event, e.Restart):
        assert new.phase == "history" and kinds(shown) == ["ShowHistory"]
    elif phase == "done":
        assert new == state  # a finished case only answers, never changes
        expected = {e.Next: ["StartNextCase"], e.Show: ["RevealDiagnosis", "OfferNextCase"]}
        assert kinds(shown) == expected.get(type(event), ["Notice", "OfferNextCase"])
    elif isinstance(event, e.Answer) and phase != "question":
        assert new == state and kinds(shown) == ["Notice", "Continue"]
    elif isinstance(event, e.Reveal):
        assert new.outcome == "revealed"
    if isinstance(event, e.Show):
        assert new == state  # showing again changes nothing
        assert state_in(tutor, phase) == state


def test_a_case_edited_under_a_session_does_not_crash_it() -> None:
    long_case = make_case()
    tutor = Tutor(long_case, table_grader)
    state = state_in(tutor, "findings")
    state = state.moved(stage=1)
    shorter = Tutor(
        make_case().__class__(**{**vars(long_case), "stages": long_case.stages[:1]}), table_grader
    )
    new, shown = shorter.step(state, e.Next())
    assert new.phase == "question" and kinds(shown) == ["AskDiagnosis"]


def test_a_title_that_names_the_diagnosis_is_not_shown() -> None:
    case = make_case()
    spoiler = case.__class__(**{**vars(case), "title": "right"})  # the table grader accepts "right"
    _, shown = Tutor(spoiler, table_grader).start()
    assert shown[0] == a.ShowHistory("A new case", case.history, 2)
    assert Tutor(case, table_grader).start()[1][0] == a.ShowHistory("Two stages", case.history, 2)


def test_show_repeats_the_current_step(tutor: Tutor) -> None:
    state, first = tutor.step(tutor.start()[0], e.Next())
    again, shown = tutor.step(state, e.Show())
    assert again == state and shown == first


def test_a_diagnosis_typed_at_the_last_findings_is_graded(tutor: Tutor) -> None:
    state, _ = tutor.start()
    for _ in range(4):
        state, _ = tutor.step(state, e.Next())
    assert (state.phase, state.stage) == ("findings", 1)
    state, shown = tutor.step(state, e.Answer("right"))
    assert kinds(shown) == ["ShowVerdict", "RevealDiagnosis", "OfferNextCase"]
    assert state.outcome == "correct"


def test_asking_again_says_try_again_only_after_a_graded_attempt(tutor: Tutor) -> None:
    question = walk_to_question(tutor)
    _, shown = tutor.step(question, e.Answer(""))
    assert shown[-1] == a.AskDiagnosis("What is your diagnosis?", 1, 2, False)
    _, shown = tutor.step(question, e.Skip())
    assert shown[-1] == a.AskDiagnosis("What is your diagnosis?", 1, 2, False)
    after_wrong, _ = tutor.step(question, e.Answer("nonsense"))
    _, shown = tutor.step(after_wrong, e.Answer(""))
    assert shown[-1] == a.AskDiagnosis("What is your diagnosis?", 2, 2, True)
