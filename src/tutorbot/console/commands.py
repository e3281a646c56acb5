"""``tutorbot play``: the tutor in a terminal."""

from __future__ import annotations

from typing import Any


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser("play", help="play a case in the terminal")
    parser.set_defaults(func=lambda args: 2)
