"""What storage raises: one base class the caller may report, and its cases."""

from __future__ import annotations


class StoreError(Exception):
    """A storage problem the caller may report; the message is one sentence."""


class UnsupportedDatabase(StoreError):
    """The database URL names a backend this version does not support."""


class ConflictError(StoreError):
    """Another writer advanced the session first (compare-and-set on ``version`` failed)."""


class DatabaseUnavailable(StoreError):
    """The database server cannot be reached, or the connection to it was lost mid-step.

    What the step wrote is rolled back unless the loss came during its commit; an
    update whose step failed is not acknowledged, and its redelivery is recognised
    if the step had in fact been committed.
    """
