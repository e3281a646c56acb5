"""`tutorbot play` on a real pseudo-terminal, so that readline is really in play: line
editing, history, shortcuts, "did you mean", the case list and Ctrl-D."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.auxil.case_files import GOOD, write_case
from tutorbot.console.terminal import distance, near_command

REPO = Path(__file__).resolve().parents[2]
# Escape sequences a terminal program writes: CSI (cursor moves, bracketed paste), OSC, keypad.
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[=>]|[\r\x07\x08]")
LEFT, UP, ENTER, CTRL_C, CTRL_D = "\x1b[D", "\x1b[A", "\r", "\x03", "\x04"
PROMPT = "> "


def controlled() -> None:
    """In the child: a session of its own whose controlling terminal is the pseudo-terminal
    (its stdin), so that Ctrl-C typed there sends SIGINT, as in a real terminal. SIGINT is
    reset to its default: a test run started in the background (as CI may start it) passes
    SIGINT on ignored, which no learner's terminal session does."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """`tutorbot play ARGS` with a pseudo-terminal as its stdin, stdout and stderr."""

    def __init__(self, *args: str) -> None:
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 250, 0, 0))
        env = {**os.environ, "TERM": "xterm", "PYTHONIOENCODING": "utf-8"}
        env.pop("TUTORBOT_CASES", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tutorbot", "play", *args],
            stdin=slave, stdout=slave, stderr=slave, cwd=REPO, env=env, preexec_fn=controlled,
        )  # fmt: skip
        os.close(slave)
        self.master = master
        self.raw = b""
        self.seen = 0  # how much of the screen text earlier expects consumed

    @property
    def text(self) -> str:
        """Everything written so far, without escape sequences."""
        return ESCAPES.sub("", self.raw.decode("utf-8", errors="replace"))

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            chunk = os.read(self.master, 65536)
        except OSError:  # EIO: the child has closed the terminal
            return False
        self.raw += chunk
        return bool(chunk)

    def expect(self, wanted: str, timeout: float = 30.0) -> str:
        """Wait until ``wanted`` appears after what earlier calls consumed; what came before."""
        deadline = time.monotonic() + timeout
        while (found := self.text.find(wanted, self.seen)) < 0:
            left = deadline - time.monotonic()
            if left <= 0 or (not self._read(min(left, 0.2)) and self.process.poll() is not None):
                raise AssertionError(f"{wanted!r} never appeared; the screen:\n{self.text}")
        before, self.seen = self.text[self.seen : found], found + len(wanted)
        return before

    def type(self, keys: str) -> None:
        """Type at the next prompt (readline must be reading before keys arrive)."""
        self.expect(PROMPT)
        os.write(self.master, keys.encode())

    def wait_until_waiting(self, timeout: float = 30.0) -> None:
        """Until the child sleeps (Linux: /proc), as it does in select() between keys.

        Python's readline looks at signals only when select() is interrupted: a Ctrl-C
        that lands while it handles the keys before is seen at the next key instead.
        A person never types that fast; a test writing both at once does."""
        deadline = time.monotonic() + timeout
        stat = Path(f"/proc/{self.process.pid}/stat")
        while stat.read_text().rsplit(")", 1)[1].split()[0] != "S":
            if time.monotonic() > deadline:
                raise AssertionError("the child never waited for input")
            time.sleep(0.01)

    def exit_code(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            self._read(0.1)
        return self.process.wait(timeout=1)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        os.close(self.master)


@pytest.fixture
def terminal() -> Iterator[list[Terminal]]:
    """Started terminals, closed at the end (kill if still running)."""
    started: list[Terminal] = []
    yield started
    for term in started:
        term.close()


def start(started: list[Terminal], *args: str) -> Terminal:
    term = Terminal(*args)
    started.append(term)
    return term


def test_line_editing_history_and_ctrl_d(terminal: list[Terminal]) -> None:
    pytest.importorskip("readline", reason="this Python was built without readline")
    term = start(terminal, "--case", "extramedullary-hematopoiesis")
    term.expect("Keys: n next")
    term.type(f"net{LEFT}x{ENTER}")  # typed "net", went back one and put the x in: "next"
    term.expect("-- Stage 1 of 2")
    term.type(f"hint{ENTER}")
    term.expect("Hint 1 of 3")
    term.type(f"{UP}{ENTER}")  # the line typed before: hint again
    term.expect("Hint 2 of 3")
    term.type(CTRL_D)
    term.expect("Bye.")
    assert term.exit_code() == 0
    assert "Traceback" not in term.text


def test_shortcuts_and_did_you_mean_but_never_at_the_question(terminal: list[Terminal]) -> None:
    term = start(terminal, "--case", "extramedullary-hematopoiesis")
    term.type(f"nxet{ENTER}")
    said = term.expect(PROMPT)
    assert "Did you mean next?" in said and "comes after the images" not in said
    term.seen -= len(PROMPT)  # the prompt is the one `type` waits for
    term.type(f"n{ENTER}")
    term.expect("-- Stage 1 of 2")
    term.type(f"h{ENTER}")
    term.expect("Hint 1 of 3")
    term.type(f"s{ENTER}")
    term.expect("(attempt 1 of 2)")
    term.type(f"nexus{ENTER}")  # two slips from "next", but here it is a diagnosis
    graded = term.expect("Try again:")
    assert "❌" in graded and "Did you mean" not in graded
    term.type(f"r{ENTER}")
    term.expect("Diagnosis: Extramedullary hematopoiesis")
    term.type(f"q{ENTER}")
    term.expect("Bye.")
    assert term.exit_code() == 0


def test_the_case_list_hides_a_title_that_names_the_diagnosis(
    terminal: list[Terminal], tmp_path: Path
) -> None:
    write_case(tmp_path, "a-good-case")
    titled = GOOD.format(id="named", status="published").replace("A good case", "Lung cancer")
    write_case(tmp_path, "named", titled)
    term = start(terminal, "--cases", str(tmp_path))
    listing = term.expect("Pick a case by number (Enter for 1, q to quit): ")
    assert "Lung cancer" not in listing
    assert re.search(r"1\. A good case", listing) and re.search(r"2\. A new case", listing)
    os.write(term.master, f"7{ENTER}".encode())
    term.expect("Please type a number from 1 to 2.")
    term.expect("Pick a case by number")
    os.write(term.master, f"2{ENTER}".encode())
    term.expect("== A new case ==")
    term.type(f"q{ENTER}")
    term.expect("Bye.")
    assert term.exit_code() == 0


def test_ctrl_c_at_the_prompt_says_goodbye_at_once(terminal: list[Terminal]) -> None:
    """asyncio.run's own Ctrl-C handling waited for Enter while input() blocked the loop."""
    term = start(terminal, "--case", "osteosarcoma")
    term.type("half a line")
    term.expect("half a line")  # readline has read it ...
    term.wait_until_waiting()  # ... and waits for more: where a learner presses Ctrl-C
    os.write(term.master, CTRL_C.encode())
    term.expect("Bye.")
    assert term.exit_code() == 0
    assert "Traceback" not in term.text and "KeyboardInterrupt" not in term.text


def test_ctrl_d_at_the_case_list_says_goodbye(terminal: list[Terminal]) -> None:
    term = start(terminal)
    term.expect("Pick a case by number")
    os.write(term.master, CTRL_D.encode())
    term.expect("Bye.")
    assert term.exit_code() == 0


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("nxet", "next"),
        ("nxt", "next"),
        ("hnit", "hint"),
        ("Reveel", "reveal"),
        ("/restrat", "restart"),
        ("quti", "quit"),
        ("descibe", "describe"),
        ("next", None),  # a command already
        ("n", None),  # a shortcut
        ("pneumothorax", None),
        ("next stage", None),  # only a lone word
        ("it", None),
    ],
)
def test_near_command(typed: str, meant: str | None) -> None:
    assert near_command(typed) == meant


def test_distance_counts_a_swap_as_one() -> None:
    assert distance("hnit", "hint") == 1
    assert distance("next", "next") == 0
    assert distance("", "skip") == 4
