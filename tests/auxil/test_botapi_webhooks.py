"""The emulator's webhook delivery: Telegram's semantics, and a load balancer in front of
several bot processes (what `tutorbot run --webhook` in N processes is tested against)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp.web
import pytest
from telegram.error import BadRequest, Conflict

from tests.auxil.botapi import BotApiEmulator, FakeUser

PUBLIC = "https://bot.example.org/tg"
#: Nothing listens there: a process that is down.
DOWN = "http://127.0.0.1:9/tg"


@dataclass
class Receiver:
    """A plain aiohttp webhook receiver: records what it got, answers what it is told."""

    name: str
    url: str = ""
    got: list[tuple[str | None, dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    #: Awaited before answering (a slow process).
    delay: Callable[[dict[str, Any]], Awaitable[None]] | None = None
    in_flight: int = 0
    most_in_flight: int = 0

    @property
    def update_ids(self) -> list[int]:
        return [int(body["update_id"]) for _, body in self.got]

    async def hook(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        body = await request.json()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            if self.delay is not None:
                await self.delay(body)
            self.got.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), body))
            return aiohttp.web.Response(status=self.status)
        finally:
            self.in_flight -= 1


@contextlib.asynccontextmanager
async def receivers(*names: str) -> AsyncIterator[list[Receiver]]:
    runners: list[aiohttp.web.AppRunner] = []
    made: list[Receiver] = []
    try:
        for name in names:
            receiver = Receiver(name)
            web_app = aiohttp.web.Application()
            web_app.router.add_post("/tg", receiver.hook)
            runner = aiohttp.web.AppRunner(web_app, shutdown_timeout=0.1)
            await runner.setup()
            runners.append(runner)
            await aiohttp.web.TCPSite(runner, "127.0.0.1", 0).start()
            receiver.url = f"http://127.0.0.1:{runner.addresses[0][1]}/tg"
            made.append(receiver)
        yield made
    finally:
        for runner in runners:
            await runner.cleanup()


def texts(botapi: BotApiEmulator, users: list[FakeUser], each: int) -> list[dict[str, Any]]:
    return [botapi.send_text(u, None, f"{u.first_name} {n}") for n in range(each) for u in users]


async def test_round_robin_over_the_processes_with_the_secret(botapi: BotApiEmulator) -> None:
    users = [botapi.user(f"U{n}") for n in range(6)]
    async with receivers("a", "b") as (a, b), botapi.bot() as bot:
        botapi.route_webhook(PUBLIC, [a.url, b.url])
        assert await bot.set_webhook(PUBLIC, secret_token="s3cret")
        sent = texts(botapi, users, 2)
        await botapi.wait_until_delivered()
        assert len(a.got) == len(b.got) == 6  # taken in turn
        assert {secret for secret, _ in a.got + b.got} == {"s3cret"}
        assert sorted(a.update_ids + b.update_ids) == [u["update_id"] for u in sent]
        info = await bot.get_webhook_info()
        assert info.url == PUBLIC and info.pending_update_count == 0
        assert info.max_connections == 40  # Telegram's default
        with pytest.raises(Conflict, match=r"(?i)webhook is active"):
            await bot.get_updates()


async def test_a_failed_post_is_tried_again_on_the_next_process(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    async with receivers("broken", "good") as (broken, good), botapi.bot() as bot:
        broken.status = 500
        botapi.route_webhook(PUBLIC, [broken.url, good.url, DOWN])
        await bot.set_webhook(PUBLIC)
        update = botapi.send_text(alice, None, "hello")
        await botapi.wait_until_delivered()
        tries = [(d.url, d.status) for d in botapi.webhook_deliveries]
        assert tries == [(broken.url, 500), (good.url, 200)]
        assert good.update_ids == [update["update_id"]]
        # A process that is down (connection refused) is passed over the same way.
        second = botapi.send_text(alice, None, "again")
        await botapi.wait_until_delivered()
        tries = [(d.url, d.status) for d in botapi.webhook_deliveries[2:]]
        assert tries == [(DOWN, None), (broken.url, 500), (good.url, 200)]
        assert good.update_ids == [update["update_id"], second["update_id"]]
        assert botapi.webhook_deliveries[2].error  # why there was no answer
        info = await bot.get_webhook_info()
        assert info.last_error_message is not None


async def test_an_update_never_accepted_is_given_up_after_the_attempts(
    botapi: BotApiEmulator,
) -> None:
    alice = botapi.user()
    async with receivers("broken") as (broken,), botapi.bot() as bot:
        broken.status = 503
        await bot.set_webhook(broken.url)
        botapi.send_text(alice, None, "lost")
        await botapi.wait_until_delivered(timeout=10)
        assert [d.status for d in botapi.webhook_deliveries] == [503] * 8
        assert broken.got and (await bot.get_webhook_info()).pending_update_count == 0


async def test_at_most_max_connections_and_one_post_per_chat(botapi: BotApiEmulator) -> None:
    users = [botapi.user(f"U{n}") for n in range(8)]
    order: dict[int, list[str]] = {}
    seen_in_flight: list[int] = []

    async with receivers("a", "b") as (a, b), botapi.bot() as bot:

        async def slow(body: dict[str, Any]) -> None:
            chat = int(body["message"]["chat"]["id"])
            seen_in_flight.append(a.in_flight + b.in_flight)
            await asyncio.sleep(0.02)
            order.setdefault(chat, []).append(body["message"]["text"])

        a.delay = b.delay = slow
        botapi.route_webhook(PUBLIC, [a.url, b.url])
        await bot.set_webhook(PUBLIC, max_connections=3)
        texts(botapi, users, 3)
        await botapi.wait_until_delivered(timeout=10)
        assert (await bot.get_webhook_info()).max_connections == 3
    assert botapi.most_posts_at_once == 3  # never more, and the limit was reached
    assert max(seen_in_flight) <= 3
    # One chat's updates arrive one after the other, in order, whichever process takes them.
    assert order == {u.id: [f"{u.first_name} {n}" for n in range(3)] for u in users}


async def test_set_webhook_options(botapi: BotApiEmulator) -> None:
    alice = botapi.user()
    async with receivers("a") as (a,), botapi.bot() as bot:
        dropped = botapi.send_text(alice, None, "before the webhook")
        await bot.set_webhook(a.url, drop_pending_updates=True, allowed_updates=["callback_query"])
        botapi.send_text(alice, None, "a message, not asked for")
        await botapi.wait_until_delivered()
        assert a.got == []
        info = await bot.get_webhook_info()
        assert info.allowed_updates == ("callback_query",)
        await bot.set_webhook(a.url, allowed_updates=["message"])
        kept = botapi.send_text(alice, None, "a message")
        await botapi.wait_until_delivered()
        assert a.update_ids == [kept["update_id"]] != [dropped["update_id"]]
        with pytest.raises(BadRequest, match="max_connections"):
            await bot.set_webhook(a.url, max_connections=101)
        # deleteWebhook keeps what is pending unless told to drop it; polling works again.
        assert await bot.delete_webhook()
        waiting = botapi.send_text(alice, None, "while polling")
        assert [u.update_id for u in await bot.get_updates()] == [waiting["update_id"]]
