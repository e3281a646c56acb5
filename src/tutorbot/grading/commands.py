"""``tutorbot grade``: grade answers against a case, as JSON lines or in plain words."""

from __future__ import annotations

from typing import Any


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser("grade", help="grade answers against a case (issue 3)")
    parser.set_defaults(func=lambda args: 2)
