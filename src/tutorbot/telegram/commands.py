"""``tutorbot run``: start the Telegram bot."""

from __future__ import annotations

from typing import Any


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser("run", help="run the Telegram bot (issue 4)")
    parser.set_defaults(func=lambda args: 2)
