"""When scheduled pushes fire: weekly slots across daylight-saving changes in real zones,
one-offs, catching up after downtime, what an instructor types, playlists."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tutorbot.schedules import (
    LATE_LIMIT,
    CatchUp,
    OneOff,
    PlaylistBlocked,
    PlaylistDone,
    PlaylistNext,
    ScheduleError,
    WeeklySlot,
    catch_up,
    fires_between,
    next_fire,
    parse_one_off,
    parse_time,
    parse_weekday,
    parse_weekly,
    playlist_next,
    read_rule,
    rule_text,
)

DST_ZONES = ("Europe/London", "America/New_York", "Australia/Lord_Howe")
ZONES = (*DST_ZONES, "Asia/Kuala_Lumpur", "UTC")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def slot_on(day: str, at: str, zone: str) -> WeeklySlot:
    return WeeklySlot(date.fromisoformat(day).weekday(), parse_time(at), zone)


def first_on_or_after(slot: WeeklySlot, day: str) -> datetime:
    fire = next_fire(slot, utc(day) - timedelta(days=1))
    assert fire is not None
    return fire


# -- real zones, their daylight-saving days -------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "at", "fires", "then"),
    [
        # The clocks jump 01:00 → 02:00 GMT→BST: 01:30 does not exist, 02:00 BST is next.
        ("Europe/London", "2026-03-29", "01:30", "2026-03-29 01:00", "2026-04-05 00:30"),
        # 01:00–02:00 happens twice (BST, then GMT): the first one, and once.
        ("Europe/London", "2026-10-25", "01:30", "2026-10-25 00:30", "2026-11-01 01:30"),
        ("America/New_York", "2026-03-08", "02:30", "2026-03-08 07:00", "2026-03-15 06:30"),
        ("America/New_York", "2026-11-01", "01:30", "2026-11-01 05:30", "2026-11-08 06:30"),
        # Lord Howe moves its clocks by half an hour: 02:00 → 02:30 in October ...
        ("Australia/Lord_Howe", "2026-10-04", "02:15", "2026-10-03 15:30", "2026-10-10 15:15"),
        # ... and 02:00 → 01:30 in April, so 01:45 happens twice.
        ("Australia/Lord_Howe", "2026-04-05", "01:45", "2026-04-04 14:45", "2026-04-11 15:15"),
        # Samoa skipped Friday 30 December 2011 altogether: the next minute is Saturday's first.
        ("Pacific/Apia", "2011-12-30", "09:00", "2011-12-30 10:00", "2012-01-05 19:00"),
        # No daylight saving: 08:00 in Kuala Lumpur is midnight UTC.
        ("Asia/Kuala_Lumpur", "2026-12-14", "08:00", "2026-12-14 00:00", "2026-12-21 00:00"),
    ],
)
def test_a_weekly_slot_on_a_clock_change_day(
    zone: str, day: str, at: str, fires: str, then: str
) -> None:
    slot = slot_on(day, at, zone)
    fire = first_on_or_after(slot, day)
    assert fire == utc(fires)
    assert next_fire(slot, fire) == utc(then)


def test_a_weekly_slot_keeps_its_local_time_across_the_change() -> None:
    slot = WeeklySlot(0, time(8, 0), "Europe/London")  # Monday 08:00
    fires = fires_between(slot, utc("2026-10-12 00:00"), utc("2026-11-03 00:00"))
    assert fires == [
        utc("2026-10-12 07:00"),  # BST
        utc("2026-10-19 07:00"),
        utc("2026-10-26 08:00"),  # GMT from 25 October
        utc("2026-11-02 08:00"),
    ]
    london = ZoneInfo("Europe/London")
    assert {f.astimezone(london).time() for f in fires} == {time(8, 0)}


def test_a_doubled_hour_fires_once_however_it_is_asked() -> None:
    slot = slot_on("2026-10-25", "01:30", "Europe/London")
    day = fires_between(slot, utc("2026-10-24 12:00"), utc("2026-10-25 12:00"))
    assert day == [utc("2026-10-25 00:30")]
    # Asked from between the two occurrences, the second one is not offered.
    assert next_fire(slot, utc("2026-10-25 01:00")) == utc("2026-11-01 01:30")


# -- properties over real zones -------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC)
)
slots = st.builds(
    WeeklySlot,
    st.integers(0, 6),
    st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    st.sampled_from(ZONES),
)


@settings(max_examples=300, deadline=None)
@given(slots, instants)
def test_next_fire_is_the_slot_or_the_first_minute_after_it(
    slot: WeeklySlot, after: datetime
) -> None:
    fire = next_fire(slot, after)
    assert fire is not None and after < fire <= after + timedelta(days=8)
    local = fire.astimezone(ZoneInfo(slot.zone_name))
    wanted = datetime.combine(local.date(), slot.at)
    if local.weekday() == slot.weekday and local.time() == slot.at:
        return
    # Otherwise the slot's wall time did not exist that day: the clocks jumped past it to
    # exactly this minute, and the minute before it in local time does not exist.
    if local.time() < slot.at:  # a jump over midnight: the slot's day was skipped
        wanted -= timedelta(days=1)
    assert wanted.weekday() == slot.weekday
    assert local.replace(tzinfo=None) > wanted
    gap_start = (fire - timedelta(minutes=1)).astimezone(ZoneInfo(slot.zone_name))
    assert gap_start.replace(tzinfo=None) < wanted


@settings(max_examples=200, deadline=None)
@given(slots, instants, st.integers(1, 6 * 24 * 60))
def test_nothing_fires_between_now_and_the_next_fire(
    slot: WeeklySlot, after: datetime, minutes: int
) -> None:
    fire = next_fire(slot, after)
    assert fire is not None
    probe = min(after + timedelta(minutes=minutes), fire - timedelta(microseconds=1))
    if probe > after:
        assert next_fire(slot, probe) == fire


@settings(max_examples=60, deadline=None)
@given(slots, st.integers(2020, 2034))
def test_a_year_has_one_fire_per_week(slot: WeeklySlot, year: int) -> None:
    zone = ZoneInfo(slot.zone_name)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC) - timedelta(microseconds=1)
    fires = fires_between(slot, start, end)
    assert len(fires) in (52, 53)
    assert len({f.astimezone(zone).date() for f in fires}) == len(fires)
    for earlier, later in itertools.pairwise(fires):
        assert timedelta(days=7) - timedelta(hours=2) <= later - earlier
        assert later - earlier <= timedelta(days=7) + timedelta(hours=2)


# -- after downtime -------------------------------------------------------------------------

MONDAY_8 = WeeklySlot(0, time(8, 0), "Asia/Kuala_Lumpur")  # Mondays 00:00 UTC


def test_on_time_the_slot_fires_and_the_next_is_a_week_later() -> None:
    due = utc("2026-12-14 00:00")
    assert catch_up(MONDAY_8, due, due) == CatchUp(due, (), utc("2026-12-21 00:00"))


def test_a_slot_less_than_six_hours_late_still_fires() -> None:
    due = utc("2026-12-14 00:00")
    late = due + LATE_LIMIT - timedelta(seconds=1)
    assert catch_up(MONDAY_8, due, late).fire == due


def test_a_slot_six_hours_late_is_skipped_and_reported() -> None:
    due = utc("2026-12-14 00:00")
    outcome = catch_up(MONDAY_8, due, due + LATE_LIMIT)
    assert outcome == CatchUp(None, (due,), utc("2026-12-21 00:00"))


def test_after_weeks_down_only_the_latest_slot_fires() -> None:
    due = utc("2026-11-30 00:00")
    now = utc("2026-12-14 03:00")
    outcome = catch_up(MONDAY_8, due, now)
    assert outcome.fire == utc("2026-12-14 00:00")
    assert outcome.skipped == (utc("2026-11-30 00:00"), utc("2026-12-07 00:00"))
    assert outcome.next_due == utc("2026-12-21 00:00")


def test_after_weeks_down_and_too_late_every_slot_is_skipped() -> None:
    outcome = catch_up(MONDAY_8, utc("2026-11-30 00:00"), utc("2026-12-14 09:00"))
    assert outcome.fire is None
    assert len(outcome.skipped) == 3


def test_early_nothing_fires() -> None:
    due = utc("2026-12-14 00:00")
    assert catch_up(MONDAY_8, due, due - timedelta(minutes=1)) == CatchUp(None, (), due)


def test_a_one_off_fires_once_then_never_again() -> None:
    rule = OneOff(datetime(2026, 12, 14, 8, 0), "Europe/London")
    assert rule.instant == utc("2026-12-14 08:00")
    assert catch_up(rule, rule.instant, rule.instant + timedelta(hours=1)) == CatchUp(
        rule.instant, (), None
    )
    assert catch_up(rule, rule.instant, rule.instant + LATE_LIMIT) == CatchUp(
        None, (rule.instant,), None
    )


# -- what instructors type ------------------------------------------------------------------


def test_a_weekly_slot_as_typed() -> None:
    slot = parse_weekly(["Monday", "08:00", "Asia/Kuala_Lumpur"])
    assert slot == WeeklySlot(0, time(8, 0), "Asia/Kuala_Lumpur")
    assert slot.describe() == "Monday 08:00 Asia/Kuala_Lumpur"
    assert parse_weekly(["fri", "7", "pm", "UTC"]) == WeeklySlot(4, time(19, 0), "UTC")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:00", time(8)),
        ("8:30", time(8, 30)),
        ("7pm", time(19)),
        ("12am", time(0)),
        ("23", time(23)),
    ],
)
def test_times_as_typed(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25:00", "8:60", "13pm", "noonish", "", "8.30"])
def test_a_time_that_cannot_be_read_says_how_to_write_one(text: str) -> None:
    with pytest.raises(ScheduleError, match=r"08:00|12-hour"):
        parse_time(text)


@pytest.mark.parametrize("text", ["Funday", "t", "s", ""])
def test_a_day_that_cannot_be_read(text: str) -> None:
    with pytest.raises(ScheduleError, match="day of the week"):
        parse_weekday(text)


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Europe/Londres"])
def test_an_unknown_zone_names_an_example(name: str) -> None:
    with pytest.raises(ScheduleError, match="Europe/London"):
        parse_weekly(["Monday", "08:00", name])


@pytest.mark.parametrize("name", ["../../etc/passwd", "/etc/localtime", "Europe/../UTC", "a b"])
def test_a_zone_that_looks_like_a_path_is_refused(name: str) -> None:
    with pytest.raises(ScheduleError, match="not a time zone"):
        WeeklySlot(0, time(8), name)


def test_a_weekly_slot_needs_three_words() -> None:
    with pytest.raises(ScheduleError, match="Monday 08:00 Europe/London"):
        parse_weekly(["Monday", "08:00"])


def test_a_one_off_in_the_future() -> None:
    now = utc("2026-12-08 00:00")
    rule = parse_one_off(["2026-12-14", "08:00", "Europe/London"], now)
    assert rule.instant == utc("2026-12-14 08:00")
    assert rule.describe() == "2026-12-14 08:00 Europe/London"


def test_a_one_off_in_the_past_is_refused() -> None:
    with pytest.raises(ScheduleError, match="already passed"):
        parse_one_off(["2026-12-01", "08:00", "Europe/London"], utc("2026-12-08 00:00"))


def test_a_one_off_with_a_date_that_cannot_be_read() -> None:
    with pytest.raises(ScheduleError, match="2026-12-14"):
        parse_one_off(["14/12/2026", "08:00", "Europe/London"], utc("2026-12-08 00:00"))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_fire(MONDAY_8, datetime(2026, 12, 14))


# -- playlists ------------------------------------------------------------------------------


def test_a_playlist_pushes_the_first_case_not_yet_pushed() -> None:
    published = {"a", "b", "c"}
    assert playlist_next(["a", "b", "c"], set(), published) == PlaylistNext("a")
    assert playlist_next(["a", "b", "c"], {"a", "c"}, published) == PlaylistNext("b")
    assert playlist_next(["a", "b"], {"a", "b"}, published) == PlaylistDone()
    assert playlist_next([], set(), published) == PlaylistDone()


def test_a_playlist_whose_next_case_is_unpublished_is_blocked() -> None:
    assert playlist_next(["a", "gone", "b"], {"a"}, {"a", "b"}) == PlaylistBlocked("gone")


@pytest.mark.parametrize(
    "rule",
    [
        WeeklySlot(0, time(8, 0), "Asia/Kuala_Lumpur"),
        WeeklySlot(6, time(23, 59), "Australia/Lord_Howe"),
        OneOff(datetime(2026, 12, 14, 8, 0), "Europe/London"),
    ],
)
def test_a_rule_is_stored_as_typed_and_read_back(rule: WeeklySlot | OneOff) -> None:
    text = rule_text(rule)
    assert text.split(" ", 1)[1] == rule.describe()
    assert read_rule(text) == rule


@pytest.mark.parametrize("text", ["weekly", "once 2026-12-14 08:00", "daily 08:00 UTC", ""])
def test_an_unreadable_stored_rule(text: str) -> None:
    with pytest.raises(ScheduleError):
        read_rule(text)
