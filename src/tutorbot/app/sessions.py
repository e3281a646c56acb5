"""A stored session read back as a case and a tutor state, and a tutor step as a change to store."""

from __future__ import annotations

import logging
from typing import NamedTuple

from tutorbot.app.replies import Reply
from tutorbot.cases import Case
from tutorbot.storage import AnswerRecord, Change, FinishedCase, SessionKey, SessionRecord
from tutorbot.tutor import SessionState, StateError, actions

log = logging.getLogger(__name__)


class Loaded(NamedTuple):
    """A session's case and where the learner is in it."""

    case: Case
    state: SessionState


def decode(current: SessionRecord, case: Case) -> Loaded | None:
    """The session's state in ``case``; ``None`` (logged) when it cannot be read back."""
    loaded = decode_state(case, current.state)
    if loaded is None:
        log.warning("Session %s holds unreadable state; starting over", current.key)
    return loaded


def decode_state(case: Case, state: str) -> Loaded | None:
    """A stored state of ``case`` read back; ``None`` when it cannot be."""
    try:
        return Loaded(case, SessionState.loads(state))
    except StateError:
        return None


def started(
    case: Case, state: SessionState, shown: list[actions.Action], *, source: str | None = None
) -> Change[Reply]:
    """A new session for ``case`` at ``state``, showing ``shown``, opened now (``source``:
    the push or round it came from)."""
    return Change(
        Reply(actions=shown),
        state=state.dumps(),
        case_id=case.id,
        case_version=case.version,
        opened=True,
        source=source,
    )


def recorded(
    key: SessionKey,
    case: Case,
    old: SessionState,
    new: SessionState,
    shown: list[actions.Action],
    *,
    name: str = "",
) -> Change[Reply]:
    """The change one tutor step makes: the new state, the answers graded (each with its
    attempt number, the hints seen before it and ``name``, the learner's display name) and
    the case finished in it, and ``shown`` as the reply."""
    answers = [
        AnswerRecord(
            key.chat_id,
            key.user_id,
            case.id,
            case.version,
            action.verdict.answer,
            action.verdict.verdict,
            action.verdict.score,
            action.verdict.matched,
            name=name,
            attempt=new.attempts_used,
            hints=old.hints_shown,
        )
        for action in shown
        if isinstance(action, actions.ShowVerdict)
    ]
    # A restart opens the case again: time to an answer counts from now.
    reopened = new != old and new == SessionState(case.id, case.version)
    finished = [
        FinishedCase(key.user_id, case.id, case.version, action.outcome)
        for action in shown
        if isinstance(action, actions.RevealDiagnosis)
    ]
    # An unchanged state is not written, so the version (and the buttons) stay valid.
    return Change(
        Reply(actions=shown),
        state=None if new == old else new.dumps(),
        case_id=case.id,
        case_version=new.case_version,
        answers=answers,
        finished=finished,
        opened=reopened,
    )
