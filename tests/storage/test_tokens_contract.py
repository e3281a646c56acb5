"""The storage contract for tokens: payloads too long for Telegram's 64-byte callback data."""

from __future__ import annotations

import re

from tests.storage.storage_helpers import Opener
from tutorbot.storage import Store

LONG = "v1:open:" + "a-case-with-a-very-long-identifier/" * 3


async def test_a_token_is_short_url_safe_and_reads_back(store: Store) -> None:
    token = await store.tokens.put(LONG)
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,22}", token)
    assert await store.tokens.get(token) == LONG


async def test_the_same_payload_gets_the_same_token(store: Store) -> None:
    first = await store.tokens.put(LONG)
    assert await store.tokens.put(LONG) == first
    other = await store.tokens.put(LONG + "!")
    assert other != first
    assert (await store.tokens.get(first), await store.tokens.get(other)) == (LONG, LONG + "!")


async def test_an_unknown_token_reads_as_none(store: Store) -> None:
    assert await store.tokens.get("AAAAAAAAAAAAAAAAAAAAAA") is None
    assert await store.tokens.get("") is None


async def test_tokens_are_shared_by_processes_and_survive_a_restart(backend: Opener) -> None:
    one = await backend()
    payload = "v1:pick:héllo wörld ✓"
    token = await one.tokens.put(payload)
    await one.close()
    two = await backend()
    assert await two.tokens.get(token) == payload
    assert await two.tokens.put(payload) == token
