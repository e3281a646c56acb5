"""Shows the blind set 4 summary line in the pytest summary, as tests/grading/conftest.py
does for the other sets (it lists its own sets only; this one is run once, by the lead)."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    line = getattr(config, "_tutorbot_blind4_report", None)
    if line:
        terminalreporter.write_sep("-", "grading evaluation (blind set 4)")
        terminalreporter.write_line(line)
