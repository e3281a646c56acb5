"""Errors that end a command with one clear sentence instead of a traceback."""

from __future__ import annotations


class CommandError(Exception):
    """A command cannot go on; the message is one clear sentence for the user."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
