"""A case edited while a learner is in it: an image deleted or renamed while the bot runs, a
stage or the whole case gone after a restart. The learner goes on, or is told plainly that
the case is gone; never a traceback, never the generic "something went wrong"."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator, FakeUser, SentMessage, image_size, tiny_png
from tests.telegram.botflow import asks_reply, running, settings_for, with_button
from tutorbot.settings import Settings
from tutorbot.telegram._placeholder import PLACEHOLDER
from tutorbot.telegram.routers.errors import FRIENDLY_ERROR

PLACEHOLDER_SIZE = image_size(PLACEHOLDER.read_bytes())
STAGE = """\
  - title: {title}
    images:
      - file: images/{image}
        caption: {caption}
        annotated: images/{marked}
    findings:
      - {finding}
"""


def write_case(
    root: Path, *, stages: int = 2, image: str = "a.png", marked: str = "a-marked.png"
) -> Path:
    """A published case ``edited`` with ``stages`` stages; every stage shows the same files."""
    folder = root / "edited"
    (folder / "images").mkdir(parents=True, exist_ok=True)
    for name in (image, marked):
        if not (folder / "images" / name).exists():
            (folder / "images" / name).write_bytes(tiny_png(32, 32))
    body = "".join(
        STAGE.format(
            title=f"View {n}",
            image=image,
            marked=marked,
            caption=f"Plain view {n}",
            finding=f"Finding {n}",
        )
        for n in range(1, stages + 1)
    )
    (folder / "case.yaml").write_text(
        f"""format: 1
id: edited
title: A case that changes
status: published
source:
  contributor: Test
tags:
  modality: [CT]
  system: [chest]
history:
  - A history line.
stages:
{body}diagnosis:
  answer: Pneumothorax
teaching_points:
  - Point one.
""",
        encoding="utf-8",
    )
    return folder


def prepare(botapi: BotApiEmulator, tmp_path: Path, stages: int) -> tuple[Path, Settings, FakeUser]:
    """The case (its folder) with ``stages`` stages, the bot's settings and a learner."""
    folder = write_case(tmp_path / "cases", stages=stages)
    return folder, settings_for(botapi, tmp_path / "bot.db", tmp_path / "cases"), botapi.user()


async def press(botapi: BotApiEmulator, message: SentMessage, label: str) -> SentMessage:
    """Press ``label`` under ``message``; the first message sent after."""
    mark = botapi.mark()
    botapi.press_button(message, label)
    return await botapi.wait_for(since=mark)


async def open_case(botapi: BotApiEmulator, learner: FakeUser) -> SentMessage:
    botapi.send_text(learner, None, "/case edited")
    return await botapi.wait_for(with_button("Images ▶"))


def is_placeholder(message: SentMessage) -> bool:
    """A photo of the placeholder's size (800 x 450; the case's images are 32 x 32)."""
    sizes = message.photo or []
    return bool(sizes) and (sizes[-1]["width"], sizes[-1]["height"]) == PLACEHOLDER_SIZE


def no_failure(botapi: BotApiEmulator, caplog: pytest.LogCaptureFixture) -> None:
    assert FRIENDLY_ERROR not in [m.content for m in botapi.sent()]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name[:8] == "tutorbot"]
    assert errors == [], [r.getMessage() for r in errors]


async def test_an_image_deleted_while_the_bot_runs(
    botapi: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, settings, alice = prepare(botapi, tmp_path, stages=1)
    async with running(botapi, settings):
        history = await open_case(botapi, alice)
        (folder / "images" / "a.png").unlink()
        stage = await press(botapi, history, "Images ▶")
        assert is_placeholder(stage) and "Plain view 1" in stage.content
        findings = await press(botapi, stage, "Findings ▶")  # the annotated image is there
        assert "Finding 1" in findings.content
        assert findings.photo and not is_placeholder(findings)
    no_failure(botapi, caplog)
    assert any("a.png" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


async def test_an_image_renamed_is_picked_up_at_once_and_after_a_restart(
    botapi: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, settings, alice = prepare(botapi, tmp_path, stages=2)
    async with running(botapi, settings):
        stage1 = await press(botapi, await open_case(botapi, alice), "Images ▶")
        # The author renames the annotated image, file and case.yaml, while the bot runs:
        # the running bot reads the edited case.yaml again on its next use, no restart.
        (folder / "images" / "a-marked.png").rename(folder / "images" / "b-marked.png")
        write_case(folder.parent, stages=2, marked="b-marked.png")
        findings1 = await press(botapi, stage1, "Findings ▶")
        assert "Finding 1" in findings1.content
        assert findings1.photo and not is_placeholder(findings1)  # b-marked.png, found
    async with running(botapi, settings):  # restarted: the case as it is now
        stage2 = await press(botapi, findings1, "Next stage ▶")
        findings2 = await press(botapi, stage2, "Findings ▶")
        assert "Finding 2" in findings2.content
        assert findings2.photo and not is_placeholder(findings2)  # b-marked.png, found
    no_failure(botapi, caplog)


async def test_a_stage_removed_while_the_learner_is_in_it(
    botapi: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, settings, alice = prepare(botapi, tmp_path, stages=2)
    async with running(botapi, settings):
        stage1 = await press(botapi, await open_case(botapi, alice), "Images ▶")
        findings1 = await press(botapi, stage1, "Findings ▶")
        stage2 = await press(botapi, findings1, "Next stage ▶")
        assert "Plain view 2" in stage2.content
    write_case(folder.parent, stages=1)  # stage 2 is gone; the bot restarts to pick it up
    async with running(botapi, settings):
        mark = botapi.mark()
        botapi.press_button(stage2, "Findings ▶")
        question = await botapi.wait_for(asks_reply, since=mark)
        assert "attempt 1 of 2" in question.content
        botapi.send_text(alice, None, "pneumothorax")
        await botapi.wait_for(lambda m: m.content.startswith("✅"), since=mark)
    no_failure(botapi, caplog)


async def test_a_case_removed_while_the_learner_is_in_it(
    botapi: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder, settings, alice = prepare(botapi, tmp_path, stages=2)
    async with running(botapi, settings):
        history = await open_case(botapi, alice)
    shutil.rmtree(folder)
    async with running(botapi, settings):
        gone = await press(botapi, history, "Images ▶")
        assert "no longer available" in gone.content
        mark = botapi.mark()
        botapi.send_text(alice, None, "/hint")
        told = await botapi.wait_for(since=mark)
        assert FRIENDLY_ERROR not in told.content
    no_failure(botapi, caplog)
