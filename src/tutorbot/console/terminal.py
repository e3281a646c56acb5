"""The keyboard, when ``tutorbot play`` runs on a terminal (not in a pipe).

Line editing and history (readline), one-letter shortcuts, "did you mean" for a
mistyped command, a numbered case list to pick from, and a goodbye on Ctrl-D
(and on Ctrl-C).
None of it applies in a pipe, whose input and output stay exactly as a script
expects (:func:`tutorbot.console.play.read_lines`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TextIO

from tutorbot.cases.model import Case
from tutorbot.tutor.words import WORDS, command_word

PROMPT = "> "
MAX_LINE = 10_000  # as read_lines: nobody types a longer diagnosis
QUIT_WORDS = ("quit", "stop", "exit")
DESCRIBE = "describe"
#: One letter for each way on; ``restart`` has none (a slip would lose the case's progress).
SHORTCUTS = {"n": "next", "h": "hint", "s": "skip", "r": "reveal", "q": "quit"}
#: Every word the terminal knows, for "did you mean" and tab completion.
KNOWN_WORDS = (*WORDS, *QUIT_WORDS, DESCRIBE)
KEYS = "Keys: n next · h hint · s skip · r reveal · q quit · ↑ and ↓ recall what you typed."
BYE = "Bye."


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) that turn ``a`` into ``b``."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def near_command(text: str) -> str | None:
    """The command word ``text`` is one slip away from (two for longer words), or None.

    Only a lone word counts, and never a word the terminal knows already."""
    word = command_word(text)
    if not word.isalpha() or len(word) < 3 or word in KNOWN_WORDS or word in SHORTCUTS:
        return None
    allowed = 1 if len(word) <= 4 else 2
    best = min(KNOWN_WORDS, key=lambda known: distance(word, known))
    return best if distance(word, best) <= allowed else None


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C raises KeyboardInterrupt at once while the learner types.

    ``asyncio.run`` answers the first Ctrl-C by cancelling its main task, which
    cannot happen while that task waits in ``input()`` (the event loop waits with
    it): the key did nothing until Enter. Python's own handler meanwhile."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


class Terminal:
    """Reads the learner's lines from a terminal, with readline when Python has it."""

    def __init__(self, out: TextIO, read: Callable[[str], str] = input) -> None:
        self.out = out
        self.read = read
        try:
            import readline  # only on a terminal: importing it may write escape codes
        except ImportError:  # pragma: no cover (Python built without readline)
            return
        readline.set_completer(self._complete)
        readline.set_completer_delims(" \t\n")
        readline.parse_and_bind("tab: complete")

    def _complete(self, text: str, state: int) -> str | None:
        matches = [word for word in KNOWN_WORDS if word.startswith(text.lower())]
        return matches[state] if state < len(matches) else None

    def _say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def _line(self, prompt: str) -> str | None:
        """One line as typed, or None when the learner leaves (Ctrl-D, Ctrl-C)."""
        while True:
            try:
                with interruptible():
                    return self.read(prompt)[:MAX_LINE]
            except (EOFError, KeyboardInterrupt):
                self._say()  # the key leaves the cursor after the prompt
                return None
            except UnicodeDecodeError:
                self._say("That line was not readable text; please type it again.")

    def lines(self) -> Iterator[str]:
        """The learner's lines, shortcuts spelled out; "Bye." when they leave (Ctrl-D, Ctrl-C)."""
        self._say(KEYS)
        while (line := self._line(PROMPT)) is not None:
            yield SHORTCUTS.get(line.strip().lower(), line)
        self._say(BYE)

    def pick(self, cases: Sequence[Case], title: Callable[[Case], str]) -> Case | None:
        """A numbered list of ``cases`` and the one the learner picks (None: they quit)."""
        self._say("Cases:")
        width = len(str(len(cases)))
        for number, case in enumerate(cases, 1):
            tags = f"  ({', '.join(case.tags)})" if case.tags else ""
            self._say(f"  {number:>{width}}. {title(case)}{tags}")
        while True:
            line = self._line("Pick a case by number (Enter for 1, q to quit): ")
            if line is None:
                self._say(BYE)
                return None
            choice = line.strip().lower()
            if choice in (*QUIT_WORDS, "q"):
                self._say(BYE)
                return None
            if not choice:
                return cases[0]
            if choice.isdigit() and 1 <= int(choice) <= len(cases):
                return cases[int(choice) - 1]
            self._say(f"Please type a number from 1 to {len(cases)}.")
