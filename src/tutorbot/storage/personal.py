"""Where the storage keeps a person's data: the table columns that hold a Telegram user id.

:meth:`Store.rows_about` reads every row in which one of these columns holds
a user's id, on every backend (``tutorbot db export-learner`` shows them).
A table added with a user id in it goes here too: the contract suite fails
for a column named ``user_id``, ``..._by`` or ``by_...`` that is missing.
"""

from __future__ import annotations

#: (table, column) pairs; a row belongs to the user whose id the column holds.
PERSONAL_DATA: tuple[tuple[str, str], ...] = (
    ("users", "user_id"),
    ("sessions", "user_id"),
    ("answers", "user_id"),
    ("finished_cases", "user_id"),
    ("outbox", "user_id"),
    ("live_buttons", "user_id"),
    ("instructors", "user_id"),
    ("instructors", "added_by"),
    ("class_instructors", "user_id"),
    ("class_members", "user_id"),
    ("class_groups", "added_by"),
    ("class_groups", "confirmed_by"),
    ("links", "created_by"),
    ("links", "used_by"),
    ("rounds", "started_by"),
    ("round_answers", "user_id"),
    ("round_bindings", "user_id"),
    ("anonymous_users", "user_id"),
    ("pushes", "by_user"),
    ("schedules", "by_user"),
    # A push delivered to a private chat: a private chat's id is its user's id.
    ("deliveries", "chat_id"),
)


def is_personal(column: str) -> bool:
    """Whether a column's name says it holds a user id (the contract suite's rule)."""
    return column == "user_id" or column.endswith("_by") or column.startswith("by_")
