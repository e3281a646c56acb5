"""``tutorbot cases import|new|publish|schema``: writing cases (issue 5)."""

from __future__ import annotations

from typing import Any


def register(cases: Any) -> None:
    """Add the authoring subcommands to ``tutorbot cases``."""
