"""`tutorbot run` refuses bad configuration with one sentence, never a traceback; it serves
the good cases beside broken ones, and logs a failed poll in one line."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from asyncio.subprocess import Process
from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator
from tests.auxil.hostile_cases import GOOD_CASES, write_hostile_cases

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TUTORBOT_", "TELEGRAM_"))}
    base.update({"TUTORBOT_DATABASE": f"sqlite:///{tmp_path / 'bot.db'}", **env})
    return subprocess.run(
        [sys.executable, "-m", "tutorbot", "run"],
        capture_output=True, text=True, env=base, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("env", "sentence"),
    [
        ({}, "TELEGRAM_BOT_TOKEN is not set"),
        ({"TELEGRAM_BOT_TOKEN": "12345"}, "does not look like a bot token"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TUTORBOT_CASES": "/nonexistent"}, "does not exist"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TUTORBOT_API_URL": "http://127.0.0.1:9/bot"},
            "cannot reach the Telegram Bot API",
        ),
    ],
)
def test_bad_configuration_is_one_sentence(
    tmp_path: Path, env: dict[str, str], sentence: str
) -> None:
    done = run(tmp_path, **env)
    assert done.returncode != 0
    assert sentence in done.stderr
    assert "Traceback" not in done.stderr
    assert TOKEN not in done.stderr + done.stdout


def test_a_broken_lexicon_is_one_sentence(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(ROOT / "cases" / "osteosarcoma", cases / "osteosarcoma")
    (cases / "lexicon.yaml").write_text("synonyms:\n  - [a, b\n")
    done = run(tmp_path, TELEGRAM_BOT_TOKEN=TOKEN, TUTORBOT_CASES=str(cases))
    assert done.returncode == 1
    assert f"{cases / 'lexicon.yaml'}:" in done.stderr and "Traceback" not in done.stderr


async def start_bot(botapi: BotApiEmulator, tmp_path: Path, cases: Path) -> Process:
    """``tutorbot run`` in a process of its own, long polling the emulator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TUTORBOT_", "TELEGRAM_"))}
    env.update(
        TELEGRAM_BOT_TOKEN=botapi.token,
        TUTORBOT_API_URL=botapi.base_url,
        TUTORBOT_CASES=str(cases),
        TUTORBOT_DATABASE=f"sqlite:///{tmp_path / 'state' / 'bot.db'}",
    )
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tutorbot", "run",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip


async def stop_bot(process: Process) -> str:
    """SIGINT, as systemd's KillSignal sends it; the process's stderr."""
    process.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return err.decode()


async def test_run_serves_the_good_cases_beside_every_kind_of_broken_one(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    cases = tmp_path / "cases"
    broken = write_hostile_cases(cases, tmp_path / "elsewhere")
    process = await start_bot(botapi, tmp_path, cases)
    try:
        learner = botapi.user("Ann")
        for case_id in GOOD_CASES:
            title = (cases / case_id / "case.yaml").read_text().split("\ntitle: ")[1].split("\n")[0]
            since = botapi.mark()
            botapi.send_text(learner, None, f"/start {case_id}")
            opened = await botapi.wait_for(lambda m: m.chat_id == learner.id, 60, since=since)
            assert title.strip("'\"") in opened.content
    finally:
        err = await stop_bot(process)
    assert "Traceback" not in err
    for name in broken:
        left_out = [line for line in err.splitlines() if f"{cases / name / 'case.yaml'}:" in line]
        assert len(left_out) == 1 and "case left out: " in left_out[0], (name, left_out)
    assert (
        f"{len(GOOD_CASES)} cases loaded, {len(GOOD_CASES)} published, {len(broken)} left out"
        in err
    )
    assert (tmp_path / "state" / "image-cache.json").is_file()  # beside the database
    state = tmp_path / "state"
    assert {p.name: p.stat().st_mode & 0o777 for p in [state, *state.iterdir()]} == {
        "state": 0o700,
        "bot.db": 0o600,
        "image-cache.json": 0o600,
    }


async def test_a_failed_poll_is_one_line_with_a_count(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    cases = tmp_path / "cases"
    shutil.copytree(ROOT / "cases" / "osteosarcoma", cases / "osteosarcoma")
    botapi.fail_next("getUpdates", code=502, times=3)
    process = await start_bot(botapi, tmp_path, cases)
    try:
        learner = botapi.user("Ann")
        botapi.send_text(learner, None, "/help")
        await botapi.wait_for(lambda m: m.chat_id == learner.id, timeout=60)
    finally:
        err = await stop_bot(process)
    failed = [line for line in err.splitlines() if "Polling Telegram failed" in line]
    assert [line.split("failed ", 1)[1] for line in failed] == [
        "once: Bad Gateway; retrying",
        "2 times in a row: Bad Gateway; retrying",
        "3 times in a row: Bad Gateway; retrying",
    ]
    assert "Polling Telegram works again, after 3 failed polls" in err
    assert "Traceback" not in err and botapi.token not in err


def test_the_systemd_unit_keeps_the_state_private() -> None:
    unit = (ROOT / "deploy" / "tutorbot.service").read_text()
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and line[0].isalpha()
    )
    assert settings["UMask"] == "0077"
    assert settings["StateDirectory"] == "tutorbot"
    assert settings["StateDirectoryMode"] == "0700"
    env = (ROOT / "deploy" / "tutorbot.env.example").read_text()
    assert "TUTORBOT_DATABASE=sqlite:////var/lib/tutorbot/" in env  # inside StateDirectory
