"""Shows the evaluation report of the grader in the normal pytest summary."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    lines = [
        getattr(config, name, None)
        for name in (
            "_tutorbot_grading_report",
            "_tutorbot_unseen_report",
            "_tutorbot_blind_report",
            "_tutorbot_blind2_report",
            "_tutorbot_blind3_report",
            "_tutorbot_blind4_report",
            "_tutorbot_blind5_report",
        )
    ]
    if any(lines):
        terminalreporter.write_sep("-", "grading evaluation")
        for line in lines:
            if line:
                terminalreporter.write_line(line)
