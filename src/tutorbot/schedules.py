"""When scheduled pushes fire: weekly slots and one-off times in an IANA time zone.

Pure domain: no storage, no Telegram, no clock of its own (callers pass ``now``).

A rule is kept as its instructor wrote it, a local time in a named zone
(:class:`WeeklySlot`, :class:`OneOff`); the UTC instant of each firing is
computed from it when needed (:func:`next_fire`), never stored in its place,
so a weekly slot stays at 08:00 local across daylight-saving changes.

Two local times need a rule of their own, and get this one:

* a local time that does not exist that day (the clocks jump over it) fires
  at the next minute that does exist: Europe/London's 01:30 on the last
  Sunday of March fires at 02:00 BST, the instant the clocks jump;
* a local time that occurs twice (the clocks go back over it) fires once, at
  its first occurrence.

After downtime, :func:`catch_up` says what to do with the slots that passed:
only the latest missed slot fires, and only if it is less than
:data:`LATE_LIMIT` late; every other one is reported as skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: A slot that passed while nobody could fire it is still fired when it is less than this late.
LATE_LIMIT = timedelta(hours=6)

#: Weekday names as people type them, Monday first (``date.weekday()`` numbering).
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

#: The longest run of local time a zone has ever skipped (Samoa skipped 30 December 2011);
#: a search for the next existing minute that goes past this has a bug, not a zone, to blame.
_LONGEST_GAP = timedelta(days=2)
_MINUTE = timedelta(minutes=1)


class ScheduleError(ValueError):
    """A rule that cannot be kept: an unknown zone, a time that cannot be read, a past date.

    Its message is one sentence for the person who typed the rule.
    """


def zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name`` (``Europe/London``), or :class:`ScheduleError`."""
    cleaned = name.strip()
    # ZoneInfo reads files by name: a path-like key must never reach it.
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*", cleaned):
        raise ScheduleError(f"{name!r} is not a time zone; use a name like Europe/London.")
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(
            f"I do not know the time zone {cleaned!r}; use a name like Europe/London "
            "or Asia/Kuala_Lumpur."
        ) from None


@dataclass(frozen=True)
class WeeklySlot:
    """Every week on ``weekday`` (0 = Monday) at local time ``at`` in the zone ``zone_name``."""

    weekday: int
    at: time
    zone_name: str
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ScheduleError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        _settle(self)

    def describe(self) -> str:
        """``Monday 08:00 Asia/Kuala_Lumpur``: the rule as it is typed."""
        return f"{WEEKDAYS[self.weekday].capitalize()} {self.at:%H:%M} {self.zone_name}"


@dataclass(frozen=True)
class OneOff:
    """Once, at local date and time ``at`` (naive) in the zone ``zone_name``."""

    at: datetime
    zone_name: str
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _settle(self)

    def describe(self) -> str:
        """``2026-12-14 08:00 Europe/London``: the rule as it is typed."""
        return f"{self.at:%Y-%m-%d %H:%M} {self.zone_name}"

    @property
    def instant(self) -> datetime:
        """The UTC instant it fires."""
        return local_instant(self.at.date(), self.at.time(), self._zone)


Rule = WeeklySlot | OneOff


def _settle(rule: Rule) -> None:
    """Check a rule's local time (no zone of its own), drop its seconds, look its zone up."""
    if rule.at.tzinfo is not None:
        raise ScheduleError("a rule's time is a local time, without a zone of its own")
    object.__setattr__(rule, "at", rule.at.replace(second=0, microsecond=0))
    object.__setattr__(rule, "_zone", zone(rule.zone_name))


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant the local ``day`` ``at`` names in ``tz``.

    A local time that occurs twice gives its first occurrence; one that does not
    exist gives the next minute that does (the instant the clocks jumped).
    """
    wall = datetime.combine(day, at)
    for _ in range(int(_LONGEST_GAP / _MINUTE)):
        local = wall.replace(tzinfo=tz, fold=0)
        instant = local.astimezone(UTC)
        # A wall time exists when it survives the trip to UTC and back unchanged.
        if instant.astimezone(tz).replace(tzinfo=None) == wall:
            return instant
        wall = (wall + _MINUTE).replace(second=0, microsecond=0)
    raise AssertionError(f"no existing local minute within two days of {day} {at} in {tz}")


def next_fire(rule: Rule, after: datetime) -> datetime | None:
    """The first instant the rule fires strictly after ``after`` (UTC), or ``None`` (a one-off
    that has passed)."""
    _aware(after)
    if isinstance(rule, OneOff):
        instant = rule.instant
        return instant if instant > after else None
    # Each local date gives one instant and instants follow date order, so the first
    # matching date whose instant is after ``after`` is the answer. Start a day early:
    # ``after``'s local date in the zone may be a day behind its UTC date.
    day = after.astimezone(rule._zone).date() - timedelta(days=1)
    day += timedelta(days=(rule.weekday - day.weekday()) % 7)
    while True:
        instant = local_instant(day, rule.at, rule._zone)
        if instant > after:
            return instant
        day += timedelta(days=7)


def local_time(rule: Rule, moment: datetime) -> datetime:
    """``moment`` on the wall clocks of the rule's zone."""
    return _aware(moment).astimezone(rule._zone)


def fires_between(rule: Rule, start: datetime, end: datetime) -> list[datetime]:
    """Every instant the rule fires in ``[start, end]``, oldest first."""
    _aware(start)
    _aware(end)
    found: list[datetime] = []
    instant = next_fire(rule, start - timedelta(microseconds=1))
    while instant is not None and instant <= end:
        found.append(instant)
        instant = next_fire(rule, instant)
    return found


@dataclass(frozen=True)
class CatchUp:
    """What to do when a rule's due time ``due`` has come, seen at ``now``.

    ``fire``: the slot to fire now (``None``: none); ``skipped``: the slots that
    passed unfired, to report; ``next_due``: when to look again (``None``: never,
    a one-off that is over).
    """

    fire: datetime | None
    skipped: tuple[datetime, ...]
    next_due: datetime | None


def catch_up(
    rule: Rule, due: datetime, now: datetime, late_limit: timedelta = LATE_LIMIT
) -> CatchUp:
    """Decide the slots from ``due`` (the first one not yet fired) up to ``now``.

    Only the latest of them fires, and only when it is less than ``late_limit``
    late; the others, and the latest too when it is later than that, are skipped.
    A ``due`` that is not itself a slot (a rule edited since) counts the slots
    after it.
    """
    passed = fires_between(rule, due, now)
    next_due = next_fire(rule, now)
    if not passed:
        return CatchUp(None, (), next_due)
    latest = passed[-1]
    if now - latest < late_limit:
        return CatchUp(latest, tuple(passed[:-1]), next_due)
    return CatchUp(None, tuple(passed), next_due)


# -- reading what an instructor types ------------------------------------------------------


_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


def parse_time(text: str) -> time:
    """``08:00``, ``8:30``, ``7pm``, ``7:15 pm`` → a local time; or :class:`ScheduleError`."""
    match = _TIME.match(text.strip())
    if match is None:
        raise ScheduleError(f"I cannot read {text!r} as a time; write it like 08:00 or 7pm.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            raise ScheduleError(f"{text!r} is not a time on a 12-hour clock.")
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"{text!r} is not a time of day; write it like 08:00.")
    return time(hour, minute)


def parse_weekday(text: str) -> int:
    """``Monday``, ``mon``, ``MO`` → 0; or :class:`ScheduleError`."""
    word = text.strip().lower()
    matches = [n for n, name in enumerate(WEEKDAYS) if len(word) >= 2 and name.startswith(word)]
    if len(matches) != 1:
        raise ScheduleError(f"{text!r} is not a day of the week; write it like Monday.")
    return matches[0]


def parse_weekly(words: Sequence[str]) -> WeeklySlot:
    """``["Monday", "08:00", "Asia/Kuala_Lumpur"]`` → a weekly slot; or :class:`ScheduleError`."""
    words = join_ampm(words)
    if len(words) != 3:
        raise ScheduleError(
            "A weekly slot is a day, a time and a time zone, like: Monday 08:00 Europe/London."
        )
    return WeeklySlot(parse_weekday(words[0]), parse_time(words[1]), words[2])


def parse_one_off(words: Sequence[str], now: datetime) -> OneOff:
    """``["2026-12-14", "08:00", "Europe/London"]`` → a one-off in the future; or
    :class:`ScheduleError` (unreadable, or already past at ``now``)."""
    words = join_ampm(words)
    if len(words) != 3:
        raise ScheduleError(
            "A one-off push is a date, a time and a time zone, like: 2026-12-14 08:00 Europe/London."
        )
    try:
        day = date.fromisoformat(words[0])
    except ValueError:
        raise ScheduleError(
            f"I cannot read {words[0]!r} as a date; write it like 2026-12-14."
        ) from None
    rule = OneOff(datetime.combine(day, parse_time(words[1])), words[2])
    if rule.instant <= _aware(now):
        raise ScheduleError(f"{rule.describe()} has already passed; pick a time to come.")
    return rule


def rule_text(rule: Rule) -> str:
    """The rule as stored: ``weekly Monday 08:00 Europe/London`` or ``once 2026-12-14 08:00 UTC``."""
    return f"{'weekly' if isinstance(rule, WeeklySlot) else 'once'} {rule.describe()}"


def read_rule(text: str) -> Rule:
    """A rule as :func:`rule_text` wrote it (a one-off may have passed since)."""
    kind, _, rest = text.partition(" ")
    words = rest.split()
    if kind == "weekly":
        return parse_weekly(words)
    if kind == "once" and len(words) == 3:
        try:
            day = date.fromisoformat(words[0])
        except ValueError:
            raise ScheduleError(f"unreadable stored rule {text!r}") from None
        return OneOff(datetime.combine(day, parse_time(words[1])), words[2])
    raise ScheduleError(f"unreadable stored rule {text!r}")


def join_ampm(words: Sequence[str]) -> list[str]:
    """``["7", "pm"]`` read as one word ``7pm`` (what people type, as words)."""
    joined: list[str] = []
    for word in words:
        if joined and word.lower() in {"am", "pm"}:
            joined[-1] += word
        else:
            joined.append(word)
    return joined


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"expected a timezone-aware time, not {moment}")
    return moment


# -- playlists ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlaylistNext:
    """The case a playlist pushes next."""

    case_id: str


@dataclass(frozen=True)
class PlaylistDone:
    """Every case on the playlist has been pushed."""


@dataclass(frozen=True)
class PlaylistBlocked:
    """The playlist's next case is no longer published."""

    case_id: str


def playlist_next(
    playlist: Sequence[str], pushed: set[str] | frozenset[str], published: set[str] | frozenset[str]
) -> PlaylistNext | PlaylistDone | PlaylistBlocked:
    """The first case of ``playlist`` not yet ``pushed``, if it is ``published``."""
    for case_id in playlist:
        if case_id in pushed:
            continue
        return PlaylistNext(case_id) if case_id in published else PlaylistBlocked(case_id)
    return PlaylistDone()
