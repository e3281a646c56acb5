"""/cases a page at a time, with marks and a tag filter; and the end of the library said."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.auxil.botapi import BotApiEmulator, SentMessage
from tests.telegram.botflow import learner_with_numbered_cases, says, to, with_button

LONG_TAG = "a-body-system-tag-long-enough-to-push-the-button-data-over-64-bytes"


def case_labels(message: SentMessage) -> list[str]:
    return [b["text"] for b in message.buttons if b["callback_data"].startswith("v1:open:")]


def rows(message: SentMessage) -> list[list[str]]:
    markup = message.reply_markup or {}
    return [[b["text"] for b in row] for row in markup.get("inline_keyboard", [])]


async def pressing(
    botapi: BotApiEmulator,
    message: SentMessage,
    label: str,
    expect: Callable[[SentMessage], bool] = lambda m: True,
) -> SentMessage:
    mark = botapi.mark()
    botapi.press_button(message, label)
    return await botapi.wait_for(expect, since=mark)


async def test_pages_marks_and_tags(botapi: BotApiEmulator, tmp_path: Path) -> None:
    def system(n: int) -> str:  # the last case has a long tag
        return LONG_TAG if n == 19 else "chest"

    async with learner_with_numbered_cases(botapi, tmp_path, 20, system=system) as alice:
        await says(botapi, alice, "/case case-01")
        await says(botapi, alice, "/reveal")  # done, missed: ❌
        first = await says(botapi, alice, "/cases")
        assert "Cases 1–8 of 20" in first.content and "✅ right the first time" in first.content
        assert case_labels(first) == [
            "Case 00 <&>",
            "❌ Case 01 <&>",
            *(f"Case {n:02} <&>" for n in range(2, 8)),
        ]
        assert rows(first)[-2:] == [["Next page ▶"], ["Filter by tag"]]
        assert "case-0" not in first.content  # ids can name a diagnosis: never shown
        turn = next(data for data in first.callback_data if ":list:" in data)

        second = await pressing(botapi, first, "Next page ▶")
        assert case_labels(second) == [f"Case {n:02} <&>" for n in range(8, 16)]
        assert rows(second)[-2] == ["◀ Previous page", "Next page ▶"]  # side by side
        last = await pressing(botapi, second, "Next page ▶")
        assert "Cases 17–20 of 20" in last.content and len(case_labels(last)) == 4

        await says(botapi, alice, "/case case-02")  # the session moves on ...
        mark = botapi.mark()  # ... and a page button pressed before it went still turns
        botapi.press(first, turn, check=False)
        again = await botapi.wait_for(to(alice, lambda m: True), since=mark)
        assert case_labels(again) == [f"Case {n:02} <&>" for n in range(8, 16)]

        menu = await pressing(botapi, again, "Filter by tag")
        assert [label for row in rows(menu) for label in row] == [
            LONG_TAG,
            "chest",
            "ct",
            "mri",
            "All cases",
        ]
        tagged = await pressing(botapi, menu, "ct")
        assert "Cases tagged “ct” 1–7 of 7" in tagged.content
        ct = [f"Case {n:02} <&>" for n in range(0, 20, 3)]
        assert case_labels(tagged) == ct and rows(tagged)[-1] == ["All cases"]
        menu = await pressing(botapi, tagged, "All cases")
        menu = await pressing(botapi, menu, "Filter by tag")
        long = await pressing(botapi, menu, LONG_TAG)  # data over 64 bytes: a stored token
        assert case_labels(long) == ["Case 19 <&>"]
        unknown = await says(botapi, alice, "/cases ultrasound")
        assert "No case is tagged “ultrasound”" in unknown.content
        assert with_button("All cases")(unknown)
        typed = await says(botapi, alice, "/cases CT")
        assert case_labels(typed) == ct
        opened = await pressing(botapi, typed, "Case 03 <&>")  # mid-case: asks first
        assert "Switch to Case 03" in opened.content


async def test_an_unknown_case_shows_the_first_page(botapi: BotApiEmulator, tmp_path: Path) -> None:
    async with learner_with_numbered_cases(botapi, tmp_path, 10) as alice:
        await says(botapi, alice, "/start")
        reply = await says(botapi, alice, "/case no-such-case")
        assert "I have no case called “no-such-case”" in reply.content
        assert len(case_labels(reply)) == 8 and with_button("Next page ▶")(reply)


async def test_the_end_of_the_library_is_said(botapi: BotApiEmulator, tmp_path: Path) -> None:
    async with learner_with_numbered_cases(botapi, tmp_path, 3) as alice:
        await says(botapi, alice, "/case")
        await says(botapi, alice, "/skip")
        await says(botapi, alice, "pneumothorax")  # ✅
        await says(botapi, alice, "next")
        await says(botapi, alice, "/reveal")  # ❌
        stats = await says(botapi, alice, "/stats")
        assert "Next unseen case: Case 02 <&>" in stats.content
        await says(botapi, alice, "/case")
        await says(botapi, alice, "/skip")
        done = await says(botapi, alice, "pneumonia")  # ❌, and the last attempt ...
        done = await says(botapi, alice, "pneumonia")
        assert with_button("Next case ▶")(done)

        end = await pressing(botapi, done, "Next case ▶")
        assert "You have done all 3 cases: 1 right the first time, 2 missed" in end.content
        assert [b["text"] for b in end.buttons] == ["Redo missed cases ▶"]
        stats = await says(botapi, alice, "/stats")
        assert "Next unseen" not in stats.content and "done every case" in stats.content
        for ask in ("/case", "next"):
            end = await says(botapi, alice, ask)
            assert "You have done all 3 cases" in end.content

        redo = await pressing(botapi, end, "Redo missed cases ▶")
        assert "Case 01 <&>" in redo.content and with_button("Images ▶")(redo)  # after 02: 01
        await says(botapi, alice, "/reveal")
        end = await says(botapi, alice, "/case")
        redo = await pressing(botapi, end, "Redo missed cases ▶")
        assert "Case 02 <&>" in redo.content  # round the missed ones
