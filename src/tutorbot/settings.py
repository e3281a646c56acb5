"""One settings object, read once from the environment (and CLI flags for non-secret options).

Secrets (the bot token) come only from the environment or from a file named
by ``TELEGRAM_BOT_TOKEN_FILE``; never from a command-line flag.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_API_URL = "https://api.telegram.org/bot"
# BotFather tokens look like 123456789:AA... (bot id, colon, 35 url-safe characters).
TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")


class SettingsError(ValueError):
    """A setting is missing or malformed; the message is one sentence for the user."""


@dataclass(frozen=True)
class Settings:
    """Everything the tutor can be configured with; see the README's Configuration table."""

    cases: Path = Path("cases")
    attempts: int = 2
    database: str = "sqlite:///tutorbot.db"
    api_url: str = DEFAULT_API_URL
    instructors: frozenset[int] = frozenset()
    token: str = field(default="", repr=False)
    # Checked on every webhook request (X-Telegram-Bot-Api-Secret-Token); "" means
    # `tutorbot run --webhook` derives one from the token (the same in every process).
    webhook_secret: str = field(default="", repr=False)
    # Run pending storage migrations when the bot opens its database (off: only
    # `tutorbot db migrate` does, and a database behind the schema is refused).
    migrate: bool = True

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read the settings from ``env`` (default: ``os.environ``); ``overrides`` win
        (they come from CLI flags and are ignored when ``None``)."""
        env = os.environ if env is None else env
        settings = cls(
            cases=Path(env.get("TUTORBOT_CASES") or "cases"),
            attempts=_positive_int(env.get("TUTORBOT_ATTEMPTS"), "TUTORBOT_ATTEMPTS", 2),
            database=env.get("TUTORBOT_DATABASE") or cls.database,
            api_url=(env.get("TUTORBOT_API_URL") or DEFAULT_API_URL).rstrip("/"),
            instructors=_user_ids(env.get("TUTORBOT_INSTRUCTORS", "")),
            token=_token_from(env),
            webhook_secret=env.get("TUTORBOT_WEBHOOK_SECRET", "").strip(),
            migrate=_flag(env.get("TUTORBOT_MIGRATE"), "TUTORBOT_MIGRATE", True),
        )
        given = {key: value for key, value in overrides.items() if value is not None}
        if "attempts" in given:
            given["attempts"] = _positive_int(str(given["attempts"]), "--attempts", 2)
        return replace(settings, **given)

    def require_token(self) -> str:
        """The bot token, or a :class:`SettingsError` saying how to provide it."""
        if not self.token:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and export it "
                "(or put it in a file and set TELEGRAM_BOT_TOKEN_FILE)."
            )
        if not TOKEN_PATTERN.match(self.token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token "
                "(expected digits, a colon and about 35 letters, as @BotFather gives it)."
            )
        return self.token


def _token_from(env: Mapping[str, str]) -> str:
    token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
    token_file = env.get("TELEGRAM_BOT_TOKEN_FILE", "").strip()
    if not token and token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as error:
            raise SettingsError(
                f"TELEGRAM_BOT_TOKEN_FILE names {token_file}, which cannot be read "
                f"({error.strerror or error})."
            ) from None
    return token


def _flag(raw: str | None, name: str, default: bool) -> bool:
    if raw is None or raw.strip() == "":
        return default
    word = raw.strip().lower()
    if word in {"1", "true", "yes", "on"}:
        return True
    if word in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be 1 or 0 (or true/false, yes/no, on/off), not {raw!r}.")


def _positive_int(raw: str | None, name: str, default: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None
    if value < 1:
        raise SettingsError(f"{name} must be at least 1, not {value}.")
    return value


def _user_ids(raw: str) -> frozenset[int]:
    ids = set()
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        if not part.lstrip("-").isdigit():
            raise SettingsError(
                f"TUTORBOT_INSTRUCTORS must list numeric Telegram user ids, "
                f"separated by commas; {part!r} is not one."
            )
        ids.add(int(part))
    return frozenset(ids)
