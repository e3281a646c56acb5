"""The group rounds' port over Telegram: what a round posts, rendered and sent through the
one send budget, the status message edited at most every few seconds, private lines.

Everything goes to the round's forum topic (``message_thread_id``). A 403 from a group
means the bot may not post there any more: :class:`~tutorbot.app.rounds.ChatGone`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence

from telegram import Bot
from telegram.error import BadRequest, Forbidden, TelegramError

from tutorbot.app.round_texts import StatusView, summary_lines
from tutorbot.app.rounds import ChatGone, Where
from tutorbot.rounds import Round, Summary
from tutorbot.storage import Store
from tutorbot.telegram import callbacks
from tutorbot.telegram._parts import plan
from tutorbot.telegram._render import Button, Line, Out, Text, _photos, merge, render
from tutorbot.telegram._sender import Blocked, Sender
from tutorbot.telegram.budget import Priority
from tutorbot.tutor import actions as a

log = logging.getLogger(__name__)

#: The least time between two edits of a round's status message, in seconds: edits
#: count toward a group's 20 messages a minute.
STATUS_EVERY = 5.0


def material(shown: Sequence[a.Action]) -> list[Out]:
    """The history or a stage's plain images, with no buttons (the status has them)."""
    outs: list[Out] = []
    for action in shown:
        match action:
            case a.ShowHistory(title=title, history=history, stages=stages):
                lines = [Line.bold(title), Line.blank(), Line.text("Clinical history:")]
                lines += [Line.text(f"• {item}") for item in history]
                follow = "1 stage of images follows" if stages == 1 else f"{stages} stages follow"
                lines += [Line.blank(), Line.italic(f"{follow}; Next ▶ on the status shows them.")]
                outs.append(Text(tuple(lines)))
            case a.ShowImages(stage=n, stages=total, title=title, images=images, question=q):
                heading = Line.bold(f"Stage {n} of {total}" + (f": {title}" if title else ""))
                prompt = [Line.blank(), Line.text(q)] if q else []
                outs.append(_photos(heading, images, prompt, ()))
            case _:
                outs += render([action], 0)
    return outs


def status_message(view: StatusView) -> Text:
    buttons: list[Button] = []
    if view.link and view.round.open:
        buttons.append(Button("✍️ Answer privately", "", "act", url=view.link))
    if view.has_next:
        data = callbacks.round_next(view.round.id, view.round.version)
        buttons.append(Button("Next ▶", data, "act"))
    return Text(tuple(Line.text(line) for line in view.lines()), tuple(buttons))


class TelegramRounds:
    """:class:`~tutorbot.app.rounds.RoundPort` over one bot and the sender."""

    def __init__(
        self,
        bot: Bot,
        sender: Sender,
        store: Callable[[], Store],
        *,
        status_every: float = STATUS_EVERY,
    ) -> None:
        self.bot = bot
        self.sender = sender
        self._store = store
        self.status_every = status_every
        self._edited: dict[int, float] = {}
        self._latest: dict[int, StatusView] = {}
        self._waiting: dict[int, asyncio.Task[None]] = {}

    async def material(self, rnd: Round, shown: Sequence[a.Action]) -> None:
        await self._send(rnd.chat_id, rnd.thread_id, material(shown))

    async def reveal(self, rnd: Round, shown: Sequence[a.Action], summary: Summary) -> None:
        lines = [Line.bold("🔓 Summary"), *(Line.text(line) for line in summary_lines(summary))]
        await self._send(rnd.chat_id, rnd.thread_id, merge([*render(shown, 0), Text(tuple(lines))]))

    async def line(self, where: Where, text: str) -> None:
        message = Text(tuple(Line.text(line) for line in text.split("\n")))
        await self._send(where.chat_id, where.thread_id, [message])

    async def offer(
        self, where: Where, lines: Sequence[str], cases: Sequence[tuple[str, str]]
    ) -> None:
        buttons = []
        for case_id, title in cases:  # the case id stays in storage, behind a token
            token = await self._store().tokens.put(case_id)
            label = title if len(title) <= 40 else title[:39] + "…"
            buttons.append(Button(label, callbacks.round_start(token)))
        message = Text(tuple(Line.text(line) for line in lines), tuple(buttons))
        await self._send(where.chat_id, where.thread_id, [message])

    async def private(self, user_id: int, lines: Sequence[str], *, bulk: bool = False) -> bool:
        message = Text(tuple(Line.text(line) for line in lines))
        try:
            priority: Priority = "bulk" if bulk else "reply"
            await self.sender.send(self.bot, user_id, 0, [message], priority=priority)
        except Blocked:  # never started the bot, or blocked it
            return False
        except BadRequest as error:  # e.g. "chat not found": a user the bot never met
            log.info("Could not write to user %s: %s", user_id, error)
            return False
        return True

    async def delete(self, chat_id: int, message_id: int) -> bool:
        try:
            return bool(
                await self.sender.call(lambda: self.bot.delete_message(chat_id, message_id))
            )
        except (BadRequest, Blocked) as error:  # no right to delete: say nothing in the group
            log.info("Could not delete message %s in %s: %s", message_id, chat_id, error)
            return False

    async def status(self, view: StatusView) -> int | None:
        rnd = view.round
        if not rnd.status_message:
            sent = await self._send(rnd.chat_id, rnd.thread_id, [status_message(view)])
            self._edited[rnd.id] = asyncio.get_running_loop().time()
            return sent
        self._latest[rnd.id] = view
        if rnd.id in self._waiting:
            return None  # an edit is due already: it will show the latest view
        wait = self._edited.get(rnd.id, 0.0) + self.status_every - asyncio.get_running_loop().time()
        if wait <= 0:
            await self._edit(rnd.id)
        else:
            self._waiting[rnd.id] = asyncio.create_task(self._edit_later(rnd.id, wait))
        return None

    async def close(self) -> None:
        """Make the status edits still waiting now, and stop."""
        for round_id, task in list(self._waiting.items()):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            with contextlib.suppress(TelegramError, ChatGone):
                await self._edit(round_id)
        self._waiting.clear()

    async def _edit_later(self, round_id: int, wait: float) -> None:
        await asyncio.sleep(wait)
        self._waiting.pop(round_id, None)
        try:
            await self._edit(round_id)
        except (TelegramError, ChatGone) as error:
            log.info("Could not update the status of round %s: %s", round_id, error)

    async def _edit(self, round_id: int) -> None:
        view = self._latest.pop(round_id, None)
        if view is None:
            return
        rnd = view.round
        self._edited[round_id] = asyncio.get_running_loop().time()
        text = status_message(view)
        html = "\n".join(line.html for line in text.lines)
        try:
            await self.sender.edit_text(
                self.bot, rnd.chat_id, rnd.status_message, html, text.buttons
            )
        except Blocked:
            raise ChatGone(str(rnd.chat_id)) from None
        if not rnd.open:
            self._edited.pop(round_id, None)

    async def _send(self, chat_id: int, thread_id: int, outs: Sequence[Out]) -> int:
        """Send in the group's topic; the id of the last message sent (0: none)."""
        last = 0
        parts = plan(outs)
        try:
            for part in parts:
                sent = await self.sender.send_part(self.bot, chat_id, thread_id, part)
                last = sent[-1].message_id if sent else last
        except (Blocked, Forbidden):
            raise ChatGone(str(chat_id)) from None
        return last
