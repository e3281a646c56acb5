"""``tutorbot play``: the tutor in a terminal, reading one line at a time.

Works with a pipe as well as a keyboard, keeps no state between runs (so a
scripted run repeats exactly) and never shows a traceback for odd input.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import BinaryIO, TextIO

from tutorbot.cases.library import Library
from tutorbot.cases.model import Case
from tutorbot.console.render import write
from tutorbot.tutor import Grader, SessionState, Tutor, actions, events

MAX_LINE = 10_000  # longer lines are cut: nobody types a longer diagnosis
COMMANDS: dict[str, events.Event] = {
    "next": events.Next(),
    "hint": events.Hint(),
    "skip": events.Skip(),
    "reveal": events.Reveal(),
    "restart": events.Restart(),
}


def read_lines(stream: BinaryIO, out: TextIO) -> Iterator[str]:
    """Lines of input as text; a line that is not UTF-8 is reported and skipped."""
    for raw in stream:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            print("That line was not readable text (not UTF-8); please type it again.", file=out)
            continue
        yield line.rstrip("\r\n")[:MAX_LINE]


def to_event(line: str, state: SessionState) -> events.Event | None:
    """The event a typed line means, or None for quit."""
    word = line.strip().lower().lstrip("/")
    if word in ("quit", "stop", "exit"):
        return None
    if word in COMMANDS:
        return COMMANDS[word]
    if not line.strip() and state.phase != "question":
        return events.Next()  # Enter moves on, except where an answer is expected
    return events.Answer(line)


class Player:
    """Plays cases from a library one after another until quit or end of input."""

    def __init__(self, library: Library, grader: Grader, attempts: int, out: TextIO) -> None:
        self.library = library
        self.grader = grader
        self.attempts = attempts
        self.out = out
        self.seen: list[str] = []

    def play(self, case: Case, stdin: BinaryIO, prompt: bool = False) -> int:
        tutor = self._tutor(case)
        state, shown = tutor.start()
        write(shown, self.out)
        for line in self._lines(stdin, prompt):
            event = to_event(line, state)
            if event is None:
                print("Bye.", file=self.out)
                return 0
            state, shown = tutor.step(state, event)
            write(shown, self.out)
            if state.phase == "done" and tutor.case.id not in self.seen:
                self.seen.append(tutor.case.id)
            if any(isinstance(action, actions.StartNextCase) for action in shown):
                following = self.library.next_unseen(self.seen, after=tutor.case.id)
                if following is None:
                    print(
                        "There are no other published cases. Type restart or quit.", file=self.out
                    )
                    continue
                tutor = self._tutor(following)
                state, shown = tutor.start()
                write(shown, self.out)
        return 0

    def _tutor(self, case: Case) -> Tutor:
        return Tutor(case, self.grader, self.attempts)

    def _lines(self, stdin: BinaryIO, prompt: bool) -> Iterator[str]:
        if prompt:
            print("> ", end="", file=self.out, flush=True)
        for line in read_lines(stdin, self.out):
            yield line
            if prompt:
                print("> ", end="", file=self.out, flush=True)


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
