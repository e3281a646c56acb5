"""Shows the evaluation report of the grader in the normal pytest summary."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    line = getattr(config, "_tutorbot_grading_report", None)
    if line:
        terminalreporter.write_sep("-", "grading evaluation")
        terminalreporter.write_line(line)
