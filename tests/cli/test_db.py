"""`tutorbot db migrate` on both backends, and `tutorbot run` refusing a database it
cannot serve with one sentence."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutorbot.cli import main
from tutorbot.storage import migrations as schema
from tutorbot.storage.migrations import MIGRATIONS, Migration

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


def test_migrate_brings_the_schema_up_once(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TUTORBOT_DATABASE", database)
    assert main(["db", "migrate"]) == 0
    assert capsys.readouterr().out == (
        f"migrated the database to schema version {len(MIGRATIONS)} "
        f"({len(MIGRATIONS)} migration(s) run)\n"
    )
    assert main(["db", "migrate"]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_a_failing_migration_is_one_line_and_changes_nothing(
    database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TUTORBOT_DATABASE", database)
    broken = Migration(
        len(MIGRATIONS) + 1, "a broken one", "SELECT * FROM nowhere", "SELECT * FROM nowhere"
    )
    monkeypatch.setattr(schema, "MIGRATIONS", (*MIGRATIONS, broken))
    assert main(["db", "migrate"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"tutorbot: migration {len(MIGRATIONS) + 1} (a broken one) failed")
    assert "nothing was changed, the schema stays at version 0" in err
    assert err.count("\n") == 1
    monkeypatch.setattr(schema, "MIGRATIONS", MIGRATIONS)
    assert main(["db", "migrate"]) == 0
    assert f"({len(MIGRATIONS)} migration(s) run)" in capsys.readouterr().out


def run_bot(tmp_path: Path, *flags: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TUTORBOT_", "TELEGRAM_"))}
    base.update({"TELEGRAM_BOT_TOKEN": TOKEN, "TUTORBOT_API_URL": "http://127.0.0.1:9/bot"})
    base.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tutorbot", "run", *flags],
        capture_output=True, text=True, env=base, cwd=ROOT, timeout=120, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("flags", "env", "sentence"),
    [
        (
            ["--no-migrate"],
            {},
            "has schema version 0 and this tutorbot needs",
        ),
        ([], {"TUTORBOT_MIGRATE": "0"}, "run `tutorbot db migrate`"),
        ([], {"TUTORBOT_MIGRATE": "perhaps"}, "TUTORBOT_MIGRATE must be 1 or 0"),
        (
            [],
            {"TUTORBOT_DATABASE": "postgresql://tutor:s3cret@127.0.0.1:9/tutor"},
            "cannot connect to PostgreSQL at 127.0.0.1:9/tutor",
        ),
    ],
)
def test_run_refuses_a_database_it_cannot_serve_in_one_sentence(
    tmp_path: Path, flags: list[str], env: dict[str, str], sentence: str
) -> None:
    env = {"TUTORBOT_DATABASE": f"sqlite:///{tmp_path / 'new.db'}", **env}
    done = run_bot(tmp_path, *flags, **env)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]  # after the log's lines: the one sentence
    assert last.startswith("tutorbot: ") and sentence in last, done.stderr
    assert "Traceback" not in done.stderr and "s3cret" not in done.stderr
