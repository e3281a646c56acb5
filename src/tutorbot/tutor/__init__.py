"""The tutoring state machine: pure, no Telegram, no I/O."""

from tutorbot.tutor import actions, events
from tutorbot.tutor.engine import Grader, Tutor
from tutorbot.tutor.state import Phase, SessionState, StateError

__all__ = ["Grader", "Phase", "SessionState", "StateError", "Tutor", "actions", "events"]
