"""/review for instructors in a private chat: a case's answers not graded correct, grouped, and
for each Accept, Partial… or Wrong… (the feedback typed as a reply), with the effect shown
before anything is written.

Every button carries a stored token (:mod:`tutorbot.telegram.callbacks`) standing for a
JSON payload: the case, the version of it the list was made from, the form, the kind and
the feedback. Applying checks that version against the file, so a second instructor (or a
hand edit) in between gets a line asking to refresh, never a lost change. The feedback
prompt names its payload's token, so the reply finds it again after a restart.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from tutorbot.app.curation import Curation, CurationError, Edit, graded
from tutorbot.app.instructors import INSTRUCTORS_ONLY, Roster
from tutorbot.cases.editing import CaseChanged, CaseNotWritable, EditError
from tutorbot.grading.curation import grouped, mark_of
from tutorbot.limits import TEXT_LIMIT
from tutorbot.telegram._runtime import Runtime
from tutorbot.telegram._sender import Blocked
from tutorbot.telegram.callbacks import REVIEW_PREFIX, decode_review, review_data

Context = ContextTypes.DEFAULT_TYPE
GROUPS = 8
FEEDBACK_LIMIT = 1000
REF = re.compile(r"\(ref ([A-Za-z0-9_-]{1,22})\)")
GONE = "That button is out of date: send /review again."
KIND_WORDS = {"accept": "accepted", "partial": "partly right", "wrong": "wrong"}


class CurationRouter:
    """The handlers; each turns an update into one use-case call and sends its answer."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    def _curation(self) -> Curation:
        return Curation(self.rt.store, self.rt.library, self.rt.grader, self.rt.clock)

    async def _instructor(self, user_id: int) -> bool:
        return await Roster(self.rt.store, self.rt.owners).is_instructor(user_id)

    async def _say(
        self,
        context: Context,
        chat_id: int,
        text: str,
        markup: Any = None,
        *,
        escaped: bool = False,
    ) -> None:
        body = text if escaped else html.escape(text, quote=False)
        with contextlib.suppress(Blocked):
            await self.rt.sender.text(context.bot, chat_id, 0, body[:TEXT_LIMIT], markup)

    async def _token(self, **payload: str) -> str:
        return await self.rt.store.tokens.put(json.dumps(payload, sort_keys=True))

    async def _payload(self, token: str) -> dict[str, str] | None:
        stored = await self.rt.store.tokens.get(token)
        try:
            data = json.loads(stored) if stored else None
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    async def command(self, update: Update, context: Context) -> None:
        """/review: the published cases as buttons."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        if not await self._instructor(user.id):
            await self._say(context, chat.id, INSTRUCTORS_ONLY)
            return
        rows = []
        for case in self.rt.library.published():
            token = await self._token(step="case", case=case.id)
            rows.append([InlineKeyboardButton(case.title[:60], callback_data=review_data(token))])
        await self._say(
            context, chat.id, "Review the answers to which case?", InlineKeyboardMarkup(rows)
        )

    async def button(self, update: Update, context: Context) -> None:
        """A case, an answer group's choice, or Apply."""
        query, user, chat = update.callback_query, update.effective_user, update.effective_chat
        token = decode_review(query.data if query else None)
        if query is None or user is None or chat is None or token is None:
            return
        await self.rt.answer_quietly(query)
        payload = await self._payload(token)
        if payload is None or not await self._instructor(user.id):
            await self._say(context, chat.id, GONE if payload is None else INSTRUCTORS_ONLY)
            return
        step = payload.get("step")
        if step == "case":
            await self._groups(context, chat.id, payload["case"])
        elif step == "choose" and payload.get("kind") == "accept":
            await self._preview(context, chat.id, payload, "")
        elif step == "choose":
            ref = await self._token(**payload)
            word = KIND_WORDS.get(payload.get("kind", ""), "")
            prompt = (
                f"Type, as a reply to this message, what a learner who answers "
                f"“{payload.get('form', '')}” should read ({word}). (ref {ref})"
            )
            await self._say(
                context, chat.id, prompt, ForceReply(input_field_placeholder="feedback")
            )
        elif step == "apply":
            await self._apply(context, chat.id, user.id, payload)
        else:
            await self._say(context, chat.id, GONE)

    async def _groups(self, context: Context, chat_id: int, case_id: str) -> None:
        curation = self._curation()
        try:
            case = curation.case(case_id)
        except CurationError as error:
            await self._say(context, chat_id, str(error))
            return
        answers = [a for a in await curation.answers(case_id) if a.verdict != "correct"]
        groups = [g for g in grouped(graded(answers)) if g.text][:GROUPS]
        if not groups:
            await self._say(
                context, chat_id, "No stored answer to this case is graded not correct."
            )
            return
        lines = [f"Answers to {case.title} not graded correct, most frequent first:"]
        rows = []
        for number, group in enumerate(groups, 1):
            lines.append(f"{number}. {mark_of(group.verdict)} “{group.text[:100]}” ×{group.count}")
            row = []
            for kind, label in (("accept", "Accept"), ("partial", "Partial…"), ("wrong", "Wrong…")):
                token = await self._token(
                    step="choose",
                    case=case_id,
                    version=case.version,
                    form=group.text[:300],
                    kind=kind,
                )
                row.append(
                    InlineKeyboardButton(f"{number} {label}", callback_data=review_data(token))
                )
            rows.append(row)
        lines.append("Leave the others as they are: tap nothing for them.")
        await self._say(context, chat_id, "\n".join(lines), InlineKeyboardMarkup(rows))

    async def feedback(self, update: Update, context: Context) -> None:
        """A reply to a feedback prompt: the feedback, then the preview."""
        message, user, chat = update.effective_message, update.effective_user, update.effective_chat
        if message is None or user is None or chat is None or message.reply_to_message is None:
            return
        found = REF.search(message.reply_to_message.text or "")
        payload = await self._payload(found.group(1)) if found else None
        if payload is None or not await self._instructor(user.id):
            return
        text = (message.text or "").strip()
        if not text or len(text) > FEEDBACK_LIMIT:
            await self._say(
                context, chat.id, f"Feedback must be 1 to {FEEDBACK_LIMIT} characters; reply again."
            )
            return
        await self._preview(context, chat.id, payload, text)

    async def _preview(
        self, context: Context, chat_id: int, payload: dict[str, str], feedback: str
    ) -> None:
        kind = payload.get("kind", "")
        try:
            edit = Edit(kind, payload["form"], feedback)  # type: ignore[arg-type]
            preview = await self._curation().preview(payload["case"], edit)
        except (ValueError, KeyError, CurationError) as error:
            await self._say(context, chat_id, str(error) or GONE)
            return
        if preview.refused:
            listed = ", ".join(f"“{w}”" for w in preview.refused)
            await self._say(
                context,
                chat_id,
                f"Refused: the case lists {listed} as wrong, and this form would accept it.",
            )
            return
        token = await self._token(**{**payload, "step": "apply", "feedback": feedback})
        buttons = InlineKeyboardMarkup(
            [[InlineKeyboardButton("Apply", callback_data=review_data(token))]]
        )
        text = f"Make “{edit.form}” {KIND_WORDS.get(kind, kind)}: this {preview.effect.summary()}."
        await self._say(context, chat_id, text, buttons)

    async def _apply(
        self, context: Context, chat_id: int, user_id: int, payload: dict[str, str]
    ) -> None:
        kind = payload.get("kind", "")
        try:
            edit = Edit(kind, payload["form"], payload.get("feedback", ""))  # type: ignore[arg-type]
            preview = await self._curation().apply(
                payload["case"], edit, expected_version=payload["version"], by=f"telegram:{user_id}"
            )
        except CaseChanged:
            await self._say(
                context,
                chat_id,
                "The case changed since this list was made (someone edited it): send /review again.",
            )
            return
        except CaseNotWritable as error:
            body = (
                html.escape(str(error), quote=False)
                + "\n<pre>"
                + html.escape(error.snippet)
                + "</pre>"
            )
            await self._say(context, chat_id, body, escaped=True)
            return
        except (EditError, CurationError, ValueError, KeyError) as error:
            await self._say(context, chat_id, str(error) or GONE)
            return
        await self._say(
            context,
            chat_id,
            f"Done: “{edit.form}” is now {KIND_WORDS.get(kind, kind)}. Stored answers are being "
            f"graded again ({preview.effect.summary()}); learners whose verdict changed are told.",
        )


def register(app: Application[Any, Any, Any, Any, Any, Any], runtime: Runtime) -> None:
    """/review in private chats, its buttons, and replies to its feedback prompts."""
    router = CurationRouter(runtime)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("review", router.command, filters=private))
    app.add_handler(CallbackQueryHandler(router.button, pattern=f"^{REVIEW_PREFIX}"))
    prompt = filters.TEXT & ~filters.COMMAND & private & _ReplyToPrompt()
    app.add_handler(MessageHandler(prompt, router.feedback))


class _ReplyToPrompt(filters.MessageFilter):
    """A reply to one of the bot's feedback prompts (which name their token), so a learner's
    reply to the bot's diagnosis question is never taken for feedback."""

    def filter(self, message: Message) -> bool:
        replied = message.reply_to_message
        return bool(
            replied is not None
            and replied.from_user is not None
            and replied.from_user.is_bot
            and REF.search(replied.text or "")
        )
