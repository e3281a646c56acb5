"""``tutorbot play``: the tutor in a terminal, reading one line at a time.

Works with a pipe as well as a keyboard, keeps no state between runs (so a
scripted run repeats exactly) and never shows a traceback for odd input.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from dataclasses import replace
from typing import BinaryIO, TextIO

from tutorbot.app.play import Play, Result
from tutorbot.cases.library import Library
from tutorbot.cases.model import Case
from tutorbot.console.render import describe, write
from tutorbot.console.terminal import DESCRIBE, Terminal, near_command
from tutorbot.storage import SessionKey, open_store
from tutorbot.tutor import Grader, Phase, SessionState, events
from tutorbot.tutor.actions import ImageView, ShowHistory, ShowImages
from tutorbot.tutor.words import WORDS, command_event, command_word

MAX_LINE = 10_000  # longer lines are cut: nobody types a longer diagnosis
COMMANDS = WORDS  # the same words as in the chat: one list, in tutorbot.tutor.words


def read_lines(stream: BinaryIO, out: TextIO) -> Iterator[str]:
    """Lines of input as text; a line that is not UTF-8 is reported and skipped."""
    for raw in stream:
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            print("That line was not readable text (not UTF-8); please type it again.", file=out)
            continue
        yield line.rstrip("\r\n")[:MAX_LINE]


IN_MEMORY = "sqlite:///:memory:"
LEARNER = SessionKey(chat_id=0, thread_id=0, user_id=0)  # the one person at the terminal
# The terminal's own words for what the chat front end says with commands.
CONSOLE_WORDS: dict[str, tuple[str, ...]] = {
    "library_done": ("You have played every case. Type restart to play this one again, or quit.",),
}


def to_event(line: str, phase: Phase) -> events.Event | None:
    """The event a typed line means, or None for quit."""
    if command_word(line) in ("quit", "stop", "exit"):
        return None
    event = command_event(line)
    if event is not None:
        return event
    if not line.strip() and phase != "question":
        return events.Next()  # Enter moves on, except where an answer is expected
    return events.Answer(line)


class Player:
    """Plays cases from a library one after another until quit or end of input.

    The same use cases as the Telegram bot (:class:`tutorbot.app.play.Play`),
    over a store that lives in memory for one run: the terminal keeps nothing.
    """

    def __init__(
        self,
        library: Library,
        grader: Grader,
        attempts: int,
        out: TextIO,
        terminal: Terminal | None = None,
    ) -> None:
        self.library = library
        self.grader = grader
        self.attempts = attempts
        self.out = out
        self.terminal = terminal  # on a terminal: its keyboard; None in a pipe
        self._images: tuple[ImageView, ...] = ()  # the stage's images, for `describe`

    def play(self, case: Case, stdin: BinaryIO, prompt: bool = False) -> int:
        """Play ``case`` (a draft too: an author trying it) and whatever follows it."""
        return asyncio.run(self._play(case, stdin, prompt))

    async def _play(self, case: Case, stdin: BinaryIO, prompt: bool) -> int:
        if self.library.cases.get(case.id) is not case:
            self.library = replace(self.library, cases={**self.library.cases, case.id: case})
        async with await open_store(IN_MEMORY) as store:
            play = Play(store, self.library, self.grader, self.attempts, drafts=True)
            await self._show(play, await play.start(LEARNER, case))
            lines = self.terminal.lines() if self.terminal else self._lines(stdin, prompt)
            for line in lines:
                state = await play.state(LEARNER)
                if command_word(line) == DESCRIBE:
                    print("\n".join(describe(self._images)), file=self.out, flush=True)
                    continue
                slip = near_command(line) if self.terminal and not self._answer(state) else None
                if slip is not None:
                    print(f"Did you mean {slip}? Type it to do that.", file=self.out, flush=True)
                    continue
                event = to_event(line, state.phase if state else "done")
                if event is None:
                    print("Bye.", file=self.out)
                    return 0
                result = await play.step(LEARNER, None, event)
                self._remember(result)
                await self._show(play, result)
        return 0

    async def _show(self, play: Play, result: Result) -> None:
        reply = result.reply
        if reply is None:
            return
        for message in reply.says:
            for line in CONSOLE_WORDS.get(message.code, message.lines):
                print(line, file=self.out)
        write(reply.actions, self.out)
        if result.pending:  # printed: nothing to show again
            await play.reply_sent(LEARNER, result)

    def _answer(self, state: SessionState | None) -> bool:
        """Whether a line typed now is graded as the diagnosis (the tutor's rule)."""
        if state is None or state.phase not in ("question", "findings"):
            return False
        case = self.library.cases.get(state.case_id)
        last_stage = len(case.stages) - 1 if case is not None else 0
        return state.phase == "question" or state.stage >= last_stage

    def _remember(self, result: Result) -> None:
        """Keep the images of the stage shown last, which `describe` describes."""
        for action in result.reply.actions if result.reply else ():
            if isinstance(action, ShowImages):
                self._images = action.images
            elif isinstance(action, ShowHistory):
                self._images = ()

    def _lines(self, stdin: BinaryIO, prompt: bool) -> Iterator[str]:
        if prompt:
            print("> ", end="", file=self.out, flush=True)
        for line in read_lines(stdin, self.out):
            yield line
            if prompt:
                print("> ", end="", file=self.out, flush=True)


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()
