"""A problem found in a case file, reported as ``file:line: message``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case file, with where it is and how to fix it."""

    file: Path
    line: int
    message: str
    hint: str = ""
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else f"{self.file}"
        label = "warning: " if self.severity == "warning" else ""
        text = f"{where}: {label}{self.message}"
        return f"{text} (fix: {self.hint})" if self.hint else text
