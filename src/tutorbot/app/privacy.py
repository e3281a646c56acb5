"""A learner's own data: everything kept about them (a subject access request,
``tutorbot db export-learner USER_ID``), their answers (/myanswers), and deleting them
(/forget_me).

Deleting takes every answer (with its regrades) and every finished case of
the learner out of storage, so they leave every class's results and exports;
the learner's case in progress ends too. It asks first: the front end shows
:data:`ASK` with a confirming button, and only that press deletes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tutorbot.cases import Library
from tutorbot.grading.curation import Grader, mark_of
from tutorbot.storage import Change, SessionKey, Store
from tutorbot.tutor import Tutor

#: How many of a learner's answers /myanswers lists (newest first).
SHOWN = 30
ASK = (
    "This deletes every answer you gave and every case you finished: your progress, "
    "and your answers in your classes' results. It cannot be undone. Delete them?"
)
CONFIRM = "Delete my answers"
NOTHING = "You have no answers stored: there is nothing to show or delete."


class Privacy:
    """The learner's own-data use cases."""

    def __init__(self, store: Store, library: Library, grader: Grader) -> None:
        self.store = store
        self.library = library
        self.grader = grader

    def _title(self, case_id: str) -> str:
        case = self.library.current(case_id)
        return Tutor(case, self.grader).title if case else case_id

    async def my_answers(self, user_id: int) -> list[str]:
        """The learner's answers as lines, newest first (at most :data:`SHOWN`)."""
        answers = await self.store.answers.list(user_id=user_id)
        if not answers:
            return [NOTHING]
        out = [f"Your answers ({len(answers)}), newest first:"]
        for answer in reversed(answers[-SHOWN:]):
            day = answer.at.date().isoformat() if answer.at else ""
            text = answer.answer if len(answer.answer) <= 100 else answer.answer[:99] + "…"
            out.append(f"{mark_of(answer.verdict)} “{text}” — {self._title(answer.case_id)} {day}")
        if len(answers) > SHOWN:
            out.append(f"… and {len(answers) - SHOWN} older ones.")
        out.append("/forget_me deletes them all.")
        return out

    async def forget(self, key: SessionKey) -> int:
        """Delete the learner's answers, regrades and finished cases, and end their case in
        progress; how many answers were deleted."""
        removed = await self.store.answers.forget(key.user_id)
        await self.store.apply(None, key, lambda current: Change(None, delete=current is not None))
        return removed


async def export_learner(store: Store, user_id: int, now: datetime) -> dict[str, Any]:
    """Everything stored about ``user_id``: every row that names them (per
    ``table.column``) and the updates from them received but not yet handled."""
    rows = await store.rows_about(user_id)
    waiting = [
        {"update_id": entry.update_id, "received_at": entry.received_at.isoformat(), "body": body}
        for entry in await store.inbox.waiting()
        if _from(body := json.loads(entry.body), user_id)
    ]
    return {
        "user_id": user_id,
        "exported_at": now.isoformat(),
        "rows": rows,
        "updates_not_yet_handled": waiting,
    }


def _from(update: Any, user_id: int) -> bool:
    """Whether a Telegram update (as JSON) was sent by ``user_id`` (its ``from`` anywhere)."""
    if isinstance(update, dict):
        sender = update.get("from")
        if isinstance(sender, dict) and sender.get("id") == user_id:
            return True
        return any(_from(value, user_id) for value in update.values())
    if isinstance(update, list):
        return any(_from(value, user_id) for value in update)
    return False
