"""What storage raises: one base class the caller may report, and its cases."""

from __future__ import annotations


class StoreError(Exception):
    """A storage problem the caller may report; the message is one sentence."""


class UnsupportedDatabase(StoreError):
    """The database URL names a backend this version does not support."""


class ConflictError(StoreError):
    """Another writer advanced the session first (compare-and-set on ``version`` failed)."""
