"""A learner's place in a case, as plain data that survives restarts and upgrades."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal, get_args

from tutorbot.tutor.progress import CaseOutcome

Phase = Literal["history", "images", "findings", "question", "done"]
STATE_VERSION = 1


class StateError(ValueError):
    """Stored state that cannot be read back (unknown version or shape)."""


@dataclass(frozen=True)
class SessionState:
    """Where a learner is in one case.

    ``stage`` counts from 0 and is meaningful in the ``images`` and
    ``findings`` phases; ``outcome`` is set once the case is ``done``.
    ``case_version`` is the content hash of the case when the session began.
    ``skipped_from`` is the first stage whose findings the learner skipped (by
    skipping to the question or giving up early), so they can be shown after
    the verdict; ``None`` when every stage's findings were shown (or for a
    session stored before this was kept).
    """

    case_id: str
    case_version: str
    phase: Phase = "history"
    stage: int = 0
    attempts_used: int = 0
    hints_shown: int = 0
    outcome: CaseOutcome | None = None
    skipped_from: int | None = None

    def moved(self, **changes: Any) -> SessionState:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {"v": STATE_VERSION, **asdict(self)}

    def dumps(self) -> str:
        """The state as the text a store keeps (the session's one encoding)."""
        return json.dumps(self.to_json())

    @classmethod
    def loads(cls, text: str) -> SessionState:
        """Read text written by :meth:`dumps`; raise :class:`StateError` if it is not that."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise StateError(f"unreadable session state: {error}") from None
        return cls.from_json(data)

    @classmethod
    def from_json(cls, data: Any) -> SessionState:
        """Read state written by :meth:`to_json`; raise :class:`StateError` if it is not that."""
        if not isinstance(data, dict) or data.get("v") != STATE_VERSION:
            raise StateError(f"unsupported session state: {str(data)[:80]}")
        fields = {k: v for k, v in data.items() if k != "v"}
        try:
            state = cls(**fields)
        except TypeError as error:
            raise StateError(f"malformed session state: {error}") from None
        ints = (state.stage, state.attempts_used, state.hints_shown)
        if (
            state.phase not in get_args(Phase)
            or not all(isinstance(n, int) and n >= 0 for n in ints)
            or state.outcome not in (None, *get_args(CaseOutcome))
            or not isinstance(state.case_id, str)
            or not isinstance(state.case_version, str)
            or not (
                state.skipped_from is None
                or (isinstance(state.skipped_from, int) and state.skipped_from >= 0)
            )
        ):
            raise StateError(f"malformed session state: {data!r}"[:200])
        return state
