"""Groups as Telegram has them, for the Bot API emulator (:mod:`tests.auxil.botapi`).

The emulator's ``groups`` attribute is a :class:`Groups`; it keeps who is what in each
group and answers the calls about members. What it models:

* **Privacy mode** (on by default, as for every new bot): in a group the bot receives
  commands (``/cmd``, or ``/cmd@this_bot``; not ``/cmd@other_bot``), replies to its own
  messages, messages that mention it (``@this_bot``), service messages (members,
  migration) and every callback query; nothing else. A bot that is an admin of the
  group receives everything (https://core.telegram.org/bots/features#privacy-mode).
  :attr:`Groups.hidden` lists the updates the bot did not get.
* **Members and admins**: ``member(chat, user, status)``, ``make_admin(chat, user,
  **rights)``, ``make_owner(chat, user)``; the bot's own rights with ``bot_admin(chat,
  can_delete_messages=...)``. getChatMember and getChatAdministrators answer from them.
* **Anonymous admins**: ``send_text(..., anonymous=True)`` sends as Telegram does for an
  admin who hides: ``from`` is @GroupAnonymousBot and ``sender_chat`` is the group.
* **deleteMessage**: the bot deletes its own messages anywhere, and others' in a private
  chat, or in a group when it is an admin with ``can_delete_messages``; otherwise 400
  "message can't be deleted" (https://core.telegram.org/bots/api#deletemessage).
* **The bot added or removed**: ``add_bot(chat, by)`` and ``remove_bot(chat, by)`` inject
  the ``my_chat_member`` update; once removed, sends to the group get 403.
* **Migration**: ``migrate(chat)`` turns a basic group into a supergroup: both service
  messages (``migrate_to_chat_id`` in the old chat, ``migrate_from_chat_id`` in the new)
  are injected, and later calls to the old id get 400 with ``migrate_to_chat_id``.
* **createForumTopic** in a forum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.auxil.botapi import BotApiEmulator, FakeChat, FakeUser, JSONDict
    from tests.auxil.botapi_schema import UploadedFile

#: The user Telegram puts in ``from`` for an anonymous group admin.
ANONYMOUS_ADMIN: dict[str, Any] = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}

#: Messages that are a person's media, not a service message (privacy mode hides them).
MEDIA_KINDS = ("photo", "sticker", "voice", "audio", "video", "video_note", "document")

#: Every right an administrator may have, as ChatMemberAdministrator names them.
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)
#: Rights a supergroup admin may have besides (optional fields of ChatMemberAdministrator).
OPTIONAL_RIGHTS = ("can_pin_messages", "can_manage_topics")


@dataclass
class Member:
    """One member of a group: a status and, for an administrator, their rights."""

    user: JSONDict
    status: str = "member"  # creator, administrator, member, left, kicked
    rights: dict[str, bool] = field(default_factory=dict)
    is_anonymous: bool = False

    def to_dict(self) -> JSONDict:
        data: JSONDict = {"status": self.status, "user": dict(self.user)}
        if self.status == "creator":
            data["is_anonymous"] = self.is_anonymous
        elif self.status == "administrator":
            data.update(
                can_be_edited=False,
                is_anonymous=self.is_anonymous,
                **{right: bool(self.rights.get(right)) for right in ADMIN_RIGHTS},
                **{r: bool(self.rights[r]) for r in OPTIONAL_RIGHTS if r in self.rights},
            )
        elif self.status == "kicked":
            data["until_date"] = 0
        return data

    @property
    def admin(self) -> bool:
        return self.status in ("creator", "administrator")


class Groups:
    """Who is what in each group the emulator knows, and the calls about it."""

    def __init__(self, emulator: BotApiEmulator, *, privacy_mode: bool = True) -> None:
        self._api = emulator
        #: Privacy mode (Telegram's default): see the module's docstring.
        self.privacy_mode = privacy_mode
        #: Updates in groups the bot did not receive because of privacy mode.
        self.hidden: list[JSONDict] = []
        #: Old basic group id -> the supergroup it became.
        self.migrated: dict[int, int] = {}
        self._members: dict[int, dict[int, Member]] = {}

    # -- setting up -------------------------------------------------------------------------

    def member(self, chat: FakeChat, user: FakeUser, status: str = "member") -> Member:
        """``user`` is in ``chat`` with ``status`` (``member``, ``left``, ``kicked`` ...)."""
        found = self._roster(chat.id).setdefault(user.id, Member(user.to_dict()))
        found.status = status
        return found

    def make_admin(
        self, chat: FakeChat, user: FakeUser, *, is_anonymous: bool = False, **rights: bool
    ) -> Member:
        """``user`` is an administrator of ``chat`` with ``rights`` (all others off)."""
        admin = self.member(chat, user, "administrator")
        admin.rights, admin.is_anonymous = dict(rights), is_anonymous
        return admin

    def make_owner(self, chat: FakeChat, user: FakeUser) -> Member:
        """``user`` created ``chat``: an administrator with every right."""
        return self.member(chat, user, "creator")

    def bot_admin(self, chat: FakeChat, **rights: bool) -> Member:
        """The bot is an administrator of ``chat`` with ``rights`` (e.g. can_delete_messages)."""
        bot = self._bot_member(chat.id)
        bot.status, bot.rights = "administrator", dict(rights)
        return bot

    def bot_member(self, chat: FakeChat) -> Member:
        """The bot is an ordinary member of ``chat`` (no admin rights)."""
        bot = self._bot_member(chat.id)
        bot.status, bot.rights = "member", {}
        return bot

    def add_bot(self, chat: FakeChat, by: FakeUser, **rights: bool) -> JSONDict:
        """``by`` adds the bot to ``chat`` (an admin with ``rights`` if any are given): the
        ``my_chat_member`` update is injected and returned."""
        old = self._bot_member(chat.id).to_dict()
        self._api.unblock(chat)
        new = self.bot_admin(chat, **rights) if rights else self.bot_member(chat)
        return self._member_update(chat, by, old, new.to_dict())

    def remove_bot(self, chat: FakeChat, by: FakeUser, *, ban: bool = True) -> JSONDict:
        """``by`` removes the bot from ``chat``: sends there get 403 from now on; the
        ``my_chat_member`` update is injected and returned."""
        bot = self._bot_member(chat.id)
        old = bot.to_dict()
        bot.status, bot.rights = ("kicked" if ban else "left"), {}
        self._api.block(chat)
        return self._member_update(chat, by, old, bot.to_dict())

    def migrate(self, chat: FakeChat) -> FakeChat:
        """Turn the basic group ``chat`` into a supergroup (an admin enabled a supergroup
        feature); returns the supergroup. The members and their rights move with it."""
        from tests.auxil.botapi import FakeChat

        if chat.type != "group":
            raise ValueError(f"{chat!r} is not a basic group")
        new = self._api.group(chat.title or "Group", supergroup=True)
        new = FakeChat(new.id, "supergroup", title=chat.title)
        self.migrated[chat.id] = new.id
        self._members[new.id] = self._members.pop(chat.id, {})
        now = int(time.time())
        old_message = {
            "message_id": self._api.new_message_id(chat.id),
            "from": dict(ANONYMOUS_ADMIN),
            "chat": chat.to_dict(),
            "date": now,
            "migrate_to_chat_id": new.id,
        }
        new_message = {
            "message_id": self._api.new_message_id(new.id),
            "from": dict(ANONYMOUS_ADMIN),
            "chat": new.to_dict(),
            "date": now,
            "migrate_from_chat_id": chat.id,
        }
        self._api.inject_update({"message": old_message})
        self._api.inject_update({"message": new_message})
        return new

    # -- what the emulator asks ---------------------------------------------------------------

    def bot_is_admin(self, chat_id: int) -> bool:
        bot = self._members.get(chat_id, {}).get(self._api.bot_id)
        return bot is not None and bot.admin

    def bot_may_delete(self, chat_id: int) -> bool:
        """Whether the bot may delete others' messages in the group ``chat_id``."""
        bot = self._members.get(chat_id, {}).get(self._api.bot_id)
        if bot is None or not bot.admin:
            return False
        return bot.status == "creator" or bool(bot.rights.get("can_delete_messages"))

    def seen(self, chat_id: int, user: JSONDict) -> None:
        """A user wrote in a group: they are a member (unless the test said otherwise)."""
        if not user.get("is_bot"):
            self._roster(chat_id).setdefault(int(user["id"]), Member(dict(user)))

    def visible(self, update: JSONDict) -> bool:
        """Whether the bot receives ``update`` (privacy mode; see the module's docstring)."""
        message = update.get("message") or update.get("edited_message")
        if not isinstance(message, dict):
            return True
        chat = message.get("chat") or {}
        if chat.get("type") not in ("group", "supergroup"):
            return True
        if not self.privacy_mode or self.bot_is_admin(int(chat["id"])):
            return True
        if "text" not in message and "caption" not in message:  # service messages reach it
            return not any(kind in message for kind in MEDIA_KINDS)
        text = str(message.get("text") or message.get("caption") or "")
        username = str(self._api.bot_user["username"]).lower()
        reply = message.get("reply_to_message") or {}
        if (reply.get("from") or {}).get("id") == self._api.bot_id:
            return True
        if f"@{username}" in text.lower():
            return True
        for entity in message.get("entities") or ():
            if entity.get("type") == "bot_command" and entity.get("offset") == 0:
                command = text[: entity["length"]]
                addressed = command.partition("@")[2].lower()
                return addressed in ("", username)
        return False

    def refuse_migrated(self, chat_id: int) -> None:
        """A call to a basic group that became a supergroup: 400 with migrate_to_chat_id."""
        from tests.auxil.botapi import BotApiError

        new = self.migrated.get(chat_id)
        if new is not None:
            raise BotApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                migrate_to_chat_id=new,
            )

    # -- methods ------------------------------------------------------------------------------

    async def get_chat_member(self, params: JSONDict, files: dict[str, UploadedFile]) -> JSONDict:
        chat = self._api.target_chat(params)
        user_id = int(params.get("user_id") or 0)
        if chat.type == "private":
            if user_id not in (chat.id, self._api.bot_id):
                raise _bad("user not found")
            return Member(self._user(user_id)).to_dict()
        found = self._members.get(chat.id, {}).get(user_id)
        if found is None:
            known = self._api.known_user(user_id)
            if known is None:
                raise _bad("user not found")
            return Member(known, "left").to_dict()
        return found.to_dict()

    async def get_chat_administrators(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> list[JSONDict]:
        chat = self._api.target_chat(params)
        if chat.type == "private":
            raise _bad("there are no administrators in the private chat")
        return [m.to_dict() for m in self._members.get(chat.id, {}).values() if m.admin]

    async def create_forum_topic(
        self, params: JSONDict, files: dict[str, UploadedFile]
    ) -> JSONDict:
        chat = self._api.target_chat(params)
        if not chat.is_forum:
            raise _bad("the chat is not a forum")
        name = str(params.get("name") or "")
        if not 1 <= len(name) <= 128:
            raise _bad("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        thread_id = self._api.topic(chat)
        return {
            "message_thread_id": thread_id,
            "name": name,
            "icon_color": int(params.get("icon_color") or 0x6FB9F0),
        }

    # -- helpers ------------------------------------------------------------------------------

    def _roster(self, chat_id: int) -> dict[int, Member]:
        return self._members.setdefault(chat_id, {})

    def _user(self, user_id: int) -> JSONDict:
        if user_id == self._api.bot_id:
            return {k: self._api.bot_user[k] for k in ("id", "is_bot", "first_name", "username")}
        return self._api.known_user(user_id) or {"id": user_id, "is_bot": False, "first_name": "?"}

    def _bot_member(self, chat_id: int) -> Member:
        roster = self._roster(chat_id)
        bot = roster.get(self._api.bot_id)
        if bot is None:
            bot = roster[self._api.bot_id] = Member(self._user(self._api.bot_id), "left")
        return bot

    def _member_update(
        self, chat: FakeChat, by: FakeUser, old: JSONDict, new: JSONDict
    ) -> JSONDict:
        change = {
            "chat": chat.to_dict(),
            "from": by.to_dict(),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self._api.inject_update({"my_chat_member": change})


def _bad(description: str) -> Exception:
    from tests.auxil.botapi import bad_request

    return bad_request(description)
