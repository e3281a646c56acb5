"""One send budget for every process of the bot: two processes serving one webhook on one
database send, together, within one bot's flood limits (not twice them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator
from tests.telegram.webhookflow import start_process
from tutorbot.telegram.budget import SendBudget

#: The bot's overall limit here (Telegram's is 30 a second; smaller keeps the test short).
PER_SECOND = 4
USERS = 24


@pytest.mark.parametrize("shared", [True, False])
async def test_two_processes_keep_one_bots_limit_together(
    botapi: BotApiEmulator, tmp_path: Path, shared: bool
) -> None:
    # The emulator refuses a sixth message within a second; each process alone keeps to 4.
    botapi.flood_limits(private_interval=0.0, per_second=PER_SECOND + 1)
    behind: list[str] = []
    processes = [
        await start_process(
            botapi,
            tmp_path / "bot.db",
            behind,
            budget=SendBudget(per_second=PER_SECOND, private_interval=0.0),
            shared_budget=shared,
        )
        for _ in range(2)
    ]
    try:
        users = [botapi.user(f"U{n}") for n in range(USERS)]
        for user in users:
            botapi.send_text(user, None, "/help")
        await botapi.wait_until_handled(timeout=60)
    finally:
        for process in processes:
            await process.stopped()
    served = {d.url for d in botapi.webhook_deliveries if d.status == 200}
    assert served == set(behind)  # both processes sent replies
    if shared:
        assert botapi.flood_refusals == []
        assert all(botapi.sent(u) for u in users)  # everyone answered
        times = sorted(s.at for s in botapi.message_sends)
        # No second held more than the bot's limit (a little jitter: each call's travel).
        assert all(b - a >= 0.9 for a, b in zip(times, times[PER_SECOND + 1 :], strict=False))
    else:  # each process within its own limit, both together over the bot's
        assert botapi.flood_refusals
