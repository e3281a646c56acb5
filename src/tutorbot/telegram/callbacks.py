"""Callback data: one typed, versioned codec for every inline button the bot sends.

A button's data is ``v1:<kind>:<session version>[:<argument>...]``: short,
readable in logs, and the same format the first release used, so buttons
already on learners' phones keep working (or get a polite answer when they
are stale). The arguments: a case id (``open``, ``sw``), a push's token (``push``,
``later``, ``who``: the version is 0, a push belongs to no session), a page number and an
optional tag (``list``), an optional tag (``redo``); a tag is last and may
itself hold ``:``.
Telegram allows 1-64 bytes of callback data
(https://core.telegram.org/bots/api#inlinekeyboardbutton); data that would not
fit is kept in storage and the button carries ``v1:t:<token>`` instead.
Nothing is trusted: anything that does not decode is "not a button of ours".
"""

from __future__ import annotations

from dataclasses import dataclass

from tutorbot.app.replies import (
    KeepGoing,
    ListCases,
    ListTags,
    NextCase,
    NextStep,
    NotNow,
    OpenCase,
    Press,
    PushFlow,
    PushWho,
    RedoMissed,
    ScheduleAction,
    ShowSkipped,
    StartPush,
    SwitchCase,
)
from tutorbot.limits import CALLBACK_DATA_LIMIT

VERSION = "v1"
TOKEN_KIND = "t"

# The wire name of each kind of press; never reuse a name for another meaning.
_SIMPLE: dict[str, Press] = {
    "next": NextStep(),
    "case": NextCase(),
    "stay": KeepGoing(),
    "tags": ListTags(),
    "skipped": ShowSkipped(),
}
_WITH_CASE: dict[str, type[OpenCase] | type[SwitchCase]] = {"open": OpenCase, "sw": SwitchCase}
# Push cards and reports carry the push's opaque token (never a case id).
#: An instructor's /push steps and /schedules actions (see :class:`PushFlow`, :class:`ScheduleAction`).
PUSH_STEPS = ("class", "case", "send", "cancel")
SCHEDULE_ACTIONS = ("pause", "resume", "skip", "delete")
_WITH_TOKEN: dict[str, type[StartPush] | type[NotNow] | type[PushWho]] = {
    "push": StartPush,
    "later": NotNow,
    "who": PushWho,
}


@dataclass(frozen=True)
class Pressed:
    """A decoded button: what it does (``None``: a kind this release does not know) and
    the session version it was sent at."""

    press: Press | None
    version: int


def encode(press: Press, version: int) -> str:
    """The callback data for ``press`` at session ``version`` (may exceed 64 bytes: see
    :func:`fits` and :func:`token_data`)."""
    match press:
        case OpenCase(case_id=case_id):
            parts = ["open", str(version), case_id]
        case SwitchCase(case_id=case_id):
            parts = ["sw", str(version), case_id]
        case NextStep():
            parts = ["next", str(version)]
        case NextCase():
            parts = ["case", str(version)]
        case KeepGoing():
            parts = ["stay", str(version)]
        case ListCases(page=page, tag=tag):
            parts = ["list", str(version), str(page), *_optional(tag)]
        case ListTags():
            parts = ["tags", str(version)]
        case RedoMissed(tag=tag):
            parts = ["redo", str(version), *_optional(tag)]
        case ShowSkipped():
            parts = ["skipped", str(version)]
        case StartPush(token=token):
            parts = ["push", str(version), token]
        case NotNow(token=token):
            parts = ["later", str(version), token]
        case PushWho(token=token):
            parts = ["who", str(version), token]
        case PushFlow(step=step, token=token):
            parts = ["pf", str(version), step, token]
        case ScheduleAction(action=action, schedule_id=schedule_id):
            parts = ["sa", str(version), action, str(schedule_id)]
    return ":".join((VERSION, *parts))


def _optional(tag: str) -> list[str]:
    return [tag] if tag else []


def fits(data: str) -> bool:
    """Whether Telegram accepts ``data`` as callback data as it is."""
    return 0 < len(data.encode()) <= CALLBACK_DATA_LIMIT


def token_data(token: str) -> str:
    """The callback data that stands for stored data under ``token``."""
    return f"{VERSION}:{TOKEN_KIND}:{token}"


def stored_token(data: str | None) -> str | None:
    """The storage token ``data`` points to, if it is a token button."""
    prefix = f"{VERSION}:{TOKEN_KIND}:"
    if data and data.startswith(prefix) and len(data) > len(prefix):
        return data[len(prefix) :]
    return None


def decode(data: str | None) -> Pressed | None:
    """The button ``data`` stands for; ``None`` for data we did not make (or an older format)."""
    if not data:
        return None
    parts = data.split(":")
    if len(parts) < 3 or parts[0] != VERSION or not parts[1] or not parts[2].isdigit():
        return None
    kind, version, extra = parts[1], int(parts[2]), parts[3:]
    if kind in _SIMPLE and not extra:
        return Pressed(_SIMPLE[kind], version)
    if kind in _WITH_CASE and len(extra) == 1 and extra[0]:
        return Pressed(_WITH_CASE[kind](extra[0]), version)
    if kind in _WITH_TOKEN and len(extra) == 1 and extra[0]:
        return Pressed(_WITH_TOKEN[kind](extra[0]), version)
    if kind == "pf" and len(extra) == 2 and extra[0] in PUSH_STEPS and extra[1]:
        return Pressed(PushFlow(extra[0], extra[1]), version)
    if kind == "sa" and len(extra) == 2 and extra[0] in SCHEDULE_ACTIONS and extra[1].isdigit():
        return Pressed(ScheduleAction(extra[0], int(extra[1])), version)
    if kind == "list" and extra and extra[0].isdigit() and _tag_ok(extra[1:]):
        return Pressed(ListCases(int(extra[0]), ":".join(extra[1:])), version)
    if kind == "redo" and _tag_ok(extra):
        return Pressed(RedoMissed(":".join(extra)), version)
    return Pressed(None, version)


def _tag_ok(parts: list[str]) -> bool:
    """No tag, or a tag that is not empty (a tag is last, and may hold ``:``)."""
    return not parts or bool(":".join(parts))


# -- group rounds: their own kinds, outside the learner's session versions ----------------

#: Next ▶ on a round's status message: ``v1:rn:<round id>:<round version>``.
ROUND_NEXT = "rn"
#: A case offered by /case in a group: ``v1:rs:<stored token of the case id>``.
ROUND_START = "rs"


@dataclass(frozen=True)
class RoundPressed:
    """A group round's button: ``next`` (``round_id``, ``version``) or ``start``
    (``token``, standing for the case id in storage)."""

    kind: str
    round_id: int = 0
    version: int = 0
    token: str = ""


def round_next(round_id: int, version: int) -> str:
    return f"{VERSION}:{ROUND_NEXT}:{round_id}:{version}"


def round_start(token: str) -> str:
    return f"{VERSION}:{ROUND_START}:{token}"


def decode_round(data: str | None) -> RoundPressed | None:
    """A group round's button, or ``None`` for anything else (nothing is trusted)."""
    parts = (data or "").split(":")
    if (
        len(parts) == 4
        and parts[:2] == [VERSION, ROUND_NEXT]
        and all(p.isdigit() for p in parts[2:])
    ):
        return RoundPressed("next", int(parts[2]), int(parts[3]))
    if len(parts) == 3 and parts[:2] == [VERSION, ROUND_START] and parts[2]:
        return RoundPressed("start", token=parts[2])
    return None


#: Callback data of group rounds' buttons, for a handler's ``pattern``.
ROUND_PATTERN = rf"^{VERSION}:({ROUND_NEXT}|{ROUND_START}):"


# -- classes ---------------------------------------------------------------------------------
# Class buttons carry no session version: ``v1:c:<action>:<class id>`` acts on a class (the
# use case checks who presses), ``v1:l:<action>:<link payload>`` confirms a link opened.
# Their kinds are letters the learner's presses never use (see decode above).

CLASS_KIND = "c"
LINK_KIND = "l"
#: What an instructor's class button does (card, links, rename, archive, members, invite).
INSTRUCTOR_ACTIONS = (
    "card",
    "newjoin",
    "newgroup",
    "revoke",
    "rename",
    "archive",
    "unarchive",
    "members",
    "invite",
)
#: What a student's (leave, mute) or a group admin's (confirm the group) class button does.
MEMBER_ACTIONS = ("leave", "mute", "unmute", "confirm")
CLASS_ACTIONS = frozenset(INSTRUCTOR_ACTIONS + MEMBER_ACTIONS)
#: What a link button does: join the class, accept the invite, or not now.
LINK_ACTIONS = frozenset({"join", "accept", "no"})


@dataclass(frozen=True)
class ClassPress:
    """A class button: ``action`` on class ``class_id``."""

    action: str
    class_id: int


@dataclass(frozen=True)
class LinkPress:
    """A button under a link's offer: ``action`` with the link's ``payload``."""

    action: str
    payload: str


def encode_class(action: str, class_id: int) -> str:
    if action not in CLASS_ACTIONS:
        raise ValueError(f"unknown class action {action!r}")
    return f"{VERSION}:{CLASS_KIND}:{action}:{class_id}"


def encode_link(action: str, payload: str) -> str:
    if action not in LINK_ACTIONS:
        raise ValueError(f"unknown link action {action!r}")
    return f"{VERSION}:{LINK_KIND}:{action}:{payload}"


#: A regular expression for the class and link buttons (for PTB's handler pattern).
CLASS_PATTERN = rf"^{VERSION}:[{CLASS_KIND}{LINK_KIND}]:"


def decode_class(data: str | None) -> ClassPress | LinkPress | None:
    """The class or link button ``data`` stands for; ``None`` for anything else (an action
    this release does not know, a class id that is not a number)."""
    parts = (data or "").split(":")
    if len(parts) != 4 or parts[0] != VERSION:
        return None
    kind, action, argument = parts[1:]
    if kind == CLASS_KIND and action in CLASS_ACTIONS and argument.isdigit():
        return ClassPress(action, int(argument))
    if kind == LINK_KIND and action in LINK_ACTIONS and argument:
        return LinkPress(action, argument)
    return None


#: Instructors' result buttons: ``res:<step>:<argument>`` (not session presses, so no
#: version): a class chosen (``res:c:<class id>``, 0 for everyone), a case chosen
#: (``res:t:<token>``, the class and case id stored under a token: a case id may be 48
#: characters).
RESULTS_PREFIX = "res:"


def results_data(step: str, argument: str) -> str:
    """The callback data of a results button."""
    return f"{RESULTS_PREFIX}{step}:{argument}"


def decode_results(data: str | None) -> tuple[str, str] | None:
    """``(step, argument)`` of a results button; ``None`` for anything else."""
    if not data or not data.startswith(RESULTS_PREFIX):
        return None
    step, _, argument = data[len(RESULTS_PREFIX) :].partition(":")
    return (step, argument) if step in ("c", "t") and argument else None


#: The confirming button of /forget_me (no argument: it deletes the presser's own data).
FORGET_DATA = "forget:yes"


#: Instructors' /review buttons: ``rv:<token>``, the token standing for a stored JSON
#: payload (the case, its version, the form, the kind, the feedback).
REVIEW_PREFIX = "rv:"


def review_data(token: str) -> str:
    """The callback data of a /review button."""
    return f"{REVIEW_PREFIX}{token}"


def decode_review(data: str | None) -> str | None:
    """The token of a /review button; ``None`` for anything else."""
    if not data or not data.startswith(REVIEW_PREFIX) or len(data) == len(REVIEW_PREFIX):
        return None
    return data[len(REVIEW_PREFIX) :]
