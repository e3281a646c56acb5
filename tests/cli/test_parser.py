"""The command line as a whole: --help on every subcommand, ``python -m tutorbot``."""

from __future__ import annotations

import argparse
import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tutorbot import __version__
from tutorbot.cli import build_parser, main
from tutorbot.cli.options import settings_from
from tutorbot.settings import SettingsError

README = Path(__file__).resolve().parents[2] / "README.md"


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


@pytest.mark.parametrize("path", [[], *subcommand_paths()], ids=lambda p: " ".join(p) or "-")
def test_every_command_has_version(path: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*path, "--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"tutorbot {__version__}\n"


@pytest.mark.parametrize("command", ["play", "run"])
def test_attempts_is_taken_where_the_readme_says(command: str) -> None:
    args = build_parser().parse_args([command, "--attempts", "3"])
    assert settings_from(args).attempts == 3
    with pytest.raises(SettingsError, match="--attempts must be at least 1"):
        settings_from(build_parser().parse_args([command, "--attempts", "0"]))


def readme_commands() -> list[tuple[list[str], list[str]]]:
    """Each command the README's table names, with the options it shows for it."""
    rows = []
    for line in README.read_text(encoding="utf-8").splitlines():
        for usage in re.findall(r"`(tutorbot [^`]*)`", line.split("|")[1] if "|" in line else ""):
            words = usage.split()[1:]
            path = list(itertools.takewhile(lambda w: re.fullmatch(r"[a-z]+", w), words))
            rows.append((path, re.findall(r"--[a-z-]+", usage)))
    return rows


def test_the_readme_names_only_options_the_commands_take() -> None:
    rows = readme_commands()
    assert len(rows) >= 10
    paths = {" ".join(p) for p in subcommand_paths()}
    for path, options in rows:
        assert " ".join(path) in paths, path
        parser = build_parser()
        for name in path:
            sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
            parser = sub.choices[name]
        known = {o for action in parser._actions for o in action.option_strings}
        assert set(options) <= known, (path, set(options) - known)
