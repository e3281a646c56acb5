"""The command line as a whole: --help on every subcommand, ``python -m tutorbot``."""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from tutorbot.cli import build_parser, main


def subcommand_paths() -> list[list[str]]:
    """Every command and subcommand of the parser, as argument lists."""
    paths: list[list[str]] = []

    def walk(parser: argparse.ArgumentParser, prefix: list[str]) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    paths.append([*prefix, name])
                    walk(sub, [*prefix, name])

    walk(build_parser(), [])
    return paths


@pytest.mark.parametrize("path", subcommand_paths(), ids=" ".join)
def test_every_subcommand_has_help(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*path, "--help"])
    assert exited.value.code == 0
    assert "usage: tutorbot" in capsys.readouterr().out


def test_python_dash_m_is_the_same_command() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "tutorbot", "--help"], capture_output=True, text=True, check=False
    )
    assert run.returncode == 0 and "play" in run.stdout and "cases" in run.stdout
