"""The verdict in a short message (the rest in an expandable quote), and the findings of
skipped stages offered after it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator, SentMessage, tiny_png
from tests.auxil.botapi_format import utf16_len
from tests.telegram.botflow import CASES, SEED, running, says, settings_for, with_button
from tutorbot.cases import load_library

LIBRARY = load_library([CASES])
SHORT = 400  # UTF-16 units a verdict may show before its quote is opened


def quote_of(message: SentMessage) -> tuple[str, str]:
    """The text of the message's one expandable quote, and the rest (what shows at first)."""
    quotes = [e for e in message.entities if e["type"] == "expandable_blockquote"]
    assert len(quotes) == 1, message.entities
    units = message.content.encode("utf-16-le")
    start, end = 2 * quotes[0]["offset"], 2 * (quotes[0]["offset"] + quotes[0]["length"])
    return units[start:end].decode("utf-16-le"), (units[:start] + units[end:]).decode("utf-16-le")


@pytest.mark.parametrize("case_id", sorted(LIBRARY.cases))
@pytest.mark.parametrize("ending", ["right", "reveal"])
async def test_every_bundled_verdict_is_short(
    botapi: BotApiEmulator, tmp_path: Path, case_id: str, ending: str
) -> None:
    case = LIBRARY.cases[case_id]
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        await says(botapi, alice, f"/start {case_id}")
        await says(botapi, alice, "/skip")
        verdict = await says(
            botapi, alice, case.diagnosis.answer if ending == "right" else "reveal"
        )
    quote, shown = quote_of(verdict)
    assert utf16_len(shown) <= SHORT, shown
    assert verdict.content.startswith("✅" if ending == "right" else "Diagnosis:")
    assert f"Diagnosis: {case.diagnosis.answer}" in shown and "Next case" in shown
    assert quote.startswith(" ".join(case.diagnosis.explanation.split())[:40])
    assert "Teaching points" in quote and all(p[:30] in quote for p in case.teaching_points)
    assert [b["text"] for b in verdict.buttons] == ["Next case ▶", "Skipped findings"]


async def test_skipped_findings_are_shown_after_the_verdict(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        history = await says(botapi, alice, f"/start {SEED}")
        botapi.press_button(history, "Images ▶")
        stage = await botapi.wait_for(with_button("Findings ▶"))
        botapi.press_button(stage, "Findings ▶")
        await botapi.wait_for(with_button("Next stage ▶"))
        await says(botapi, alice, "/skip")  # stage 1's findings seen, stage 2's skipped
        verdict = await says(botapi, alice, "EMH")
        assert verdict.content.startswith("✅")
        mark = botapi.mark()
        botapi.press_button(verdict, "Skipped findings")
        done = await botapi.wait_for(with_button("Next case ▶"), since=mark)
        shown = botapi.sent(alice)[mark:]
    text = "\n".join(m.content for m in shown)
    assert "Findings, stage 2 of 2" in text and "Findings, stage 1 of 2" not in text
    assert "paraspinal" in text  # a finding of stage 2
    assert sum(len(m.photo or []) > 0 for m in shown) == 2  # its two annotated images
    labels = [b["text"] for m in shown for b in m.buttons]
    assert labels == ["Next case ▶"]  # no way on from a stage of a finished case
    assert done is shown[-1]


async def test_no_skipped_stage_no_button(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        message = await says(botapi, alice, f"/start {SEED}")
        for label in ("Images ▶", "Findings ▶", "Next stage ▶", "Findings ▶"):
            mark = botapi.mark()
            botapi.press_button(message, label)
            message = await botapi.wait_for(lambda m: bool(m.buttons), since=mark)
        verdict = await says(botapi, alice, "EMH")  # typed at the last findings: graded
    assert verdict.content.startswith("✅")
    assert [b["text"] for b in verdict.buttons] == ["Next case ▶"]


LONG_CASE = """\
format: 1
id: long-case
title: A long case
status: published
history:
  - A history line.
stages:
  - images:
      - file: images/a.png
        caption: An image
    findings:
      - A finding.
diagnosis:
  answer: Pneumothorax
  explanation: "{explanation}"
teaching_points:
{points}
"""


async def test_a_long_explanation_goes_on_in_another_quote(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    explanation = "Air 🫁 in the pleural space. " * 60  # 1,740 characters, 1,800 units
    points = [f"{n}. " + "気胸は胸膜腔の空気です。" * 50 for n in range(6)]  # 603 characters each
    cases = tmp_path / "cases"
    (cases / "long-case" / "images").mkdir(parents=True)
    (cases / "long-case" / "images" / "a.png").write_bytes(tiny_png(32, 32))
    (cases / "long-case" / "case.yaml").write_text(
        LONG_CASE.format(
            explanation=explanation.strip(), points="\n".join(f"  - {p}" for p in points)
        ),
        encoding="utf-8",
    )
    settings = settings_for(botapi, tmp_path / "bot.db", cases)
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        await says(botapi, alice, "/start long-case")
        await says(botapi, alice, "/skip")
        mark = botapi.mark()
        botapi.send_text(alice, None, "pneumothorax")
        await botapi.wait_for(with_button("Next case ▶"), since=mark)
        sent = botapi.sent(alice)[mark:]
    assert sent[0].content == "✅ Correct." and all(utf16_len(m.content) <= 4096 for m in sent)
    quotes = [m for m in sent if any(e["type"] == "expandable_blockquote" for e in m.entities)]
    quoted = [quote_of(m) for m in quotes]  # one expandable quote each
    assert len(quoted) == 2 and all(utf16_len(shown) <= SHORT for _, shown in quoted)
    text = "\n".join(quote for quote, _ in quoted)
    assert text.startswith("Air 🫁") and all(p in text for p in points)  # nothing lost
