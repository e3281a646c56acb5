"""One step of the schema, written for each backend."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    """Schema step ``number``: what it does, and its SQL for SQLite and for PostgreSQL.

    Each text is one or more statements separated by ``;`` (no ``;`` inside a
    string literal: the SQLite runner splits on it). Both texts must leave the
    same tables and columns (the contract suite compares them); types follow
    each backend's habits (SQLite keeps times as ISO text, PostgreSQL as
    ``timestamptz``).
    """

    number: int
    about: str
    sqlite: str
    postgres: str
