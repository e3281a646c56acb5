"""Telegram's length limits end to end, with text whose UTF-16 length is not its Python length.

Telegram counts message limits (4096 text, 1024 caption) as it counts entity offsets, in
UTF-16 code units: an emoji outside the Basic Multilingual Plane is two, a CJK character
one. The emulator refuses anything over, so a render that counted ``len`` would fail here.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from tests.auxil.botapi import BotApiEmulator, SentMessage, tiny_png
from tests.telegram.botflow import running, settings_for, with_button

LUNGS = "🫁"  # U+1FAC1: 2 UTF-16 units, 1 Python character
LUNG = "肺"  # U+80BA: 1 unit
XRAY = "🩻"  # U+1FA7B: 2 units
HISTORY = [LUNGS * 1500, LUNG * 2500 + LUNGS * 2000, LUNGS * 1500 + " end", LUNG * 900]
CAPTION = XRAY * 500  # 500 characters (the case validator's count), 1000 units
FINDINGS = [f"{LUNG * 100} {n}" for n in range(3)]


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def write_wide_case(root: Path) -> None:
    folder = root / "wide"
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "a.png").write_bytes(tiny_png(32, 32))
    history = "\n".join(f'  - "{line}"' for line in HISTORY)
    findings = "\n".join(f'      - "{line}"' for line in FINDINGS)
    (folder / "case.yaml").write_text(
        f"""format: 1
id: wide
title: "Wide characters 🩺"
status: published
source:
  contributor: Test
tags:
  modality: [CT]
  system: [chest]
history:
{history}
stages:
  - images:
      - file: images/a.png
        caption: "{CAPTION}"
        annotated: images/a.png
    findings:
{findings}
diagnosis:
  answer: Pneumothorax
teaching_points:
  - Point one.
""",
        encoding="utf-8",
    )


def shown(messages: list[SentMessage]) -> str:
    return "\n".join(m.content for m in messages)


async def test_wide_text_is_split_within_the_limits_and_nothing_is_lost(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    write_wide_case(tmp_path / "cases")
    settings = settings_for(botapi, tmp_path / "bot.db", tmp_path / "cases")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, "/case wide")
        history = await botapi.wait_for(with_button("Images ▶"))
        history_messages = botapi.sent(alice)
        mark = botapi.mark()
        botapi.press_button(history, "Images ▶")
        stage = await botapi.wait_for(with_button("Findings ▶"), since=mark)
        stage_messages = botapi.sent(alice)[mark:]
        mark = botapi.mark()
        botapi.press_button(stage, "Findings ▶")
        await botapi.wait_for(with_button("Diagnosis ▶"), since=mark)
        findings_messages = botapi.sent(alice)[mark:]

    texts = [m.content for m in botapi.sent(alice) if not m.photo]
    captions = [m.caption or "" for m in botapi.sent(alice) if m.photo]
    assert all(units(text) <= 4096 for text in texts)
    assert all(units(caption) <= 1024 for caption in captions)

    # The history: 15,000 units in four lines, one of them (6,500) longer than a message.
    assert sum(units(line) for line in HISTORY) > 3 * 4096
    told = shown(history_messages)
    assert told.count(LUNGS) == sum(line.count(LUNGS) for line in HISTORY)
    assert told.count(LUNG) == sum(line.count(LUNG) for line in HISTORY)
    assert "end" in told and "\ufffd" not in told  # no emoji cut in half
    # Packed, not split early: no two neighbours would have fitted in one message.
    sizes = [units(m.content) for m in history_messages]
    assert len(sizes) >= 4
    assert all(a + b + 1 > 4096 for a, b in pairwise(sizes))

    # The caption: heading, 1,000 units of caption; what does not fit follows as text.
    photo = next(m for m in stage_messages if m.photo)
    assert (photo.caption or "").count(XRAY) + shown(stage_messages[1:]).count(XRAY) == 500
    assert shown(stage_messages).count(XRAY) == 500
    assert all(shown(findings_messages).count(finding) == 1 for finding in FINDINGS)
