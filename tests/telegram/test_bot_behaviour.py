"""Bot behaviour over real HTTP: hints, give up, deep links, stale buttons, restarts,
duplicates, blocked users, 429 and 5xx, file_id reuse, webhooks, the token in logs."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

from tests.auxil.botapi import BotApiEmulator, tiny_png
from tests.telegram.botflow import (
    SEED,
    Waits,
    asks_reply,
    eventually,
    open_seed_stage_one,
    running,
    settings_for,
    to,
    with_button,
)
from tutorbot.cli.run import webhook_from
from tutorbot.storage import open_store
from tutorbot.telegram import build_application

STALE_WORDS = "earlier step"


def write_case(root: Path, case_id: str, *, status: str = "published", **extra: str) -> None:
    folder = root / case_id
    (folder / "images").mkdir(parents=True)
    (folder / "images" / "a.png").write_bytes(tiny_png(32, 32))
    history = extra.get("history", "  - A <b>bold</b> & odd history line.")
    findings = extra.get("findings", "      - A finding with <angle> brackets.")
    title = extra.get("title", f"Case {case_id} <&>")
    (folder / "case.yaml").write_text(
        f"""format: 1
id: {case_id}
title: {title}
status: {status}
source:
  contributor: Test
  licence: CC0
tags:
  modality: [CT]
  system: [chest]
history:
{history}
stages:
  - images:
      - file: images/a.png
        caption: An image
        annotated: images/a.png
    findings:
{findings}
hints:
  - First hint.
diagnosis:
  answer: Pneumothorax
teaching_points:
  - Point one.
""",
        encoding="utf-8",
    )


async def test_hints_skip_and_give_up(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        await botapi.wait_for(with_button("Images ▶"))
        botapi.send_text(alice, None, "/hint")
        hint = await botapi.wait_for(lambda m: "Hint 1 of 3" in m.content)
        assert hint.content.startswith("💡")
        botapi.send_text(alice, None, "/skip")
        await botapi.wait_for(asks_reply)
        mark = botapi.mark()
        botapi.send_text(alice, None, "/reveal")
        reveal = await botapi.wait_for(with_button("Next case ▶"), since=mark)
        assert "Diagnosis: Extramedullary hematopoiesis" in reveal.content
        assert "Teaching points" in reveal.content
        mark = botapi.mark()
        botapi.send_text(alice, None, "/hint")
        finished = await botapi.wait_for(since=mark)
        assert "finished" in finished.content
        botapi.send_text(alice, None, "/stats")
        stats = await botapi.wait_for(lambda m: "Cases done: 1" in m.content)
        assert "Accuracy: 0%" in stats.content


async def test_deep_link_switch_unknown_and_draft(botapi: BotApiEmulator, tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    write_case(cases, "case-one")
    write_case(cases, "case-two")
    write_case(cases, "secret-draft", status="draft")
    settings = settings_for(botapi, tmp_path / "bot.db", cases)
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, "/case case-one")
        first = await botapi.wait_for(with_button("Images ▶"))
        assert "Case case-one <&>" in first.content  # escaped, shown literally

        mark = botapi.mark()
        botapi.send_text(alice, None, "/start case-two")
        prompt = await botapi.wait_for(with_button("Switch"), since=mark)
        assert "middle of" in prompt.content
        botapi.press_button(prompt, "Switch")
        switched = await botapi.wait_for(with_button("Images ▶"), since=mark)
        assert "Case case-two" in switched.content

        for unknown in ("no-such-case", "secret-draft"):
            mark = botapi.mark()
            botapi.send_text(alice, None, f"/start {unknown}")
            reply = await botapi.wait_for(since=mark)
            assert "I have no case called" in reply.content
            labels = [b["text"] for b in reply.buttons if b["callback_data"].startswith("v1:open:")]
            assert labels == ["Case case-one <&>", "Case case-two <&>"]  # no draft
            assert "case-one" not in reply.content  # ids are not shown

        mark = botapi.mark()
        botapi.press_button(reply, "Case case-one <&>")  # mid-case: asks first
        prompt = await botapi.wait_for(with_button("Switch"), since=mark)
        botapi.press_button(prompt, "Switch")
        await botapi.wait_for(lambda m: "Case case-one" in m.content, since=mark)

        mark = botapi.mark()
        botapi.send_text(alice, None, "/case chest")  # a tag
        await botapi.wait_for(since=mark)


async def test_a_title_that_names_the_diagnosis_is_never_shown(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    cases = tmp_path / "cases"
    write_case(cases, "case-one")
    write_case(cases, "chest-film", title="Pneumothorax")  # the diagnosis of every test case
    settings = settings_for(botapi, tmp_path / "bot.db", cases)
    alice = botapi.user("Alice")
    hidden = "A new case"

    async def says(text: str) -> str:
        mark = botapi.mark()
        botapi.send_text(alice, None, text)
        return (await botapi.wait_for(since=mark)).content

    async with running(botapi, settings):
        mark = botapi.mark()
        botapi.send_text(alice, None, "/start no-such-case")
        listed = await botapi.wait_for(since=mark)
        labels = [b["text"] for b in listed.buttons if b["callback_data"].startswith("v1:open:")]
        assert labels == ["Case case-one <&>", hidden]  # other titles as they are
        assert hidden in await says("/case chest-film")  # the history's heading
        assert f"this case already ({hidden})" in await says("/start chest-film")
        assert f"in progress: {hidden}" in await says("/start")
        assert f"middle of {hidden}. Switch to Case case-one" in await says("/case case-one")
        mark = botapi.mark()
        botapi.press_button(botapi.last_sent(alice), "Switch")
        await botapi.wait_for(with_button("Images ▶"), since=mark)
        assert f"Next unseen case: {hidden}" in await says("/stats")
        assert f"middle of Case case-one <&>. Switch to {hidden}" in await says("/case chest-film")
        await botapi.wait_until_handled()
    assert not [m.content for m in botapi.sent(alice) if "pneumothorax" in m.content.lower()]


async def test_stale_buttons_get_a_polite_answer(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(with_button("Images ▶"))
        botapi.press_button(history, "Images ▶")
        await botapi.wait_for(with_button("Findings ▶"))
        mark = botapi.mark()
        stale = botapi.press_old_button(history, "Images ▶")  # again: the session moved on
        await botapi.wait_for_call(
            "answerCallbackQuery", lambda p: STALE_WORDS in p.get("text", "")
        )
        await botapi.wait_until_handled(stale)
        assert botapi.sent(alice)[mark:] == []  # the stale press sent no message
        botapi.send_text(alice, None, "/reveal")
        done = await botapi.wait_for(with_button("Next case ▶"), since=mark)
        botapi.press_old_button(history, "Images ▶")  # a finished case's old button
        answers = botapi.callback_answers
        await botapi.wait_for_call(
            "answerCallbackQuery",
            lambda p: p is not answers[0] and STALE_WORDS in p.get("text", ""),
        )
        mark = botapi.mark()
        garbage = botapi.press(done, "v0:garbage", check=False)  # data we never made
        await botapi.wait_until_handled(garbage)
        assert botapi.sent(alice)[mark:] == []  # a polite toast, no message
        assert STALE_WORDS in botapi.callback_answers[-1].get("text", "")
        botapi.press_button(done, "Next case ▶")
        await botapi.wait_for(with_button("Images ▶"), since=mark)


async def test_after_a_hint_the_latest_message_carries_the_way_on(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(with_button("Images ▶"))
        mark = botapi.mark()
        botapi.send_text(alice, None, "/hint")
        hint = await botapi.wait_for(lambda m: "Hint 1 of 3" in m.content, since=mark)
        assert [b["text"] for b in hint.buttons] == ["Images ▶"]
        mark = botapi.mark()
        botapi.send_text(alice, None, "it is a lung tumour")  # too early: not an answer yet
        early = await botapi.wait_for(with_button("Images ▶"), since=mark)
        assert "comes after the images" in early.content and "❌" not in early.content
        botapi.press_old_button(history, "Images ▶")  # older than the hint: stale now
        await botapi.wait_for_call(
            "answerCallbackQuery", lambda p: STALE_WORDS in p.get("text", "")
        )
        botapi.press_button(early, "Images ▶")  # the latest one works
        stage = await botapi.wait_for(with_button("Findings ▶"), since=mark)
        botapi.press_button(stage, "Findings ▶")
        findings = await botapi.wait_for(with_button("Next stage ▶"), since=mark)
        mark = botapi.mark()
        botapi.press_button(findings, "Next stage ▶")
        stage2 = await botapi.wait_for(with_button("Findings ▶"), since=mark)
        botapi.press_button(stage2, "Findings ▶")
        await botapi.wait_for(with_button("Diagnosis ▶"), since=mark)
        mark = botapi.mark()
        botapi.send_text(alice, None, "EMH")  # typed at the last findings: it is the answer
        await botapi.wait_for(lambda m: m.content.startswith("✅"), since=mark)
        await botapi.wait_for(lambda m: "Teaching points" in m.content, since=mark)


async def test_a_stopped_cases_buttons_do_not_drive_the_next_case(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        old = await botapi.wait_for(with_button("Images ▶"))
        botapi.send_text(alice, None, "/stop")
        await botapi.wait_for(lambda m: "Stopped" in m.content)
        mark = botapi.mark()
        botapi.send_text(alice, None, f"/start {SEED}")
        await botapi.wait_for(with_button("Images ▶"), since=mark)
        press = botapi.press_old_button(old, "Images ▶")  # from the stopped session
        await botapi.wait_for_call(
            "answerCallbackQuery", lambda p: STALE_WORDS in p.get("text", "")
        )
        await botapi.wait_until_handled(press)
        assert not any(m.photo for m in botapi.sent(alice)[mark:])  # the new case did not move


async def test_restart_mid_case_continues_on_a_new_application(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        stage1 = await open_seed_stage_one(botapi, alice)
    # A brand-new Application (a new process, as after SIGKILL) on the same database file.
    mark = botapi.mark()
    async with running(botapi, settings):
        botapi.press_button(stage1, "Findings ▶")
        findings = await botapi.wait_for(with_button("Next stage ▶"), since=mark)
        assert "anterior ribs" in findings.content


async def test_duplicate_update_is_handled_once(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        await botapi.wait_for(with_button("Images ▶"))
        update = botapi.send_text(alice, None, "/hint")
        await botapi.wait_for(lambda m: "Hint 1 of 3" in m.content)
        botapi.redeliver(update)
        botapi.send_text(alice, None, "/help")  # same chat: handled after the duplicate
        await botapi.wait_for(lambda m: "/stats" in m.content and "/hint" in m.content)
        hints = [m for m in botapi.sent(alice) if "Hint" in m.content]
        assert len(hints) == 1


async def test_blocked_user_is_marked_inactive(botapi: BotApiEmulator, tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'bot.db'}")
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    try:
        async with running(botapi, settings, store=store):
            botapi.send_text(alice, None, "/help")
            await botapi.wait_for(lambda m: m.chat_id == alice.id)
            assert await store.users.active(alice.id) is True
            botapi.block(alice)
            botapi.send_text(alice, None, f"/start {SEED}")

            async def inactive() -> bool:
                return await store.users.active(alice.id) is False

            await eventually(inactive)
            sends = [
                p for m, p in botapi.calls() if m.startswith("send") and p["chat_id"] == alice.id
            ]
            assert len(sends) == 2  # one answered, one refused with 403: no retries
    finally:
        await store.close()


async def test_429_and_5xx_are_retried(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    waits = Waits()
    alice = botapi.user("Alice")
    async with running(botapi, settings, sleep=waits):
        botapi.rate_limit("sendMessage", retry_after=3)
        botapi.send_text(alice, None, "/help")
        await botapi.wait_for(lambda m: "/stats" in m.content)
        assert waits.asked == [3.0]
        botapi.server_error("sendMessage", code=502, times=2)
        botapi.send_text(alice, None, "/help")
        await botapi.wait_for(lambda m: "/stats" in m.content, since=1)
        assert waits.asked == [3.0, 0.5, 1.0]


async def test_images_uploaded_once_and_reuploaded_when_rejected(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    users = [botapi.user(name) for name in ("Ann", "Ben", "Cat")]
    async with running(botapi, settings):
        for number, user in enumerate(users):
            if number == 2:
                botapi.forget_file_ids()
            botapi.send_text(user, None, f"/start {SEED}")
            history = await botapi.wait_for(to(user, lambda m: bool(m.buttons)))
            botapi.press_button(history, "Images ▶")
            await botapi.wait_for(to(user, lambda m: bool(m.photo)))
    photos = [p["photo"] for m, p in botapi.calls("sendPhoto")]
    uploads = [not (isinstance(photo, str) and photo.startswith("AgAC")) for photo in photos]
    # Ann uploads; Ben reuses the file_id; Cat's stored id is rejected (400), then uploaded.
    assert uploads == [True, False, False, True]


async def test_long_texts_and_captions_are_split(botapi: BotApiEmulator, tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    line = "x" * 300
    write_case(
        cases,
        "long-one",
        history="\n".join(f"  - {line} {i}" for i in range(20)),
        findings="\n".join(f"      - {line} finding {i}" for i in range(6)),
    )
    settings = settings_for(botapi, tmp_path / "bot.db", cases)
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        opened = botapi.send_text(alice, None, "/case long-one")
        history = await botapi.wait_for(with_button("Images ▶"))
        await botapi.wait_until_handled(opened)
        assert len(botapi.sent(alice)) == 2  # 6000+ characters: two messages
        botapi.press_button(history, "Images ▶")
        stage = await botapi.wait_for(with_button("Findings ▶"))
        botapi.press_button(stage, "Findings ▶")
        await botapi.wait_for(with_button("Diagnosis ▶"))
    assert all(len(m.content) <= 4096 for m in botapi.sent(alice))
    assert all(len(m.caption or "") <= 1024 for m in botapi.sent(alice))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_checks_the_secret(botapi: BotApiEmulator, tmp_path: Path) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    port = free_port()
    hook = webhook_from(f"http://127.0.0.1:{port}/tg-hook", "127.0.0.1", port, "s3cret-Token")
    app = build_application(settings)
    alice = botapi.user("Alice")
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_webhook(**hook.options())
    try:
        assert botapi.webhook_secret == "s3cret-Token"
        update = botapi.send_text(alice, None, "/help")
        await botapi.wait_for(lambda m: "/stats" in m.content)
        assert await botapi.post_to_webhook(update, secret="wrong") == 403
        assert await botapi.post_to_webhook(update, secret=None) == 403
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_token_never_in_logs(
    botapi: BotApiEmulator, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(with_button("Images ▶"))
        botapi.server_error("sendPhoto")
        botapi.press_button(history, "Images ▶")
        await botapi.wait_for(with_button("Findings ▶"))
        logging.getLogger("test").error("a URL: %s/getMe", botapi.base_url + botapi.token)
    assert caplog.records
    secret_half = botapi.token.split(":", 1)[1]
    assert botapi.token not in caplog.text and secret_half not in caplog.text
    assert all(secret_half not in r.getMessage() for r in caplog.records)


async def test_one_chat_in_order_while_chats_run_concurrently(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    users = [botapi.user(f"U{i}") for i in range(5)]
    async with running(botapi, settings):
        for user in users:
            botapi.send_text(user, None, f"/start {SEED}")
        for user in users:
            for _ in range(4):
                botapi.send_text(user, None, "/hint")
        for user in users:
            await botapi.wait_for(to(user, lambda m: "no more hints" in m.content))
    for user in users:
        said = [m.content for m in botapi.sent(user)][1:]
        assert [s.split(":")[0] for s in said[:3]] == [f"💡 Hint {n} of 3" for n in (1, 2, 3)]
        assert "no more hints" in said[3]


def test_api_url_from_the_environment_sets_api_and_file_urls(tmp_path: Path) -> None:
    from tutorbot.settings import Settings

    env = {
        "TELEGRAM_BOT_TOKEN": "123456789:" + "A" * 35,
        "TUTORBOT_API_URL": "http://127.0.0.1:8081/bot/",
        "TUTORBOT_CASES": str(tmp_path),
    }
    app = build_application(Settings.from_env(env))
    assert app.bot.base_url == f"http://127.0.0.1:8081/bot{env['TELEGRAM_BOT_TOKEN']}"
    assert app.bot.base_file_url == f"http://127.0.0.1:8081/file/bot{env['TELEGRAM_BOT_TOKEN']}"


async def test_start_mid_case_shows_where_the_learner_was(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        await open_seed_stage_one(botapi, alice)
        mark = botapi.mark()
        botapi.send_text(alice, None, "/start")
        again = await botapi.wait_for(with_button("Findings ▶"), since=mark)
        assert any("in progress" in m.content for m in botapi.sent(alice)[mark:])
        botapi.press_button(again, "Findings ▶")  # the repeated step's button works
        await botapi.wait_for(with_button("Next stage ▶"), since=mark)


async def test_a_group_command_gets_one_line_and_others_are_not_answered(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    club = botapi.group("Radiology Club")
    async with running(botapi, settings):
        botapi.send_text(alice, club, "/case@tutorbot_test_bot")  # Alice is no admin there
        reply = await botapi.wait_for(lambda m: m.chat_id == club.id)
        assert "Only the group's admins" in reply.content
        weather = botapi.send_text(alice, club, "/weather")  # not ours: no answer
        await botapi.wait_until_handled(weather)
        assert len(botapi.sent(club)) == 1


async def test_a_redelivered_button_press_is_still_answered(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    settings = settings_for(botapi, tmp_path / "bot.db")
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, f"/start {SEED}")
        history = await botapi.wait_for(with_button("Images ▶"))
        press = botapi.press_button(history, "Images ▶")
        await botapi.wait_for(with_button("Findings ▶"))
        answered = len(botapi.callback_answers)
        mark = botapi.mark()
        botapi.redeliver(press["update_id"])
        await botapi.wait_for_call("answerCallbackQuery", lambda p: True, since=answered)
        await botapi.wait_until_handled(press)
        assert botapi.sent(alice)[mark:] == []  # handled once: nothing sent again


async def test_keep_going_and_a_finished_case_leave_a_way_on(
    botapi: BotApiEmulator, tmp_path: Path
) -> None:
    cases = tmp_path / "cases"
    write_case(cases, "case-one")
    write_case(cases, "case-two")
    settings = settings_for(botapi, tmp_path / "bot.db", cases)
    alice = botapi.user("Alice")
    async with running(botapi, settings):
        botapi.send_text(alice, None, "/case case-one")
        await botapi.wait_for(with_button("Images ▶"))
        mark = botapi.mark()
        botapi.send_text(alice, None, "/case case-two")
        prompt = await botapi.wait_for(with_button("Keep going"), since=mark)
        mark = botapi.mark()
        botapi.press_button(prompt, "Keep going")
        again = await botapi.wait_for(with_button("Images ▶"), since=mark)
        assert "Case case-one" in again.content  # the step shown again, newest
        botapi.press_button(again, "Images ▶")
        await botapi.wait_for(with_button("Findings ▶"), since=mark)
        botapi.send_text(alice, None, "/reveal")
        await botapi.wait_for(with_button("Next case ▶"), since=mark)
        mark = botapi.mark()
        botapi.send_text(alice, None, "/hint")
        finished = await botapi.wait_for(since=mark)
        assert "finished" in finished.content  # and the findings given up on stay offered
        assert [b["text"] for b in finished.buttons] == ["Next case ▶", "Skipped findings"]
