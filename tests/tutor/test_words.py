"""The command words a learner types: one list for the terminal and the chat, and a word
that is a command never costs an attempt."""

from __future__ import annotations

import pytest

from tests.auxil.tutor_helpers import make_case, table_grader
from tutorbot.console.play import to_event
from tutorbot.tutor import Tutor
from tutorbot.tutor import events as e
from tutorbot.tutor.words import WORDS, command_event

EXPECTED = {
    "next": e.Next(),
    "hint": e.Hint(),
    "skip": e.Skip(),
    "reveal": e.Reveal(),
    "restart": e.Restart(),
}


def test_the_five_words() -> None:
    assert dict(WORDS) == EXPECTED


@pytest.mark.parametrize(
    "typed", ["hint", "Hint", "HINT", " hint ", "/hint", "/Hint", "/hint@tutor_bot", "hint\n"]
)
def test_any_case_with_or_without_a_slash(typed: str) -> None:
    assert command_event(typed) == e.Hint()


@pytest.mark.parametrize(
    "typed",
    [
        "skip lesion",  # an answer that starts with a command word
        "next step",
        "hint?",
        "hints",
        "revealed",
        "EMH",  # one-word diagnoses are answers
        "pneumothorax",
        "osteosarcoma",
        "",
        "/",
        "//hint",
        "hint@bot",  # a bot name only follows a slash command
    ],
)
def test_anything_else_is_not_a_command(typed: str) -> None:
    assert command_event(typed) is None


@pytest.mark.parametrize("word", list(EXPECTED))
@pytest.mark.parametrize("phase", ["history", "images", "findings", "question", "done"])
def test_the_terminal_reads_the_same_words(word: str, phase: str) -> None:
    assert to_event(word, phase) == command_event(word) == EXPECTED[word]  # type: ignore[arg-type]
    assert to_event(f"/{word.upper()}", phase) == EXPECTED[word]  # type: ignore[arg-type]


@pytest.mark.parametrize("word", [w for w in EXPECTED if w != "reveal"])
def test_a_command_word_at_the_question_costs_no_attempt(word: str) -> None:
    tutor = Tutor(make_case(), table_grader, attempts=2)
    state, _ = tutor.start()
    state, _ = tutor.step(state, e.Skip())
    state, _ = tutor.step(state, e.Answer("nonsense"))  # one attempt used
    event = command_event(word)
    assert event is not None
    after, shown = tutor.step(state, event)
    assert after.attempts_used in (0, 1)  # restart begins again; nothing else counts one
    assert not any(type(action).__name__ == "ShowVerdict" for action in shown)
    assert after.attempts_used == (0 if word == "restart" else 1)
