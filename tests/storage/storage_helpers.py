"""Helpers for the storage contract tests (public interface only)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Coroutine, Iterator
from typing import Any, TypeVar

from tutorbot.storage import Change, SessionKey, SessionRecord, Store, open_store

KEY = SessionKey(chat_id=10, thread_id=0, user_id=20)
T = TypeVar("T")
Run = Callable[[Coroutine[Any, Any, T]], T]


class Opener:
    """Opens stores on one database (``url``); every store opened is closed at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.opened: list[Store] = []

    async def __call__(self) -> Store:
        store = await open_store(self.url)
        self.opened.append(store)
        return store


@contextlib.contextmanager
def elsewhere(url: str) -> Iterator[tuple[Store, Run[Any]]]:
    """A store on a thread and event loop of its own: as far as the store knows, another
    process. ``run(coroutine)`` runs there and blocks until it is done, so a function
    passed to ``apply`` can make that other process write in the middle of it."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    def run(coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=10)

    store = run(open_store(url))
    try:
        yield store, run
    finally:
        run(store.close())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()


def put(
    state: str, case_id: str = "case-a", result: str = "ok"
) -> Callable[[SessionRecord | None], Change[str]]:
    """A change that writes ``state`` to the session of ``case_id``."""

    def fn(current: SessionRecord | None) -> Change[str]:
        return Change(result=result, state=state, case_id=case_id, case_version="v1")

    return fn


def keeping(
    body: str, state: str | None = None, *, delete: bool = False
) -> Callable[[SessionRecord | None], Change[str]]:
    """A change that keeps the reply ``body`` in the outbox (writing ``state`` unless ``None``;
    ending the session with ``delete``)."""

    def fn(current: SessionRecord | None) -> Change[str]:
        return Change(
            result="ok",
            state=state,
            case_id="case-a",
            case_version="v1",
            delete=delete,
            outbox=body,
        )

    return fn
