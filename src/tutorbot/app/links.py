"""The payloads of the deep links the bot posts: opaque random tokens, never a case id.

A payload is a prefix naming its kind and a random token from :mod:`secrets`
(96 bits; Telegram's deep links carry up to 64 characters of ``A-Za-z0-9_-``).
Every prefix has a capital letter and an underscore, which a case id (lower-case
letters, digits and hyphens) never has, so ``/start <payload>`` can never be
taken for ``/start <case-id>`` nor the other way round. The payload is stored
(:class:`~tutorbot.storage.classes.Links`); the link itself says nothing.
"""

from __future__ import annotations

import re
import secrets

from tutorbot.limits import DEEP_LINK_LIMIT
from tutorbot.storage import LinkKind

#: Random bytes per token: 96 bits, well over the 72 the links need to be unguessable.
TOKEN_BYTES = 12
#: ``secrets.token_urlsafe(TOKEN_BYTES)`` is this many characters.
TOKEN_CHARS = 16

#: The prefix of each kind of class link; never reuse one for another meaning. Other
#: features' links take other capital letters (a push card's is ``P_``).
PREFIXES: dict[LinkKind, str] = {"join": "J_", "invite": "I_", "group": "G_"}

_PAYLOAD = re.compile(rf"^([A-Z]_)([A-Za-z0-9_-]{{{TOKEN_CHARS}}})$")


def new_payload(kind: LinkKind) -> str:
    """A fresh payload for a link of ``kind``."""
    payload = PREFIXES[kind] + secrets.token_urlsafe(TOKEN_BYTES)
    assert len(payload) <= DEEP_LINK_LIMIT
    return payload


def kind_of(payload: str) -> LinkKind | None:
    """The kind of a well-formed payload; ``None`` for one that is cut short, too long,
    has characters a token never has, or an unknown prefix."""
    match = _PAYLOAD.match(payload)
    if match is None:
        return None
    return next((kind for kind, prefix in PREFIXES.items() if prefix == match[1]), None)


def start_link(bot_username: str, payload: str) -> str:
    """The link that opens a private chat with the bot and sends ``/start <payload>``."""
    return f"https://t.me/{bot_username}?start={payload}"


def group_link(bot_username: str, payload: str) -> str:
    """The link that lets the user pick a group, adds the bot there and sends
    ``/start <payload>`` in it (https://core.telegram.org/bots/features#deep-linking)."""
    return f"https://t.me/{bot_username}?startgroup={payload}"
