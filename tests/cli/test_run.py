"""`tutorbot run` refuses bad configuration with one sentence, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

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
