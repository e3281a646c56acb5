"""The settings object: defaults, environment, flags, the token, one-sentence errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutorbot.settings import Settings, SettingsError

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawq"


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.cases == Path("cases") and settings.attempts == 2
    assert settings.database == "sqlite:///tutorbot.db"
    assert settings.instructors == frozenset() and settings.token == ""


def test_environment_and_flags() -> None:
    env = {
        "TUTORBOT_CASES": "/srv/cases",
        "TUTORBOT_ATTEMPTS": "3",
        "TUTORBOT_INSTRUCTORS": "12, 34",
    }
    settings = Settings.from_env(env, attempts=5, cases=None)
    assert settings.cases == Path("/srv/cases") and settings.attempts == 5
    assert settings.instructors == {12, 34}


def test_token_from_a_file_and_never_in_repr(tmp_path: Path) -> None:
    (tmp_path / "token").write_text(TOKEN + "\n")
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN_FILE": str(tmp_path / "token")})
    assert settings.require_token() == TOKEN
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TUTORBOT_ATTEMPTS": "two"}, "TUTORBOT_ATTEMPTS must be a whole number"),
        ({"TUTORBOT_ATTEMPTS": "0"}, "at least 1"),
        ({"TUTORBOT_INSTRUCTORS": "alice"}, "numeric Telegram user ids"),
        ({"TELEGRAM_BOT_TOKEN_FILE": "/nonexistent/token"}, "cannot be read"),
    ],
)
def test_bad_settings_are_one_sentence(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


@pytest.mark.parametrize(("token", "message"), [("", "is not set"), ("abc", "does not look like")])
def test_missing_or_malformed_token(token: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as raised:
        Settings.from_env({"TELEGRAM_BOT_TOKEN": token}).require_token()
    assert token not in str(raised.value) or not token
