"""The aiohttp request under PTB: timeouts, failures and proxies behave as PTB's own request's.

Every bot test already drives it (uploads, albums, retries); these cover what the Bot API
emulator does not: a server that never answers, one that is not there, and proxies.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from tutorbot.telegram import AiohttpRequest

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _serve(handler: Handler) -> AsyncIterator[int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def _answer(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen: list[str]
) -> None:
    """Read one request (its head, and a body of Content-Length), record its first line,
    answer a Bot API success."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    seen.append(head.split("\r\n", 1)[0])
    length = next(
        (
            int(line.split(":")[1])
            for line in head.split("\r\n")
            if line.lower().startswith("content-length")
        ),
        0,
    )
    await reader.readexactly(length)
    body = json.dumps({"ok": True, "result": True}).encode()
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    await writer.drain()
    writer.close()


@pytest.fixture
async def request_() -> AsyncIterator[AiohttpRequest]:
    request = AiohttpRequest(2, read_timeout=0.3, connect_timeout=0.3, pool_timeout=0.3)
    await request.initialize()
    yield request
    await request.shutdown()


async def test_a_server_that_does_not_answer_in_time_is_timed_out(
    request_: AiohttpRequest,
) -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(5)
        writer.close()

    async for port in _serve(silent):
        with pytest.raises(TimedOut):
            await request_.post(f"http://127.0.0.1:{port}/botTOKEN/getMe")
        # A call's own timeout wins over the default.
        with pytest.raises(TimedOut):
            await request_.post(f"http://127.0.0.1:{port}/botTOKEN/getMe", read_timeout=0.1)


async def test_a_server_that_is_not_there_is_a_network_error(request_: AiohttpRequest) -> None:
    server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    server.close()
    await server.wait_closed()
    with pytest.raises(NetworkError) as raised:
        await request_.post(f"http://127.0.0.1:{port}/botTOKEN/getMe")
    assert not isinstance(raised.value, TimedOut)
    assert "aiohttp." in str(raised.value)


async def test_a_call_with_parameters_is_answered(request_: AiohttpRequest) -> None:
    seen: list[str] = []
    async for port in _serve(lambda r, w: _answer(r, w, seen)):
        data = RequestData()
        result = await request_.post(f"http://127.0.0.1:{port}/botTOKEN/getMe", data)
        assert result is True
    assert seen == ["POST /botTOKEN/getMe HTTP/1.1"]


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_a_proxy_from_the_environment_carries_the_calls(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    seen: list[str] = []
    async for port in _serve(lambda r, w: _answer(r, w, seen)):
        for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv(variable, f"http://127.0.0.1:{port}")
        request = AiohttpRequest(1)
        await request.initialize()
        try:
            assert await request.post("http://api.telegram.invalid/botTOKEN/getMe") is True
        finally:
            await request.shutdown()
    # A proxy is sent the whole address (RFC 9112, 3.2.2).
    assert seen == ["POST http://api.telegram.invalid/botTOKEN/getMe HTTP/1.1"]


async def test_no_proxy_and_a_proxy_given_win_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    direct: list[str] = []
    proxied: list[str] = []
    async for port in _serve(lambda r, w: _answer(r, w, direct)):
        async for proxy_port in _serve(lambda r, w: _answer(r, w, proxied)):
            monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{proxy_port}")
            monkeypatch.setenv("NO_PROXY", "127.0.0.1")
            request = AiohttpRequest(1)
            await request.initialize()
            try:
                assert await request.post(f"http://127.0.0.1:{port}/botTOKEN/getMe") is True
            finally:
                await request.shutdown()
            assert (direct, proxied) == (["POST /botTOKEN/getMe HTTP/1.1"], [])
            monkeypatch.delenv("HTTP_PROXY")
            given = AiohttpRequest(1, proxy=f"http://127.0.0.1:{proxy_port}")
            await given.initialize()
            try:
                assert await given.post("http://api.telegram.invalid/botTOKEN/getMe") is True
            finally:
                await given.shutdown()
            assert proxied == ["POST http://api.telegram.invalid/botTOKEN/getMe HTTP/1.1"]


async def test_calls_before_initialize_or_after_shutdown_are_refused() -> None:
    request = AiohttpRequest(1)
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/botTOKEN/getMe", "POST")
    await request.initialize()
    await request.shutdown()
    with pytest.raises(RuntimeError, match="not initialized"):
        await request.do_request("http://127.0.0.1:9/botTOKEN/getMe", "POST")
