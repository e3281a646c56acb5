"""An emulator of the Telegram Bot API for tests, served over real HTTP on loopback.

The real ``telegram.ext.Application`` talks to it exactly as it talks to Telegram::

    async def test_start(botapi: BotApiEmulator) -> None:
        app = botapi.application_builder().build()
        app.add_handler(CommandHandler("start", start))
        alice = botapi.user("Alice")
        async with botapi.polling(app):
            botapi.send_text(alice, None, "/start")          # None: Alice's private chat
            reply = await botapi.wait_for(lambda m: m.chat_id == alice.id)
        assert "Welcome" in reply.text

Imports: ``tests`` is a package, so test modules write
``from tests.auxil.botapi import BotApiEmulator``.

API of the emulator (the ``botapi`` fixture in ``tests/conftest.py`` yields one, started):

* wiring: ``token``, ``base_url``, ``base_file_url``, ``application_builder()``, ``bot()``,
  ``async with polling(app, timeout=1)`` (initialize/start/start_polling ... stop/shutdown,
  with ``track(app)``, which a test that starts ``app`` another way calls itself).
* people: ``user(first_name, username=, user_id=, started=True)`` -> ``FakeUser`` (``.chat`` = private chat),
  ``group(title, supergroup=True, forum=False, chat_id=None)`` -> ``FakeChat``,
  ``topic(forum)`` -> a new topic's ``message_thread_id``.
* groups (``groups``, see :mod:`tests.auxil.botapi_groups`): privacy mode (on, as Telegram's
  default; ``BotApiEmulator(privacy_mode=False)``), ``groups.hidden``, members and admins
  (``member``, ``make_admin``, ``make_owner``, ``bot_admin(chat, can_delete_messages=True)``),
  ``add_bot``/``remove_bot`` (``my_chat_member``; 403 once removed), ``migrate(group)``;
  ``send_text(..., anonymous=True)`` for an anonymous admin.
* updates: ``send_text(user, chat|None, text, message_thread_id=, reply_to=)``,
  ``reply_to(message, text, user=)``, ``edit_text(update, text)``,
  ``send_other(user, chat|None, kind, caption=)`` (a photo, sticker, voice ...: ``OTHER_KINDS``),
  ``press(message, callback_data, user=, check=True)``, ``press_button(message, label)``,
  ``press_old_button(message, label)`` (a button an edit has taken off since),
  ``inject_update(raw)``, ``redeliver(update_id)``, ``confirm_elsewhere(update)`` (fetched by
  a bot that died before handling it); all return the Update dict; ``fetched(update)``.
* reading: ``sent(chat=None, include_deleted=True)`` / ``last_sent(chat)`` -> ``SentMessage``
  (``text``, ``caption``, ``content``, ``raw_text``, ``parse_mode``, ``entities``,
  ``reply_markup``, ``buttons``, ``callback_data``, ``photo``, ``media_group_id``,
  ``message_thread_id``, ``history``, ``deleted``, ``params``), ``calls(method)``,
  ``callback_answers``, ``general_posts``, ``await wait_for(pred, timeout, since=mark())``,
  ``await wait_for_call(method, pred)``, ``await wait_until_delivered()``.
* negative assertions ("nothing was sent") come after ``await wait_until_handled(*updates)``:
  the bot has confirmed the updates and finished handling them (see its docstring).
* faults: ``block(chat)``/``unblock``, ``rate_limit(method=None, retry_after=3, times=1,
  chat=None)``, ``server_error(method=None, code=500, times=1)``, ``fail_next(...)``,
  ``clear_faults()``, ``forget_file_ids(*ids)``, ``hold(chat, nth, after=False)`` (the nth
  call about a chat held, before or after it is done, until released: a bot killed there);
  webhooks: ``webhook_url``, ``webhook_deliveries`` (every POST: update, status, error, url),
  ``route_webhook(public_url, [process_url, ...])`` (a load balancer in front of several bot
  processes), ``most_posts_at_once``, ``await post_to_webhook(update, secret=..., url=...)``.
* flood limits (off unless a test switches them on): ``flood_limits(private_interval=1.0,
  group_per_minute=20, group_window=60.0, per_second=30)``; ``message_sends`` (every message
  send accepted, with its time and chat, whether or not limits are on), ``flood_refusals``
  (the sends the limits answered with 429) and ``injected_refusals`` (the sends an injected
  fault answered), all lists of ``MessageSend``.
* long runs (the benchmark): ``forget_history()`` drops the record of calls and messages;
  ``ChatFeed(botapi)`` feeds each chat's new messages to ``await feed.until(chat_id, want)``.
* ``violations`` (api.json) and ``errors`` (emulator crashes, unemulated methods): the fixture
  fails the test at teardown unless both are empty.

What it emulates:

* ``/bot<TOKEN>/<method>`` with JSON, urlencoded and multipart bodies; Telegram-shaped results
  and errors (401 for a wrong token, 404 for an unknown method).
* Long polling (``getUpdates`` with offset/limit/timeout/allowed_updates) and webhooks
  (``setWebhook`` with url, secret_token, max_connections, drop_pending_updates and
  allowed_updates; ``deleteWebhook``; ``getWebhookInfo``; ``getUpdates`` answers 409 while a
  webhook is set). Updates are POSTed with ``X-Telegram-Bot-Api-Secret-Token``, at most
  max_connections at once, one at a time per chat in update order, each tried again after a
  non-2xx answer or a connection error (with a growing wait; given up after
  ``WEBHOOK_ATTEMPTS``); behind a routed public URL, round robin over the processes, a
  refused connection passed on to the next process at once (as a load balancer does).
* Sending, editing and deleting messages, photos and media groups with Telegram's validation
  (HTML/Markdown parsing, length limits in UTF-16 code units, callback_data size, "message is
  not modified", a forum topic that does not exist, ...).
* Fault injection: blocked users, queued 429/5xx answers, forgotten file_ids.
* Telegram's flood limits, when switched on: a message send over a limit gets
  ``429 Too Many Requests: retry after N`` with ``parameters.retry_after``; in a group
  edits count, and an album counts once per photo.
* Groups: privacy mode, admins and their rights (deleteMessage of others' messages needs
  can_delete_messages), getChatMember/getChatAdministrators, anonymous admins,
  createForumTopic, migration to a supergroup, the bot removed.
* Every call is checked against the official ``api.json`` (see :mod:`auxil.botapi_schema`);
  problems land in :attr:`BotApiEmulator.violations`, which the fixture asserts to be empty.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import math
import re
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from aiohttp import ClientSession, ClientTimeout, web

from tests.auxil.botapi_format import EntityParseError, parse_text
from tests.auxil.botapi_groups import ANONYMOUS_ADMIN, Groups
from tests.auxil.botapi_schema import ApiSchema, UploadedFile, cached_schema

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.ext import Application, ApplicationBuilder

JSONDict = dict[str, Any]
T = TypeVar("T")

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_CALLBACK_ANSWER = 200
CHAT_ACTIONS = frozenset(
    [
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    ]
)
DEFAULT_UPDATE_TYPES_EXCLUDED = frozenset(
    {"chat_member", "message_reaction", "message_reaction_count"}
)
WRONG_FILE = "Bad Request: wrong file identifier/HTTP URL specified"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
#: Form fields decoded without api.json (only used when the description is absent).
_JSON_FIELDS = frozenset(
    [
        "reply_markup",
        "entities",
        "caption_entities",
        "media",
        "commands",
        "scope",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "message_ids",
    ]
)
_BUTTON_DECORATION = frozenset({"text", "icon_custom_emoji_id", "style"})
#: Calls that send or edit a message: what Telegram's flood limits count (edits count in groups
#: too, https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
MESSAGE_METHODS = frozenset(
    name.lower()
    for name in (
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "copyMessage",
        "forwardMessage",
        "editMessageText",
        "editMessageCaption",
        "editMessageReplyMarkup",
    )
)
_INT_RE = re.compile(r"-?\d+\Z")
_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


def _file(file_id: str, **extra: Any) -> JSONDict:
    return {"file_id": file_id, "file_unique_id": file_id[-16:], **extra}


#: Messages that are not text, as Telegram sends them (the field and a value for it, made
#: from a fresh file id); for :meth:`BotApiEmulator.send_other`.
OTHER_KINDS: dict[str, Callable[[str], Any]] = {
    "photo": lambda f: [_file(f, width=90, height=60), _file(f + "x", width=900, height=600)],
    "sticker": lambda f: _file(
        f, type="regular", width=512, height=512, is_animated=False, is_video=False, emoji="👍"
    ),
    "voice": lambda f: _file(f, duration=3, mime_type="audio/ogg"),
    "audio": lambda f: _file(f, duration=60, title="A song"),
    "video": lambda f: _file(f, width=640, height=480, duration=5),
    "video_note": lambda f: _file(f, length=240, duration=5),
    "document": lambda f: _file(f, file_name="report.pdf", mime_type="application/pdf"),
    "location": lambda f: {"latitude": 51.5, "longitude": -0.12},
    "contact": lambda f: {"phone_number": "+441234567890", "first_name": "Bob"},
    "dice": lambda f: {"emoji": "🎲", "value": 4},
    "pinned_message": lambda f: {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": 1, "type": "private", "first_name": "Pinned"},
    },
}


class BotApiError(Exception):
    """An error answer of the Bot API (raised inside method handlers)."""

    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        *,
        migrate_to_chat_id: int | None = None,
    ) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after
        self.migrate_to_chat_id = migrate_to_chat_id

    def to_json(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.code, "description": self.description}
        parameters: JSONDict = {}
        if self.retry_after is not None:
            parameters["retry_after"] = self.retry_after
        if self.migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = self.migrate_to_chat_id
        if parameters:
            body["parameters"] = parameters
        return body


def bad_request(description: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {description}")


# -- people and chats ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user who talks to the bot. ``chat`` is the private chat with the bot."""

    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    @property
    def chat(self) -> FakeChat:
        return FakeChat(
            id=self.id,
            type="private",
            first_name=self.first_name,
            last_name=self.last_name,
            username=self.username,
        )


@dataclass(frozen=True)
class FakeChat:
    id: int
    type: Literal["private", "group", "supergroup", "channel"]
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        if self.is_forum:
            data["is_forum"] = True
        return data


ChatRef = FakeChat | FakeUser | int


def chat_id_of(chat: ChatRef) -> int:
    return chat if isinstance(chat, int) else chat.id


# -- what the bot sent --------------------------------------------------------------------------


@dataclass
class SentMessage:
    """A message the bot sent; edits update it in place (earlier states are in ``history``)."""

    method: str
    message: JSONDict
    params: JSONDict
    parse_mode: str | None = None
    history: list[JSONDict] = field(default_factory=list)
    deleted: bool = False

    @property
    def chat_id(self) -> int:
        return int(self.message["chat"]["id"])

    @property
    def message_id(self) -> int:
        return int(self.message["message_id"])

    @property
    def message_thread_id(self) -> int | None:
        return self.message.get("message_thread_id")

    @property
    def text(self) -> str | None:
        """Visible text (markup parsed away, as the user sees it); None for media."""
        return self.message.get("text")

    @property
    def caption(self) -> str | None:
        return self.message.get("caption")

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has ('' if none)."""
        return self.message.get("text") or self.message.get("caption") or ""

    @property
    def raw_text(self) -> str | None:
        """The ``text``/``caption`` parameter exactly as the bot last sent it (with markup)."""
        return self.params.get("text", self.params.get("caption"))

    @property
    def entities(self) -> list[JSONDict]:
        return list(self.message.get("entities") or self.message.get("caption_entities") or [])

    @property
    def reply_markup(self) -> JSONDict | None:
        """The inline keyboard as sent (other keyboards are in ``params``)."""
        return self.message.get("reply_markup")

    @property
    def buttons(self) -> list[JSONDict]:
        """All inline keyboard buttons, row by row."""
        markup = self.reply_markup or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    @property
    def callback_data(self) -> list[str]:
        return [b["callback_data"] for b in self.buttons if "callback_data" in b]

    @property
    def photo(self) -> list[JSONDict] | None:
        return self.message.get("photo")

    @property
    def media_group_id(self) -> str | None:
        return self.message.get("media_group_id")

    @property
    def reply_to_message_id(self) -> int | None:
        reply = self.message.get("reply_to_message")
        return int(reply["message_id"]) if reply else None

    def __repr__(self) -> str:
        what = self.content or ("<photo>" if self.photo else "<?>")
        flags = " deleted" if self.deleted else ""
        return (
            f"<SentMessage {self.method} chat={self.chat_id} id={self.message_id}{flags}: {what!r}>"
        )


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    kind: str
    file_path: str
    width: int = 0
    height: int = 0
    file_name: str | None = None
    mime_type: str | None = None

    def photo_size(self) -> JSONDict:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": self.width,
            "height": self.height,
            "file_size": len(self.data),
        }


@dataclass
class Call:
    method: str
    params: JSONDict


@dataclass
class _Fault:
    method: str | None
    error: BotApiError
    remaining: int
    chat_id: int | None = None


@dataclass(frozen=True)
class FloodLimits:
    """Telegram's flood limits: about 30 messages a second overall, one a second in a private
    chat, 20 a minute in a group (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this).
    Tests may scale them down (a shorter interval or window) to stay fast."""

    private_interval: float = 1.0
    group_per_minute: int = 20
    group_window: float = 60.0
    per_second: int = 30


@dataclass(frozen=True)
class MessageSend:
    """A message send as the emulator received it: when (event-loop time), where, how, and
    how many messages it counts for (an album counts once per photo)."""

    at: float
    chat_id: int
    method: str
    count: int = 1


@dataclass
class _Pending:
    update: JSONDict
    forced: bool = False  # re-delivered: ignore the confirmed offset once
    delivered: bool = False  # the bot has received it (in a getUpdates result or a webhook POST)
    posting: bool = False  # a webhook POST of it is under way
    attempts: int = 0  # failed webhook POSTs of it so far
    retry_at: float = 0.0  # event-loop time before which it is not POSTed again


@dataclass
class Hold:
    """A Bot API call to hold (see :meth:`BotApiEmulator.hold`): the ``nth`` call about
    ``chat_id`` from the hold's creation on; ``after``: done first, then held unanswered."""

    chat_id: int
    nth: int
    after: bool
    seen: int = 0
    call: Call | None = None
    #: The messages the held call sent (an ``after`` hold of a send).
    sent: list[SentMessage] = field(default_factory=list)
    caught: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        """Let the held call finish: answered (to a bot that may be gone), or, held before
        it was done, refused with a 502 and never done."""
        self.released.set()


@dataclass
class WebhookDelivery:
    """One POST of an update to a webhook: where it went and how it ended (``status`` None:
    no HTTP answer, ``error`` says why)."""

    update_id: int
    status: int | None
    error: str | None = None
    url: str = ""


#: Telegram's webhook defaults and bounds (https://core.telegram.org/bots/api#setwebhook).
DEFAULT_MAX_CONNECTIONS = 40
MAX_CONNECTIONS_RANGE = (1, 100)
#: Failed POSTs of one update before the emulator gives up on it (Telegram keeps trying for
#: hours; tests need an end). Waits between tries double from WEBHOOK_RETRY_FIRST seconds.
WEBHOOK_ATTEMPTS = 8
WEBHOOK_RETRY_FIRST = 0.04
WEBHOOK_RETRY_MOST = 1.0


Handler = Callable[[JSONDict, dict[str, UploadedFile]], Awaitable[Any]]


class ChatFeed:
    """The messages the bot sends, per chat, as the emulator records them (new messages;
    edits are not fed). For many users waiting at once, where each ``wait_for`` would
    look through every message at every change. ``timeout``: the longest wait for the
    next message of a chat (None: no limit)."""

    def __init__(self, botapi: BotApiEmulator, timeout: float | None = None) -> None:
        self.queues: dict[int, asyncio.Queue[SentMessage]] = {}
        self.timeout = timeout
        record = botapi._record

        def recording(method: str, message: JSONDict, params: JSONDict) -> SentMessage:
            sent = record(method, message, params)
            self._queue(sent.chat_id).put_nowait(sent)
            return sent

        botapi._record = recording  # type: ignore[method-assign]

    def _queue(self, chat_id: int) -> asyncio.Queue[SentMessage]:
        queue = self.queues.get(chat_id)
        if queue is None:
            queue = self.queues[chat_id] = asyncio.Queue()
        return queue

    async def until(self, chat_id: int, want: Callable[[SentMessage], bool]) -> SentMessage:
        """The next message to ``chat_id`` that ``want`` accepts (those before it are passed)."""
        queue = self._queue(chat_id)
        while True:
            message = await asyncio.wait_for(queue.get(), self.timeout)
            if want(message):
                return message


# -- the emulator -------------------------------------------------------------------------------


class BotApiEmulator:
    """Telegram's Bot API for one bot, on ``http://127.0.0.1:<port>``."""

    def __init__(
        self,
        *,
        bot_id: int = 123456789,
        bot_username: str = "tutorbot_test_bot",
        bot_first_name: str = "TutorBot",
        schema: ApiSchema | Literal["auto"] | None = "auto",
        strict_chats: bool = True,
        privacy_mode: bool = True,
    ) -> None:
        self.bot_id = bot_id
        secret = base64.urlsafe_b64encode(hashlib.sha256(str(bot_id).encode()).digest()).decode()
        self.token = f"{bot_id}:AAH{secret[:32]}"
        self.bot_user: JSONDict = {
            "id": bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.schema: ApiSchema | None = cached_schema() if schema == "auto" else schema
        #: Refuse sends to chats no fake user/group was created for ("chat not found").
        self.strict_chats = strict_chats
        #: Calls that contradict api.json; the fixture fails the test if this is not empty.
        self.violations: list[str] = []
        #: Crashes of the emulator itself and calls of methods it does not emulate.
        self.errors: list[str] = []
        self.webhook_deliveries: list[WebhookDelivery] = []
        self.callback_answers: list[JSONDict] = []
        #: Messages the bot sent to a forum without ``message_thread_id``: Telegram posts them
        #: in the General topic (https://core.telegram.org/bots/api#sendmessage), which is
        #: right only for an answer to something said in General. Forum tests check this.
        self.general_posts: list[SentMessage] = []

        self._calls: list[Call] = []
        self._sent: list[SentMessage] = []
        self._messages: dict[tuple[int, int], JSONDict] = {}  # every message, by (chat, id)
        self._sent_by_key: dict[tuple[int, int], SentMessage] = {}
        self._next_message_id: dict[int, int] = {}
        self._chats: dict[int, FakeChat] = {}
        self._topics: dict[int, set[int]] = {}  # forum chat id -> its topics' thread ids
        self._usernames: dict[str, int] = {}
        self._next_user_id = 100_000_001
        self._next_group_id = 1
        self._blocked: set[int] = set()
        self._not_started: set[int] = set()  # users who never opened the bot
        self._faults: list[_Fault] = []
        #: The flood limits in force (None: off, the default).
        self.flood: FloodLimits | None = None
        #: Every message send accepted (see MESSAGE_METHODS), oldest first.
        self.message_sends: list[MessageSend] = []
        #: Message sends refused with 429 because they went over the flood limits.
        self.flood_refusals: list[MessageSend] = []
        #: Message sends answered with an injected fault (fail_next, rate_limit, ...).
        self.injected_refusals: list[MessageSend] = []
        self._files: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[str]] = {}  # any size's file_id -> all sizes' ids
        self._file_counter = 0
        self._media_group_counter = 13_900_000_000_000_000
        self._callback_counter = 0
        self._open_callback_queries: dict[str, JSONDict] = {}
        self._holds: list[Hold] = []
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._bot_texts: dict[tuple[str, str], str] = {}

        self._all_updates: dict[int, JSONDict] = {}
        self._pending: list[_Pending] = []
        self._next_update_id = 500_000_001
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        # See wait_until_handled: per update id, how many deliveries the bot confirmed
        # (a later getUpdates offset, a 2xx webhook answer) and how many it finished handling.
        self._confirmed: dict[int, int] = {}
        self._handled: dict[int, int] = {}
        self._tracked = 0  # applications whose handling is tracked (see track)

        self.webhook_url: str = ""
        self.webhook_secret: str | None = None
        self._webhook_info: JSONDict = {}
        self._webhook_task: asyncio.Task[None] | None = None
        self._max_connections = DEFAULT_MAX_CONNECTIONS
        self._posts: set[asyncio.Task[None]] = set()
        #: Public webhook URL -> the processes behind it (see route_webhook), and where the
        #: round robin over them stands.
        self._backends: dict[str, list[str]] = {}
        self._next_backend = 0
        #: The most webhook POSTs that were under way at once (tests check max_connections).
        self.most_posts_at_once = 0

        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self.host = "127.0.0.1"
        self.port = 0
        #: Members, admins, privacy mode, migration (see :mod:`tests.auxil.botapi_groups`).
        self.groups = Groups(self, privacy_mode=privacy_mode)
        self._handlers: dict[str, Handler] = self._method_table()

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        self.port = self._runner.addresses[0][1]
        self._session = ClientSession(timeout=ClientTimeout(total=10))

    async def stop(self) -> None:
        self._closing = True
        for held in self._holds:
            held.release()
        self._notify()
        await self._stop_webhook_worker()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)`` / ``Bot(base_url=...)``."""
        return f"http://{self.host}:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        return f"http://{self.host}:{self.port}/file/bot"

    def application_builder(
        self,
    ) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
        """``ApplicationBuilder`` with token and URLs of this emulator set."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    def bot(self) -> Bot:
        """A plain ``telegram.Bot`` for this emulator (use ``async with`` or initialize it)."""
        from telegram import Bot

        return Bot(self.token, base_url=self.base_url, base_file_url=self.base_file_url)

    @contextlib.asynccontextmanager
    async def polling(
        self,
        app: Application[Any, Any, Any, Any, Any, Any],
        *,
        timeout: int = 1,
    ) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
        """Run ``app`` with long polling for the duration of the ``async with`` block."""
        untrack = self.track(app)
        try:
            await app.initialize()
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0, timeout=timeout)
            try:
                yield app
            finally:
                await app.updater.stop()
                await app.stop()
                await app.shutdown()
        finally:
            untrack()

    def track(self, app: Application[Any, Any, Any, Any, Any, Any]) -> Callable[[], None]:
        """Let the emulator see when ``app`` has finished handling each update (for
        :meth:`wait_until_handled`); returns the function that stops it.

        ``polling`` does this itself; a test that starts ``app`` another way (a webhook)
        calls it. It observes, changing nothing: the application's update processor
        reports each update once PTB's ``process_update`` for it has returned, which is
        after every handler and error handler (and every Bot API call they awaited).
        """
        from telegram import Update

        processor = app.update_processor
        if "do_process_update" in vars(processor):
            raise RuntimeError(f"{app!r} is tracked already")
        handle = processor.do_process_update

        async def tracked(update: object, coroutine: Awaitable[Any]) -> None:
            try:
                await handle(update, coroutine)
            finally:
                if isinstance(update, Update):
                    uid = update.update_id
                    self._handled[uid] = self._handled.get(uid, 0) + 1
                    self._notify()

        vars(processor)["do_process_update"] = tracked
        self._tracked += 1

        def untrack() -> None:
            if vars(processor).pop("do_process_update", None) is tracked:
                self._tracked -= 1

        return untrack

    # -- people and chats -----------------------------------------------------------------------

    def user(
        self,
        first_name: str = "Alice",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        user_id: int | None = None,
        started: bool = True,
    ) -> FakeUser:
        """A new distinct user; their private chat with the bot is known from now on.

        ``started=False``: they never opened the bot, so it may not write to them (403
        "bot can't initiate conversation with a user") until they write to it.
        """
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        user = FakeUser(user_id, first_name, last_name, username, language_code)
        self._register_chat(user.chat)
        if not started:
            self._not_started.add(user_id)
        return user

    def group(
        self,
        title: str = "Radiology Club",
        *,
        supergroup: bool = True,
        forum: bool = False,
        chat_id: int | None = None,
    ) -> FakeChat:
        """A new group (basic group if ``supergroup=False``); ``forum`` implies supergroup."""
        n = self._next_group_id
        self._next_group_id += 1
        if chat_id is not None:
            kind: Literal["group", "supergroup"] = (
                "group" if not (supergroup or forum) else "supergroup"
            )
            chat = FakeChat(chat_id, kind, title=title, is_forum=forum)
        elif supergroup or forum:
            chat = FakeChat(-1_001_000_000_000 - n, "supergroup", title=title, is_forum=forum)
        else:
            chat = FakeChat(-4_000_000_000 - n, "group", title=title)
        self._register_chat(chat)
        return chat

    def topic(self, forum: FakeChat) -> int:
        """A new topic in ``forum``; its ``message_thread_id`` (the id of the message that
        created it, as in Telegram)."""
        if not forum.is_forum:
            raise ValueError(f"{forum!r} is not a forum: make it with group(..., forum=True)")
        thread_id = self._new_message_id(forum.id)
        self._topics.setdefault(forum.id, set()).add(thread_id)
        return thread_id

    def _register_chat(self, chat: FakeChat) -> None:
        self._chats[chat.id] = chat
        if chat.username:
            self._usernames[chat.username.lower()] = chat.id

    # -- injecting updates ----------------------------------------------------------------------

    def send_text(
        self,
        user: FakeUser,
        chat: FakeChat | None,
        text: str,
        *,
        message_thread_id: int | None = None,
        reply_to: SentMessage | JSONDict | None = None,
        anonymous: bool = False,
    ) -> JSONDict:
        """``user`` writes ``text`` in ``chat`` (None: their private chat). Returns the Update.

        ``/commands`` (also ``/start payload`` and ``/cmd@botname``) get ``bot_command``
        entities. In a forum supergroup pass ``message_thread_id`` for a topic.
        ``anonymous``: an admin who hides writes as the group (``from`` is
        @GroupAnonymousBot, ``sender_chat`` the group), as Telegram sends it.
        """
        chat = chat or user.chat
        self._register_chat(chat)
        message = self._user_message(user, chat, message_thread_id)
        if anonymous:
            message["from"], message["sender_chat"] = dict(ANONYMOUS_ADMIN), chat.to_dict()
        if chat.type == "private":
            self._not_started.discard(user.id)
        message["text"] = text
        entities = _command_entities(text)
        if entities:
            message["entities"] = entities
        if reply_to is not None:
            message["reply_to_message"] = _without_reply(_message_of(reply_to))
        return self.inject_update({"message": message})

    def reply_to(
        self, message: SentMessage | JSONDict, text: str, *, user: FakeUser | None = None
    ) -> JSONDict:
        """A user replies to ``message`` (the bot's or a user's; an Update is accepted too)."""
        original = _message_of(message)
        chat = self._chats.get(original["chat"]["id"]) or _chat_from_dict(original["chat"])
        if user is None:
            user = self._private_peer(chat)
        return self.send_text(
            user,
            chat,
            text,
            message_thread_id=original.get("message_thread_id"),
            reply_to=original,
        )

    def send_other(
        self, user: FakeUser, chat: FakeChat | None, kind: str, *, caption: str | None = None
    ) -> JSONDict:
        """``user`` sends a message that is not text (None: their private chat): ``kind`` is
        one of :data:`OTHER_KINDS` (a photo, a sticker, a voice message, a location, a
        service message such as ``pinned_message`` ...), with its fields as Telegram sends them."""
        chat = chat or user.chat
        self._register_chat(chat)
        message = self._user_message(user, chat, None)
        n = message["message_id"]
        message[kind] = OTHER_KINDS[kind](f"{kind}-{chat.id}-{n}")
        if kind == "pinned_message":  # a message of this chat
            message[kind]["chat"] = message["chat"]
        if caption is not None:
            message["caption"] = caption
        return self.inject_update({"message": message})

    def edit_text(self, update_or_message: JSONDict, text: str) -> JSONDict:
        """The user edits their earlier message (an ``edited_message`` Update)."""
        original = _message_of(update_or_message)
        edited = {**original, "text": text, "edit_date": int(time.time())}
        entities = _command_entities(text)
        edited.pop("entities", None)
        if entities:
            edited["entities"] = entities
        self._messages[(original["chat"]["id"], original["message_id"])] = edited
        return self.inject_update({"edited_message": edited})

    def press(
        self,
        message: SentMessage | JSONDict,
        callback_data: str,
        *,
        user: FakeUser | None = None,
        check: bool = True,
    ) -> JSONDict:
        """A user presses the inline button with ``callback_data`` under ``message``.

        With ``check`` (default) the button must exist in the message's current keyboard and
        the message must not be deleted, as in a real client.
        """
        if isinstance(message, SentMessage):
            if check and message.deleted:
                raise ValueError(f"{message!r} was deleted; nobody can press its buttons")
            if check and callback_data not in message.callback_data:
                raise ValueError(
                    f"no button with callback_data={callback_data!r} in {message!r}; "
                    f"buttons: {message.callback_data}"
                )
            current = message.message
        else:
            current = _message_of(message)
        chat = self._chats.get(current["chat"]["id"]) or _chat_from_dict(current["chat"])
        if user is None:
            user = self._private_peer(chat)
        self._callback_counter += 1
        query_id = str(4_000_000_000_000_000_000 + self._callback_counter)
        query: JSONDict = {
            "id": query_id,
            "from": user.to_dict(),
            "message": json.loads(json.dumps(current)),
            "chat_instance": str(abs(hash(("instance", chat.id))) % 10**18),
            "data": callback_data,
        }
        return self.inject_update({"callback_query": query})

    def press_button(
        self, message: SentMessage, label: str, *, user: FakeUser | None = None
    ) -> JSONDict:
        """Press the callback button whose text is ``label``."""
        for button in message.buttons:
            if button.get("text") == label and "callback_data" in button:
                return self.press(message, button["callback_data"], user=user)
        raise ValueError(f"no callback button {label!r} in {message!r}")

    def press_old_button(
        self, message: SentMessage, label: str, *, user: FakeUser | None = None
    ) -> JSONDict:
        """Press the callback button ``label`` that ``message`` has or had (an edit may
        have taken it off since): what a client does before the edit reaches it."""
        for state in [message.message, *reversed(message.history)]:
            for row in (state.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button.get("text") == label and "callback_data" in button:
                        return self.press(message, button["callback_data"], user=user, check=False)
        raise ValueError(f"{message!r} never had a callback button {label!r}")

    def inject_update(self, update: JSONDict) -> JSONDict:
        """Queue a raw Update (``update_id`` is assigned if missing). Returns it."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
            self._next_update_id += 1
        else:
            self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        if not self.groups.visible(update):  # privacy mode: the bot never gets it
            self.groups.hidden.append(update)
            return update
        self._all_updates[update["update_id"]] = update
        query = update.get("callback_query")
        if isinstance(query, dict) and "id" in query:
            self._open_callback_queries[str(query["id"])] = query
        self._pending.append(_Pending(update))
        self._notify()
        return update

    def redeliver(self, update_id: int | JSONDict) -> JSONDict:
        """Deliver an already delivered update again (same ``update_id``)."""
        if isinstance(update_id, dict):
            update_id = int(update_id["update_id"])
        update = self._all_updates[update_id]
        self._pending.append(_Pending(update, forced=True))
        self._notify()
        return update

    def fetched(self, update: JSONDict) -> bool:
        """Whether the bot has received ``update`` and not yet confirmed it."""
        uid = int(update["update_id"])
        return any(p.delivered and p.update["update_id"] == uid for p in self._pending)

    def confirm_elsewhere(self, update: JSONDict) -> JSONDict:
        """A pending ``update`` is fetched and confirmed by a bot process that dies before
        handling it: Telegram will not deliver it again. Returns it."""
        uid = int(update["update_id"])
        self._pending = [p for p in self._pending if p.update["update_id"] != uid]
        self._notify()
        return update

    @property
    def pending_updates(self) -> list[JSONDict]:
        return [p.update for p in self._pending]

    def _user_message(
        self, user: FakeUser, chat: FakeChat, message_thread_id: int | None
    ) -> JSONDict:
        message: JSONDict = {
            "message_id": self._new_message_id(chat.id),
            "from": user.to_dict(),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
            if chat.is_forum:
                message["is_topic_message"] = True
                self._topics.setdefault(chat.id, set()).add(message_thread_id)
        self._messages[(chat.id, message["message_id"])] = message
        if chat.type in ("group", "supergroup"):
            self.groups.seen(chat.id, message["from"])
        return message

    def _private_peer(self, chat: FakeChat) -> FakeUser:
        if chat.type != "private":
            raise ValueError("in a group, say which user acts: pass user=...")
        return FakeUser(chat.id, chat.first_name or "User", chat.last_name, chat.username)

    # -- fault injection ------------------------------------------------------------------------

    def block(self, chat: ChatRef) -> None:
        """The user blocked the bot (or the bot was kicked from the group): sends get 403."""
        self._blocked.add(chat_id_of(chat))

    def unblock(self, chat: ChatRef) -> None:
        self._blocked.discard(chat_id_of(chat))

    def fail_next(
        self,
        method: str | None = None,
        *,
        code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        chat: ChatRef | None = None,
    ) -> None:
        """The next ``times`` calls of ``method`` (to ``chat``, if given) answer with an error.

        ``method=None`` matches every method except ``getUpdates`` (so the polling loop does
        not swallow the fault); name ``getUpdates`` explicitly to break polling.
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                500: "Internal Server Error",
                502: "Bad Gateway",
            }.get(code, f"Error {code}")
        error = BotApiError(code, description, retry_after)
        chat_id = None if chat is None else chat_id_of(chat)
        self._faults.append(_Fault(method.lower() if method else None, error, times, chat_id))

    def rate_limit(
        self,
        method: str | None = None,
        *,
        retry_after: int = 3,
        times: int = 1,
        chat: ChatRef | None = None,
    ) -> None:
        """Queue ``429 Too Many Requests: retry after N`` with ``parameters.retry_after``."""
        self.fail_next(method, code=429, retry_after=retry_after, times=times, chat=chat)

    def flood_limits(
        self,
        *,
        private_interval: float = 1.0,
        group_per_minute: int = 20,
        group_window: float = 60.0,
        per_second: int = 30,
    ) -> FloodLimits:
        """Switch Telegram's flood limits on (Telegram's numbers unless scaled down)."""
        self.flood = FloodLimits(private_interval, group_per_minute, group_window, per_second)
        return self.flood

    def server_error(self, method: str | None = None, *, code: int = 500, times: int = 1) -> None:
        self.fail_next(method, code=code, times=times)

    def hold(self, chat: ChatRef, nth: int, *, after: bool = False) -> Hold:
        """Hold the ``nth`` Bot API call about ``chat`` from now on (a send, an edit, or the
        answer to a press in it; never ``getUpdates``) until :meth:`Hold.release`.

        Held before it is done (``after=False``): Telegram never got it, as when the bot
        dies with the call not yet sent. ``after=True``: it is done (a message is in the
        chat) and its answer held, as when the bot dies with the call in flight. Once
        caught, every later call about the chat is held too, never done (the bot may try
        again when its wait for the answer times out): for that chat the bot is as good as
        dead. A test waits for ``hold.caught``, kills the bot, then releases the hold.
        """
        held = Hold(chat_id_of(chat), nth, after)
        self._holds.append(held)
        return held

    def _hold_for(self, method: str, params: JSONDict) -> Hold | None:
        if method.lower() == "getupdates":
            return None
        chat_id = self._chat_id_in(params)
        if chat_id is None and method.lower() == "answercallbackquery":
            query = self._open_callback_queries.get(str(params.get("callback_query_id")))
            message = query.get("message") if query else None
            chat_id = int(message["chat"]["id"]) if message else None
        caught = None
        for held in self._holds:
            if held.chat_id == chat_id and held.caught.is_set() and not held.released.is_set():
                return Hold(chat_id, 0, after=False)  # the chat is frozen until the release
            if held.chat_id == chat_id and not held.caught.is_set():
                held.seen += 1
                if held.seen == held.nth and caught is None:
                    caught = held
        return caught

    async def _frozen(self, chat_id: int) -> None:
        """Wait until every caught hold on ``chat_id`` is released."""
        for held in self._holds:
            if held.chat_id == chat_id and held.caught.is_set():
                await held.released.wait()

    def clear_faults(self) -> None:
        """Drop every queued fault (429/5xx/...) not yet taken."""
        self._faults.clear()

    def forget_file_ids(self, *file_ids: str) -> None:
        """Forget the given file_ids (all if none given); sending them then gives 400."""
        targets = set(file_ids) if file_ids else set(self._files)
        for file_id in list(targets):
            targets.update(self._photo_sets.get(file_id, []))
        for file_id in targets:
            self._files.pop(file_id, None)
            self._photo_sets.pop(file_id, None)

    # -- reading what the bot did ---------------------------------------------------------------

    def sent(
        self, chat: ChatRef | None = None, *, include_deleted: bool = True
    ) -> list[SentMessage]:
        """Messages the bot sent (to ``chat``, or everywhere), oldest first."""
        wanted = None if chat is None else chat_id_of(chat)
        return [
            m
            for m in self._sent
            if (wanted is None or m.chat_id == wanted) and (include_deleted or not m.deleted)
        ]

    def last_sent(self, chat: ChatRef | None = None) -> SentMessage:
        messages = self.sent(chat)
        if not messages:
            raise AssertionError(f"the bot sent nothing to {chat!r}")
        return messages[-1]

    def calls(self, method: str | None = None) -> list[tuple[str, JSONDict]]:
        """``(method, params)`` of every API call (params decoded), optionally of one method."""
        wanted = method.lower() if method else None
        return [(c.method, c.params) for c in self._calls if wanted in (None, c.method.lower())]

    def forget_history(self) -> None:
        """Drop the record of calls, sent messages and delivered updates (files and chats stay).

        For long runs such as the benchmark, whose memory would otherwise grow
        with every call; ``mark()`` positions taken before are meaningless after,
        updates delivered before cannot be redelivered, and ``wait_until_handled``
        no longer knows them (it returns at once for them).
        """
        pending = {p.update["update_id"] for p in self._pending}
        self._all_updates = {k: v for k, v in self._all_updates.items() if k in pending}
        self._confirmed.clear()  # an application that is not tracked never reports handling
        self._handled.clear()
        self._calls.clear()
        self.callback_answers.clear()
        self.message_sends.clear()
        self.flood_refusals.clear()
        self.injected_refusals.clear()
        self._sent.clear()
        self._sent_by_key.clear()
        self.general_posts.clear()
        self._messages.clear()

    def mark(self) -> int:
        """A position in the sent-message log, for ``wait_for(..., since=mark)``."""
        return len(self._sent)

    async def wait_for(
        self,
        predicate: Callable[[SentMessage], bool] = lambda m: True,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> SentMessage:
        """Wait until a message the bot sent (from position ``since`` on) matches.

        The predicate sees messages in their current state, so it also catches edits.
        Raises ``AssertionError`` listing what was sent if nothing matches in time.
        """

        def find() -> SentMessage | None:
            return next((m for m in self._sent[since:] if predicate(m)), None)

        try:
            return await self._wait(find, timeout)
        except TimeoutError:
            sent = "\n  ".join(repr(m) for m in self._sent[since:]) or "(nothing)"
            raise AssertionError(
                f"no matching message within {timeout}s; the bot sent:\n  {sent}"
            ) from None

    async def wait_for_call(
        self,
        method: str,
        predicate: Callable[[JSONDict], bool] = lambda p: True,
        timeout: float = 5.0,
        *,
        since: int = 0,
    ) -> JSONDict:
        """Wait until the bot calls ``method`` with params matching; returns the params."""
        wanted = method.lower()

        def find() -> JSONDict | None:
            for call in self._calls[since:]:
                if call.method.lower() == wanted and predicate(call.params):
                    return call.params
            return None

        try:
            return await self._wait(find, timeout)
        except TimeoutError:
            names = [c.method for c in self._calls[since:]]
            raise AssertionError(
                f"no matching {method} call within {timeout}s; calls: {names}"
            ) from None

    async def wait_until_delivered(self, timeout: float = 5.0) -> None:
        """Wait until the bot has fetched (and confirmed) every pending update.

        Fetched is not handled: for "nothing was sent" use :meth:`wait_until_handled`.
        """
        await self._wait(lambda: True if not self._pending else None, timeout)

    async def wait_until_handled(self, *updates: JSONDict, timeout: float = 5.0) -> None:
        """Wait until the bot has handled ``updates`` (default: every update so far).

        What a negative assertion ("nothing was sent") waits for. An update counts as
        handled when (1) it is no longer pending: the bot confirmed it (a later getUpdates
        offset, or a 2xx answer to the webhook POST, both of which PTB gives only once the
        update is in its queue) or it was dropped undelivered (not in allowed_updates,
        drop_pending_updates, a webhook given up on); and (2) for every confirmed delivery
        (a redelivered update has several) the application has finished handling it, as
        reported by :meth:`track`. PTB handles updates concurrently and may finish one
        before its delivery is confirmed; the two counts make the order irrelevant.
        Handling includes every call its handlers awaited; a task a handler starts and
        does not await is not covered (the tutor's handlers await every send).
        """
        ids = [int(u["update_id"]) for u in updates] or list(self._all_updates)

        def all_handled() -> bool | None:
            return True if all(self._is_handled(uid) for uid in ids) else None

        try:
            await self._wait(all_handled, timeout)
        except TimeoutError:
            waiting = [uid for uid in ids if not self._is_handled(uid)]
            untracked = "" if self._tracked else " (no application is tracked: see track())"
            states = ", ".join(
                f"{uid}: pending"
                if self._is_pending(uid)
                else f"{uid}: handled {self._handled.get(uid, 0)} of {self._confirmed.get(uid, 0)}"
                for uid in waiting
            )
            raise AssertionError(
                f"updates not handled within {timeout}s{untracked}: {states}"
            ) from None

    def _is_pending(self, update_id: int) -> bool:
        return any(p.update["update_id"] == update_id for p in self._pending)

    def _is_handled(self, update_id: int) -> bool:
        confirmed = self._confirmed.get(update_id, 0)
        return not self._is_pending(update_id) and self._handled.get(update_id, 0) >= confirmed

    def _drop_pending(self, pending: _Pending) -> None:
        self._keep_pending(lambda p: p is not pending)

    def _keep_pending(self, keep: Callable[[_Pending], bool]) -> None:
        """Drop the pending updates ``keep`` refuses; a delivered one dropped is confirmed."""
        kept = []
        for pending in self._pending:
            if keep(pending):
                kept.append(pending)
            elif pending.delivered:
                uid = pending.update["update_id"]
                self._confirmed[uid] = self._confirmed.get(uid, 0) + 1
        self._pending = kept

    async def _wait(self, find: Callable[[], T | None], timeout: float) -> T:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = find()
            if found is not None:
                return found
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- webhooks -------------------------------------------------------------------------------

    async def post_to_webhook(
        self, update: JSONDict, *, secret: str | None = "<current>", url: str | None = None
    ) -> int:
        """POST ``update`` to the webhook directly; returns the HTTP status.

        ``secret`` defaults to the registered one; pass a wrong one (or None for no header)
        to test that the bot rejects it.
        """
        assert self._session is not None
        target = url or self.webhook_url
        if not target:
            raise RuntimeError("no webhook is set")
        token = self.webhook_secret if secret == "<current>" else secret
        headers = {"X-Telegram-Bot-Api-Secret-Token": token} if token else {}
        async with self._session.post(target, json=update, headers=headers) as response:
            await response.read()
            return response.status

    def route_webhook(self, public_url: str, backends: list[str]) -> None:
        """Put the processes at ``backends`` behind ``public_url``, as a load balancer (a
        reverse proxy) does: a webhook set to ``public_url`` is POSTed to each of them in
        turn, and a POST that fails (no answer, not 2xx) is tried again on the next one.
        ``public_url`` may then be any https URL (``setWebhook`` accepts it); calling this
        again replaces the list (a process gone for good, another added)."""
        if not backends:
            raise ValueError("route_webhook needs at least one backend URL")
        self._backends[public_url] = list(backends)
        self._notify()

    def _webhook_target(self) -> str:
        """The URL of the next POST: the next backend behind the webhook URL, round robin."""
        backends = self._backends.get(self.webhook_url)
        if not backends:
            return self.webhook_url
        target = backends[self._next_backend % len(backends)]
        self._next_backend += 1
        return target

    @staticmethod
    def _delivery_queue(update: JSONDict) -> tuple[str, int]:
        """What Telegram sends one at a time: the updates of one chat (else of one user)
        wait for each other; updates of different chats go out in parallel."""
        for kind, body in update.items():
            if not isinstance(body, dict):
                continue
            chat = body.get("chat") or (body.get("message") or {}).get("chat")
            if isinstance(chat, dict) and "id" in chat:
                return ("chat", int(chat["id"]))
            sender = body.get("from")
            if isinstance(sender, dict) and "id" in sender:
                return ("user", int(sender["id"]))
            return (kind, int(update["update_id"]))
        return ("update", int(update["update_id"]))

    async def _webhook_worker(self) -> None:
        """Deliver pending updates to the webhook: at most ``max_connections`` POSTs at
        once, one at a time per chat in update order, each retried (with a growing wait,
        on the next backend) until a 2xx answer or WEBHOOK_ATTEMPTS failures."""
        loop = asyncio.get_running_loop()
        while not self._closing and self.webhook_url:
            self._keep_pending(lambda p: p.posting or self._allowed(p.update))
            busy = {self._delivery_queue(p.update) for p in self._pending if p.posting}
            wake = math.inf
            now = loop.time()
            for pending in list(self._pending):
                if len(self._posts) >= self._max_connections:
                    break
                queue = self._delivery_queue(pending.update)
                if pending.posting or queue in busy:
                    continue
                busy.add(queue)  # later updates of this chat wait behind this one
                if pending.retry_at > now:
                    wake = min(wake, pending.retry_at)
                    continue
                pending.posting = True
                task = asyncio.create_task(self._post(pending))
                self._posts.add(task)
                task.add_done_callback(self._posts.discard)
                self.most_posts_at_once = max(self.most_posts_at_once, len(self._posts))
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), None if wake == math.inf else wake - now)

    async def _post(self, pending: _Pending) -> None:
        """POST one update once; on failure schedule its next try (or give up on it).

        Behind a routed URL a POST that gets no answer (the process is down) is tried on
        the next process at once, as a load balancer does with a refused connection; an
        answer that is not 2xx goes back to "Telegram" as it is."""
        update = pending.update
        status: int | None = None
        error: str | None = None
        tries = max(1, len(self._backends.get(self.webhook_url, ())))
        for _ in range(tries):
            target = self._webhook_target()
            try:
                status = await self.post_to_webhook(update, url=target)
            except asyncio.CancelledError:
                pending.posting = False
                raise
            except Exception as exc:  # connection refused, reset, timeouts, ...
                status, error = None, f"{type(exc).__name__}: {exc}"
                self.webhook_deliveries.append(
                    WebhookDelivery(update["update_id"], None, error, target)
                )
                continue
            error = None if 200 <= status < 300 else f"Wrong response from the webhook: {status}"
            self.webhook_deliveries.append(
                WebhookDelivery(update["update_id"], status, error, target)
            )
            break
        pending.posting = False
        task = asyncio.current_task()
        if task is not None:
            self._posts.discard(task)
        if error is None:
            pending.delivered = True
            self._drop_pending(pending)
        else:
            self._webhook_info["last_error_date"] = int(time.time())
            self._webhook_info["last_error_message"] = error
            pending.attempts += 1
            if pending.attempts >= WEBHOOK_ATTEMPTS:  # given up on, as Telegram eventually does
                self._drop_pending(pending)
            else:
                wait = min(WEBHOOK_RETRY_FIRST * 2 ** (pending.attempts - 1), WEBHOOK_RETRY_MOST)
                pending.retry_at = asyncio.get_running_loop().time() + wait
        self._notify()

    async def _stop_webhook_worker(self) -> None:
        task, self._webhook_task = self._webhook_task, None
        posts, self._posts = list(self._posts), set()
        for running in [*posts, task]:
            if running is not None:
                running.cancel()
        for running in [*posts, task]:
            if running is not None:
                with contextlib.suppress(asyncio.CancelledError):
                    await running
        for pending in self._pending:
            pending.posting = False

    # -- HTTP -----------------------------------------------------------------------------------

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error_response(BotApiError(404, "Not Found"))

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(BotApiError(401, "Unauthorized"))
        path = request.match_info["path"]
        for stored in self._files.values():
            if stored.file_path == path:
                return web.Response(body=stored.data, content_type="application/octet-stream")
        return _error_response(BotApiError(404, "Not Found"))

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error_response(BotApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        try:
            raw = await _read_params(request)
        except ValueError as exc:
            return _error_response(bad_request(str(exc)))
        attachments = _split_attachments(raw)
        params = self._decode(method, raw)
        call = Call(method, params)
        self._calls.append(call)
        self._notify()
        if self.schema is not None:
            self.violations += self.schema.check(method, params)
        held = self._hold_for(method, params)
        if held is not None and held.nth == 0:  # a later call about a held chat (a retry)
            await self._frozen(held.chat_id)
            return _error_response(BotApiError(502, "Bad Gateway"))
        if held is not None:
            held.call = call
            if not held.after:  # never done: the bot "died" before the call reached Telegram
                held.caught.set()
                self._notify()
                await held.released.wait()
                return _error_response(BotApiError(502, "Bad Gateway"))
            before = len(self._sent)
            response = await self._answer(method, params, attachments)
            held.sent = self._sent[before:]
            held.caught.set()
            self._notify()
            await held.released.wait()
            return response
        return await self._answer(method, params, attachments)

    async def _answer(
        self, method: str, params: JSONDict, attachments: dict[str, UploadedFile]
    ) -> web.Response:
        """Do a call and answer it, as Telegram would."""
        handler = self._handlers.get(method.lower())
        if handler is None:
            if self.schema is not None and self.schema.canonical_method(method):
                self.errors.append(f"{method}: documented but not emulated (extend botapi.py)")
                return _error_response(BotApiError(501, f"Not Implemented: {method}"))
            return _error_response(BotApiError(404, "Not Found"))
        send = self._message_send(method, params)
        fault = self._take_fault(method, params)
        if fault is not None:
            if send is not None:
                self.injected_refusals.append(send)
            return _error_response(fault)
        if send is not None and self.flood is not None:
            refusal = self._over_flood_limits(send, self.flood)
            if refusal is not None:
                self.flood_refusals.append(send)
                return _error_response(refusal)
        try:
            result = await handler(params, attachments)
            if send is not None:  # sends are not awaited inside: no other call came between
                self.message_sends.append(send)
        except BotApiError as exc:
            return _error_response(exc)
        except Exception:
            self.errors.append(f"{method} crashed the emulator:\n{traceback.format_exc()}")
            return _error_response(BotApiError(500, "Internal Server Error"))
        finally:
            self._notify()
        return web.json_response({"ok": True, "result": result})

    def _decode(self, method: str, raw: JSONDict) -> JSONDict:
        if self.schema is not None and self.schema.canonical_method(method):
            return self.schema.decode(method, raw)
        out: JSONDict = {}
        for name, value in raw.items():
            if isinstance(value, str) and name in _JSON_FIELDS:
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            elif isinstance(value, str) and value in ("true", "false"):
                value = value == "true"
            elif (
                isinstance(value, str) and _INT_RE.match(value) and name not in ("text", "caption")
            ):
                value = int(value)
            out[name] = value
        return out

    def _take_fault(self, method: str, params: JSONDict) -> BotApiError | None:
        name = method.lower()
        for fault in self._faults:
            if fault.chat_id is not None and fault.chat_id != self._chat_id_in(params):
                continue
            if fault.method == name or (fault.method is None and name != "getupdates"):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                return fault.error
        return None

    # -- flood limits ---------------------------------------------------------------------------

    def _chat_id_in(self, params: JSONDict) -> int | None:
        raw = params.get("chat_id")
        if isinstance(raw, str) and raw.startswith("@"):
            return self._usernames.get(raw[1:].lower())
        try:
            return int(raw) if raw is not None else None
        except (TypeError, ValueError):
            return None

    def _message_send(self, method: str, params: JSONDict) -> MessageSend | None:
        chat_id = self._chat_id_in(params)
        if method.lower() not in MESSAGE_METHODS or chat_id is None:
            return None
        media = params.get("media") if method.lower() == "sendmediagroup" else None
        count = len(media) if isinstance(media, list) and media else 1
        return MessageSend(asyncio.get_running_loop().time(), chat_id, method, count)

    def _over_flood_limits(self, send: MessageSend, limits: FloodLimits) -> BotApiError | None:
        """429 if ``send`` goes over a limit, counting the sends accepted before it."""
        horizon = send.at - max(limits.group_window, limits.private_interval, 1.0)
        recent: list[MessageSend] = []
        for earlier in reversed(self.message_sends):
            if earlier.at <= horizon:
                break
            recent.append(earlier)
        recent.reverse()
        # The overall limit counts calls; a group's counts messages (the FAQ above).
        waits = [_window_wait([s.at for s in recent], send.at, 1.0, limits.per_second)]
        chat = self._chats.get(send.chat_id)
        if (chat.type == "private") if chat else send.chat_id > 0:
            here = [s.at for s in recent if s.chat_id == send.chat_id]
            waits.append(_window_wait(here, send.at, limits.private_interval, 1))
        else:  # a group counts each message, an album's photos one by one
            here = [s.at for s in recent if s.chat_id == send.chat_id for _ in range(s.count)]
            waits.append(
                _window_wait(
                    here, send.at, limits.group_window, limits.group_per_minute, send.count
                )
            )
        wait = max(waits)
        if wait <= 0:
            return None
        retry_after = max(1, math.ceil(wait))  # Telegram says whole seconds
        return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    # -- method table ---------------------------------------------------------------------------

    def _method_table(self) -> dict[str, Handler]:
        table: dict[str, Handler] = {
            "getMe": self._get_me,
            "logOut": self._true,
            "close": self._true,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "setMyDescription": self._set_bot_text("description"),
            "getMyDescription": self._get_bot_text("description"),
            "setMyShortDescription": self._set_bot_text("short_description"),
            "getMyShortDescription": self._get_bot_text("short_description"),
            "setMyName": self._set_bot_text("name"),
            "getMyName": self._get_bot_text("name"),
            "setChatMenuButton": self._true,
            "getChatMenuButton": self._get_menu_button,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendDocument": self._send_document,
            "sendMediaGroup": self._send_media_group,
            "editMessageText": self._edit_message_text,
            "editMessageCaption": self._edit_message_caption,
            "editMessageReplyMarkup": self._edit_message_reply_markup,
            "deleteMessage": self._delete_message,
            "deleteMessages": self._delete_messages,
            "answerCallbackQuery": self._answer_callback_query,
            "sendChatAction": self._send_chat_action,
            "getFile": self._get_file,
            "getChatMember": self.groups.get_chat_member,
            "getChatAdministrators": self.groups.get_chat_administrators,
            "createForumTopic": self.groups.create_forum_topic,
        }
        return {name.lower(): handler for name, handler in table.items()}

    async def _true(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        return True

    async def _get_me(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        return dict(self.bot_user)

    # getUpdates ---------------------------------------------------------------------------------

    def _allowed(self, update: JSONDict) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in DEFAULT_UPDATE_TYPES_EXCLUDED

    async def _get_updates(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        if self.webhook_url:
            raise BotApiError(409, WEBHOOK_CONFLICT)
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if not 1 <= limit <= 100:
            limit = 100
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"] or [])
        if offset > 0:
            self._keep_pending(lambda p: p.forced or p.update["update_id"] >= offset)
        elif offset < 0:
            tail = {id(p) for p in self._pending[offset:]}
            self._keep_pending(lambda p: id(p) in tail)
        self._poll_generation += 1
        generation = self._poll_generation
        self._notify()  # wakes an older long poll, which then ends with 409
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            self._keep_pending(lambda p: self._allowed(p.update))
            batch = self._pending[:limit]
            if batch or self._closing:
                for pending in batch:
                    pending.forced = False
                    pending.delivered = True
                self._notify()
                return [p.update for p in batch]
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                return []
            event = self._changed
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)
            if generation != self._poll_generation:
                raise BotApiError(409, POLL_CONFLICT)
            if self.webhook_url:
                raise BotApiError(409, WEBHOOK_CONFLICT)

    # webhooks -----------------------------------------------------------------------------------

    async def _set_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return await self._delete_webhook(params, files)
        match = re.match(r"(https?)://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(/|$)", url)
        if not match and url not in self._backends:
            raise bad_request(
                "bad webhook: the emulator only delivers to http(s)://127.0.0.1 or localhost "
                "(or to a public URL a test routed with route_webhook)"
            )
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise bad_request("secret token contains unallowed characters")
        connections = int(params.get("max_connections") or DEFAULT_MAX_CONNECTIONS)
        lowest, highest = MAX_CONNECTIONS_RANGE
        if not lowest <= connections <= highest:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        if params.get("drop_pending_updates"):
            self._keep_pending(lambda p: p.posting)
        if "allowed_updates" in params:
            self._allowed_updates = list(params["allowed_updates"] or [])
        same = url == self.webhook_url and self._webhook_task is not None
        self.webhook_url = url
        self.webhook_secret = str(secret) if secret is not None else None
        self._max_connections = connections
        self._webhook_info = {"max_connections": connections}
        if params.get("ip_address"):
            self._webhook_info["ip_address"] = params["ip_address"]
        if not same:  # setting the same webhook again keeps the POSTs under way going
            await self._stop_webhook_worker()
            self._webhook_task = asyncio.create_task(self._webhook_worker())
        self._notify()  # a pending getUpdates now ends with 409; new limits apply
        return True

    async def _delete_webhook(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        await self._stop_webhook_worker()
        if params.get("drop_pending_updates"):
            self._keep_pending(lambda p: False)
        self.webhook_url = ""
        self.webhook_secret = None
        self._webhook_info = {}
        self._notify()
        return True

    async def _get_webhook_info(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self.webhook_url:
            info.update(self._webhook_info)
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    # commands and bot texts ---------------------------------------------------------------------

    @staticmethod
    def _command_key(params: JSONDict) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _set_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise bad_request('parameter "commands" is required')
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        for command in commands:
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self._commands[self._command_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        return list(self._commands.get(self._command_key(params), []))

    async def _delete_my_commands(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        self._commands.pop(self._command_key(params), None)
        return True

    def _set_bot_text(self, key: str) -> Handler:
        async def handler(params: JSONDict, files: dict[str, UploadedFile]) -> bool:
            self._bot_texts[(key, str(params.get("language_code") or ""))] = str(
                params.get(key) or ""
            )
            return True

        return handler

    def _get_bot_text(self, key: str) -> Handler:
        async def handler(params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
            value = self._bot_texts.get((key, str(params.get("language_code") or "")), "")
            return {key: value}

        return handler

    async def _get_menu_button(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        return {"type": "default"}

    # sending ------------------------------------------------------------------------------------

    def target_chat(self, params: JSONDict) -> FakeChat:
        """The chat a call names (``chat_id``), refused as Telegram refuses it."""
        return self._target_chat(params)

    def known_user(self, user_id: int) -> JSONDict | None:
        """A user the emulator made (their private chat is known), as ``from`` shows them."""
        chat = self._chats.get(user_id)
        if chat is None or chat.type != "private":
            return None
        return self._private_peer(chat).to_dict()

    def new_message_id(self, chat_id: int) -> int:
        """The next message id in a chat (ids count up per chat, as in Telegram)."""
        return self._new_message_id(chat_id)

    def _target_chat(self, params: JSONDict) -> FakeChat:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            chat_id = self._usernames.get(raw[1:].lower())
            if chat_id is None:
                raise bad_request("chat not found")
        else:
            try:
                chat_id = int(raw)
            except (TypeError, ValueError):
                raise bad_request("chat not found") from None
        self.groups.refuse_migrated(chat_id)
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats:
                raise bad_request("chat not found")
            chat = FakeChat(chat_id, "private" if chat_id > 0 else "supergroup", first_name="?")
        if chat.id in self._not_started:
            raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
        if chat.id in self._blocked:
            if chat.type == "private":
                raise BotApiError(403, "Forbidden: bot was blocked by the user")
            kind = "group chat" if chat.type == "group" else f"{chat.type} chat"
            raise BotApiError(403, f"Forbidden: bot was kicked from the {kind}")
        return chat

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _bot_message(self, chat: FakeChat, params: JSONDict) -> JSONDict:
        message: JSONDict = {
            "message_id": self._new_message_id(chat.id),
            "from": {k: self.bot_user[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        thread = params.get("message_thread_id")
        if (
            chat.is_forum
            and thread is not None
            and int(thread) not in self._topics.get(chat.id, ())
        ):
            raise bad_request("message thread not found")
        if thread is not None and chat.type != "private":
            message["message_thread_id"] = int(thread)
            if chat.is_forum:
                message["is_topic_message"] = True
        reply = self._reply_target(chat, params)
        if reply is not None:
            message["reply_to_message"] = _without_reply(reply)
        return message

    def _reply_target(self, chat: FakeChat, params: JSONDict) -> JSONDict | None:
        reply_parameters = params.get("reply_parameters")
        if isinstance(reply_parameters, dict):
            message_id: Any = reply_parameters.get("message_id")
            chat_id: Any = reply_parameters.get("chat_id", chat.id)
            lenient = bool(reply_parameters.get("allow_sending_without_reply"))
        elif params.get("reply_to_message_id") is not None:
            message_id, chat_id = params["reply_to_message_id"], chat.id
            lenient = bool(params.get("allow_sending_without_reply"))
        else:
            return None
        try:
            key = (int(chat_id), int(message_id))
        except (TypeError, ValueError):
            raise bad_request("message to be replied not found") from None
        original = self._messages.get(key)
        sent = self._sent_by_key.get(key)
        if original is None or (sent is not None and sent.deleted):
            if lenient:
                return None
            raise bad_request("message to be replied not found")
        return original

    def _formatted(
        self, params: JSONDict, key: str, limit: int, *, required: bool
    ) -> tuple[str, list[JSONDict]]:
        raw = params.get(key)
        entities_key = "entities" if key == "text" else "caption_entities"
        if raw is None:
            if required:
                raise bad_request(f"message {key} is empty")
            return "", []
        parse_mode = params.get("parse_mode")
        try:
            visible, entities = parse_text(str(raw), parse_mode if parse_mode else None)
        except EntityParseError as exc:
            raise bad_request(f"can't parse entities: {exc}") from None
        if not parse_mode and isinstance(params.get(entities_key), list):
            entities = list(params[entities_key])
        stripped = visible.strip()
        if required and not stripped:
            raise bad_request(f"message {key} is empty")
        # Telegram documents the limits in "characters" and counts entity offsets in UTF-16
        # code units (https://core.telegram.org/api/entities#entity-length); the emulator
        # counts the limits in UTF-16 units too, the stricter reading: an emoji counts 2.
        if _utf16(stripped) > limit:
            raise bad_request(
                "message is too long" if key == "text" else "message caption is too long"
            )
        return visible, entities

    def _inline_markup(self, params: JSONDict) -> JSONDict | None:
        """Validate ``reply_markup``; return it if it is an inline keyboard."""
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise bad_request(
                'field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays'
            )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                    raise bad_request("BUTTON_TEXT_INVALID")
                if not set(button) - _BUTTON_DECORATION:
                    raise bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if (
                    data is not None
                    and not 1 <= len(str(data).encode("utf-8")) <= MAX_CALLBACK_DATA
                ):
                    raise bad_request("BUTTON_DATA_INVALID")
                url = button.get("url")
                if url is not None and not re.match(r"(https?|tg)://\S+", str(url)):
                    raise bad_request("BUTTON_URL_INVALID")
        return markup

    def _record(self, method: str, message: JSONDict, params: JSONDict) -> SentMessage:
        key = (message["chat"]["id"], message["message_id"])
        self._messages[key] = message
        sent = SentMessage(method, message, dict(params), params.get("parse_mode"))
        self._sent.append(sent)
        chat = self._chats.get(key[0])
        if chat is not None and chat.is_forum and "message_thread_id" not in message:
            self.general_posts.append(sent)
        self._sent_by_key[key] = sent
        return sent

    async def _send_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._target_chat(params)
        text, entities = self._formatted(params, "text", MAX_TEXT, required=True)
        markup = self._inline_markup(params)
        message = self._bot_message(chat, params)
        message["text"] = text
        if entities:
            message["entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        return self._record("sendMessage", message, params).message

    async def _send_photo(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._target_chat(params)
        caption, entities = self._formatted(params, "caption", MAX_CAPTION, required=False)
        markup = self._inline_markup(params)
        sizes = self._resolve_photo(params.get("photo"), files)
        message = self._bot_message(chat, params)
        message["photo"] = sizes
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        if params.get("has_spoiler"):
            message["has_media_spoiler"] = True
        if markup is not None:
            message["reply_markup"] = markup
        return self._record("sendPhoto", message, params).message

    async def _send_document(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._target_chat(params)
        caption, entities = self._formatted(params, "caption", MAX_CAPTION, required=False)
        markup = self._inline_markup(params)
        document = self._resolve_file(params.get("document"), files, "document")
        message = self._bot_message(chat, params)
        message["document"] = document
        if caption:
            message["caption"] = caption
        if entities:
            message["caption_entities"] = entities
        if markup is not None:
            message["reply_markup"] = markup
        return self._record("sendDocument", message, params).message

    async def _send_media_group(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        chat = self._target_chat(params)
        media = params.get("media")
        if not isinstance(media, list):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media in the group: must include 2-10 items")
        kinds = {str(item.get("type")) for item in media if isinstance(item, dict)}
        if len(kinds) > 1 and kinds & {"document", "audio"}:
            raise bad_request(
                f"{sorted(kinds & {'document', 'audio'})[0]} can't be mixed with other media types"
            )
        prepared: list[tuple[JSONDict, JSONDict, str, list[JSONDict]]] = []
        for item in media:
            if not isinstance(item, dict) or "media" not in item:
                raise bad_request("can't parse InputMedia JSON object")
            caption, entities = self._formatted(item, "caption", MAX_CAPTION, required=False)
            kind = str(item.get("type"))
            if kind == "photo":
                content: JSONDict = {"photo": self._resolve_photo(item["media"], files)}
            else:
                content = {kind: self._resolve_file(item["media"], files, kind)}
            prepared.append((item, content, caption, entities))
        self._media_group_counter += 1
        group_id = str(self._media_group_counter)
        results: list[JSONDict] = []
        for index, (item, content, caption, entities) in enumerate(prepared):
            message = self._bot_message(chat, params if index == 0 else _no_reply(params))
            message["media_group_id"] = group_id
            message.update(content)
            if caption:
                message["caption"] = caption
            if entities:
                message["caption_entities"] = entities
            item_params = {**_no_reply(params), **{k: v for k, v in item.items() if k != "type"}}
            item_params.pop("media", None)
            results.append(self._record("sendMediaGroup", message, item_params).message)
        return results

    # files --------------------------------------------------------------------------------------

    def _new_ids(self, kind: str) -> tuple[str, str]:
        self._file_counter += 1
        seed = hashlib.sha256(f"{self.bot_id}:{kind}:{self._file_counter}".encode()).digest()
        blob = base64.urlsafe_b64encode(seed + seed[:18]).decode().rstrip("=")
        prefix = {"photo": "AgACAgIAAxkDAAI", "document": "BQACAgIAAxkDAAI"}.get(
            kind, "CAACAgIAAxkDAAI"
        )
        file_id = f"{prefix}{blob[:56]}"
        unique = "AQAD" + base64.urlsafe_b64encode(seed[20:32]).decode().rstrip("=")
        return file_id, unique

    def _upload_of(self, value: Any, files: dict[str, UploadedFile]) -> UploadedFile | None:
        if isinstance(value, UploadedFile):
            return value
        if isinstance(value, str) and value.startswith("attach://"):
            upload = files.get(value.removeprefix("attach://"))
            if upload is None:
                raise bad_request(f"file {value} not found in the request")
            return upload
        return None

    def _resolve_photo(self, value: Any, files: dict[str, UploadedFile]) -> list[JSONDict]:
        upload = self._upload_of(value, files)
        if upload is not None:
            return self._store_photo(upload)
        if not isinstance(value, str) or not value:
            raise bad_request("there is no photo in the request")
        if value not in self._files or self._files[value].kind != "photo":
            raise bad_request(WRONG_FILE.removeprefix("Bad Request: "))
        return [self._files[i].photo_size() for i in self._photo_sets[value] if i in self._files]

    def _store_photo(self, upload: UploadedFile) -> list[JSONDict]:
        if not upload.data:
            raise bad_request("file must be non-empty")
        width, height = image_size(upload.data) or (800, 600)
        ids: list[str] = []
        for side in (90, 320, 800, 1280, 2560):
            if max(width, height) <= side:
                w, h = width, height
            else:
                scale = side / max(width, height)
                w, h = max(1, round(width * scale)), max(1, round(height * scale))
            file_id, unique = self._new_ids("photo")
            self._files[file_id] = StoredFile(
                file_id, unique, upload.data, "photo", f"photos/file_{self._file_counter}.jpg", w, h
            )
            ids.append(file_id)
            if max(width, height) <= side:
                break
        for file_id in ids:
            self._photo_sets[file_id] = ids
        return [self._files[i].photo_size() for i in ids]

    def _resolve_file(self, value: Any, files: dict[str, UploadedFile], kind: str) -> JSONDict:
        upload = self._upload_of(value, files)
        if upload is not None:
            file_id, unique = self._new_ids(kind)
            stored = StoredFile(
                file_id,
                unique,
                upload.data,
                kind,
                f"{kind}s/file_{self._file_counter}",
                file_name=upload.filename,
                mime_type=upload.content_type,
            )
            self._files[file_id] = stored
        elif isinstance(value, str) and value in self._files:
            stored = self._files[value]
        else:
            raise bad_request(WRONG_FILE.removeprefix("Bad Request: "))
        data: JSONDict = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
        }
        if stored.file_name:
            data["file_name"] = stored.file_name
        if stored.mime_type:
            data["mime_type"] = stored.mime_type
        return data

    async def _get_file(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        stored = self._files.get(str(params.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    # editing ------------------------------------------------------------------------------------

    def _editable(self, params: JSONDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad_request("inline messages are not emulated")
        try:
            key = (int(params["chat_id"]), int(params["message_id"]))
        except (KeyError, TypeError, ValueError):
            raise bad_request("message to edit not found") from None
        self._target_chat(params)
        sent = self._sent_by_key.get(key)
        if sent is None:
            if key in self._messages:
                raise bad_request("message can't be edited")
            raise bad_request("message to edit not found")
        if sent.deleted:
            raise bad_request("message to edit not found")
        return sent

    def _apply_edit(self, sent: SentMessage, changes: JSONDict, params: JSONDict) -> JSONDict:
        new = {k: v for k, v in sent.message.items() if k not in changes or changes[k] is not None}
        new.update({k: v for k, v in changes.items() if v is not None})
        if all(new.get(k) == sent.message.get(k) for k in changes):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        new["edit_date"] = int(time.time())
        sent.history.append(sent.message)
        sent.message = new
        sent.params = {**sent.params, **params}
        if "parse_mode" in params or "text" in params or "caption" in params:
            sent.parse_mode = params.get("parse_mode")
        self._messages[(sent.chat_id, sent.message_id)] = new
        return new

    async def _edit_message_text(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> JSONDict:
        sent = self._editable(params)
        if "text" not in sent.message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._formatted(params, "text", MAX_TEXT, required=True)
        markup = self._inline_markup(params)
        changes = {"text": text, "entities": entities or None, "reply_markup": markup}
        return self._apply_edit(sent, changes, params)

    async def _edit_message_caption(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> JSONDict:
        sent = self._editable(params)
        if "text" in sent.message:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._formatted(params, "caption", MAX_CAPTION, required=False)
        markup = self._inline_markup(params)
        changes = {
            "caption": caption or None,
            "caption_entities": entities or None,
            "reply_markup": markup,
        }
        return self._apply_edit(sent, changes, params)

    async def _edit_message_reply_markup(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> JSONDict:
        sent = self._editable(params)
        markup = self._inline_markup(params)
        return self._apply_edit(sent, {"reply_markup": markup}, params)

    async def _delete_message(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        chat = self._target_chat(params)
        self._delete_one(chat, params.get("message_id"))
        return True

    async def _delete_messages(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        chat = self._target_chat(params)
        ids = params.get("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must contain 1-100 identifiers")
        for message_id in ids:
            with contextlib.suppress(BotApiError):
                self._delete_one(chat, message_id)
        return True

    def _delete_one(self, chat: FakeChat, message_id: Any) -> None:
        try:
            key = (chat.id, int(message_id))
        except (TypeError, ValueError):
            raise bad_request("message identifier is not specified") from None
        if key not in self._messages:
            raise bad_request("message to delete not found")
        author = (self._messages[key].get("from") or {}).get("id")
        others = chat.type != "private" and author != self.bot_id
        if others and not self.groups.bot_may_delete(chat.id):  # in a group: admins only
            raise bad_request("message can't be deleted")
        del self._messages[key]
        sent = self._sent_by_key.get(key)
        if sent is not None:
            sent.deleted = True

    # callbacks and actions ----------------------------------------------------------------------

    async def _answer_callback_query(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_callback_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > MAX_CALLBACK_ANSWER:
            raise bad_request("MESSAGE_TOO_LONG")
        del self._open_callback_queries[query_id]
        self.callback_answers.append(dict(params))
        return True

    async def _send_chat_action(self, params: JSONDict, files: dict[str, UploadedFile]) -> bool:
        self._target_chat(params)
        if params.get("action") not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        return True


# -- helpers ------------------------------------------------------------------------------------


def _window_wait(times: list[float], now: float, window: float, limit: int, need: int = 1) -> float:
    """How long until at most ``limit - need`` of ``times`` (ascending) lie in
    ``(now - window, now]``, so that ``need`` more messages fit."""
    inside = [t for t in times if t > now - window]
    drop = len(inside) - max(limit - need, 0)
    if drop <= 0:
        return 0.0
    return inside[min(drop, len(inside)) - 1] + window - now


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _command_entities(text: str) -> list[JSONDict]:
    return [
        {"type": "bot_command", "offset": _utf16(text[: m.start()]), "length": _utf16(m.group())}
        for m in _COMMAND_RE.finditer(text)
    ]


def _message_of(value: SentMessage | JSONDict) -> JSONDict:
    if isinstance(value, SentMessage):
        return value.message
    for key in ("message", "edited_message", "channel_post"):
        if key in value and isinstance(value[key], dict):
            return dict(value[key])
    if "callback_query" in value:
        return dict(value["callback_query"]["message"])
    return value


def _without_reply(message: JSONDict) -> JSONDict:
    return {k: v for k, v in message.items() if k != "reply_to_message"}


def _no_reply(params: JSONDict) -> JSONDict:
    return {k: v for k, v in params.items() if k not in ("reply_parameters", "reply_to_message_id")}


def _chat_from_dict(data: JSONDict) -> FakeChat:
    return FakeChat(
        id=int(data["id"]),
        type=data["type"],
        title=data.get("title"),
        username=data.get("username"),
        first_name=data.get("first_name"),
        last_name=data.get("last_name"),
        is_forum=bool(data.get("is_forum")),
    )


def _error_response(error: BotApiError) -> web.Response:
    return web.json_response(error.to_json(), status=error.code)


async def _read_params(request: web.Request) -> JSONDict:
    """Query string plus body (JSON, urlencoded or multipart) as one dict."""
    params: JSONDict = dict(request.query)
    if not request.body_exists:
        return params
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise ValueError("can't parse JSON object") from None
        if not isinstance(body, dict):
            raise ValueError("JSON body must be an object")
        params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                params[name] = UploadedFile(
                    name, value.filename, value.content_type, value.file.read()
                )
            else:
                params[name] = value
    return params


def _split_attachments(params: JSONDict) -> dict[str, UploadedFile]:
    """Move uploads referenced as ``attach://<name>`` out of the parameters."""
    text = " ".join(v for v in params.values() if isinstance(v, str))
    attachments: dict[str, UploadedFile] = {}
    for name, value in list(params.items()):
        if isinstance(value, UploadedFile) and f"attach://{name}" in text:
            attachments[name] = params.pop(name)
    return attachments


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
                i += 1 if marker == 0xFF else 2
                continue
            length = int.from_bytes(data[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height = int.from_bytes(data[i + 5 : i + 7], "big")
                width = int.from_bytes(data[i + 7 : i + 9], "big")
                return width, height
            i += 2 + length
    return None


def tiny_png(width: int = 640, height: int = 480) -> bytes:
    """A valid (blank, grey) PNG of the given size, for upload tests."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    row = b"\x00" + b"\x80" * width
    raw = zlib.compress(row * height, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
