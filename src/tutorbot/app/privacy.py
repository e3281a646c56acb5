"""What the bot keeps about one person, for them or their institution to see (a subject
access request): ``tutorbot db export-learner USER_ID``."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from tutorbot.storage import Store


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
