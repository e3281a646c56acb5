"""Tutor actions → Telegram messages, as plain data (no Bot API calls here).

Every case and user string is HTML-escaped; text is built from lines so it
can be split on line boundaries without breaking a tag. Lengths count
UTF-16 code units, as Telegram does for message limits and entity offsets
(https://core.telegram.org/api/entities#entity-length).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tutorbot.app.replies import NextCase, NextStep, Reply, Say, ShowSkipped
from tutorbot.limits import ALBUM_MAX, CAPTION_LIMIT, TEXT_LIMIT
from tutorbot.telegram.callbacks import encode
from tutorbot.tutor import actions as a

# The limits are defined in tutorbot.limits; re-exported for the sender, which splits by them.
__all__ = ["ALBUM_MAX", "CAPTION_LIMIT", "TEXT_LIMIT"]


def units(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's limits."""
    return len(text.encode("utf-16-le")) // 2


def esc(text: str) -> str:
    """Escape a case or user string for parse_mode=HTML."""
    return html.escape(text, quote=False)


@dataclass(frozen=True)
class Line:
    """One line of a message: its HTML and its visible (plain) text."""

    html: str
    plain: str

    @staticmethod
    def text(text: str) -> Line:
        return Line(esc(text), text)

    @staticmethod
    def bold(text: str) -> Line:
        return Line(f"<b>{esc(text)}</b>", text)

    @staticmethod
    def italic(text: str) -> Line:
        return Line(f"<i>{esc(text)}</i>", text)

    @staticmethod
    def blank() -> Line:
        return Line("", "")


@dataclass(frozen=True)
class Button:
    """An inline keyboard button; ``data`` comes from :mod:`tutorbot.telegram.callbacks`
    (a ``url`` button, such as a deep link, opens the link instead and has no data).

    Buttons naming the same ``row`` sit side by side (see :func:`rows`).
    """

    label: str
    data: str
    row: str | None = None
    url: str = ""


def rows(buttons: Sequence[Button]) -> list[list[Button]]:
    """The keyboard's rows: buttons naming the same row side by side, each other button on
    a row of its own; when none names a row, two side by side fit a phone and a longer
    list (of cases) reads better one per row."""
    if not any(button.row for button in buttons):
        return [list(buttons)] if len(buttons) <= 2 else [[button] for button in buttons]
    laid: list[list[Button]] = []
    named: dict[str, list[Button]] = {}
    for button in buttons:
        if button.row is None:
            laid.append([button])
        elif button.row in named:
            named[button.row].append(button)
        else:
            named[button.row] = [button]
            laid.append(named[button.row])
    return laid


@dataclass(frozen=True)
class Text:
    """A text message; ``force_reply`` is the input placeholder when the bot wants a reply."""

    lines: tuple[Line, ...]
    buttons: tuple[Button, ...] = ()
    force_reply: str | None = None

    @property
    def plain(self) -> str:
        return "\n".join(line.plain for line in self.lines)


@dataclass(frozen=True)
class Photo:
    """An image to send: its file and its caption lines."""

    path: str
    caption: tuple[Line, ...]


@dataclass(frozen=True)
class Photos:
    """One photo (caption and buttons on it) or an album (buttons on a message after it)."""

    photos: tuple[Photo, ...]
    after: Text | None = None
    buttons: tuple[Button, ...] = ()


Out = Text | Photos


def _bullets(items: Iterable[str]) -> list[Line]:
    return [Line.text(f"• {item}") for item in items]


def _stage_heading(n: int, total: int, title: str, what: str = "Stage") -> str:
    return f"{what} {n} of {total}" + (f": {title}" if title else "")


CONTINUE_LABELS = {
    "images": "Images ▶",
    "findings": "Findings ▶",
    "next stage": "Next stage ▶",
    "diagnosis": "Diagnosis ▶",
}


def render(actions: Sequence[a.Action], version: int) -> list[Out]:
    """The messages for the actions of one step; buttons carry the session ``version``."""
    outs: list[Out] = []
    nxt = encode(NextStep(), version)
    buttons: tuple[Button, ...]
    for action in actions:
        match action:
            case a.ShowHistory(title=title, history=history, stages=stages):
                lines = [Line.bold(title), Line.blank(), Line.text("Clinical history:")]
                lines += _bullets(history)
                follow = (
                    "1 stage of images follows."
                    if stages == 1
                    else f"{stages} stages of images follow."
                )
                lines += [Line.blank(), Line.italic(follow)]
                outs.append(Text(tuple(lines), (Button("Images ▶", nxt),)))
            case a.ShowImages(stage=n, stages=total, title=title, images=images, question=q):
                heading = Line.bold(_stage_heading(n, total, title))
                prompt = (
                    [Line.blank(), Line.text(q), Line.italic("Type what you see, or tap Findings.")]
                    if q
                    else []
                )
                buttons = (Button("Findings ▶", nxt),)
                outs.append(_photos(heading, images, prompt, buttons))
            case a.ShowFindings(
                stage=n, stages=total, title=title, findings=findings, images=ims, review=review
            ):
                heading = Line.bold(_stage_heading(n, total, title, "Findings, stage"))
                label = "Diagnosis ▶" if n >= total else "Next stage ▶"
                buttons = () if review else (Button(label, nxt),)  # after the case: no way on
                body = _bullets(findings)
                if ims:
                    outs.append(_photos(heading, ims, body, buttons))
                else:
                    outs.append(Text((heading, *body), buttons))
            case a.AskDiagnosis(question=question, attempt=attempt, attempts=attempts, again=again):
                prefix = "Try again: " if again else ""
                line = Line(
                    f"<b>{esc(prefix + question)}</b> (attempt {attempt} of {attempts})",
                    f"{prefix}{question} (attempt {attempt} of {attempts})",
                )
                outs.append(
                    Text((line, Line.italic("Reply with your diagnosis.")), (), "Your diagnosis")
                )
            case a.Continue(then=then):
                go_on = Line.italic("Tap to go on when you are ready, or /skip to answer now.")
                outs.append(Text((go_on,), (Button(CONTINUE_LABELS[then], nxt),)))
            case a.ShowVerdict() as shown:
                outs.append(Text((Line.text(shown.line),)))
            case a.ShowHint(text=text, number=number, total=total):
                outs.append(
                    Text(
                        (
                            Line(
                                f"💡 <b>Hint {number} of {total}:</b> {esc(text)}",
                                f"💡 Hint {number} of {total}: {text}",
                            ),
                        )
                    )
                )
            case a.Notice(text=text):
                outs.append(Text((Line.text(text),)))
            case a.RevealDiagnosis(
                diagnosis=diagnosis, explanation=explanation, teaching_points=points, source=src
            ):
                lines = [
                    Line(f"<b>Diagnosis:</b> {esc(diagnosis)}", f"Diagnosis: {diagnosis}"),
                ]
                lines += _details(explanation, points)
                credit = src.contributor or src.author
                if credit:
                    lines.append(Line.italic(f"Case credit: {credit}"))
                outs.append(Text(tuple(lines)))
            case a.OfferNextCase(skipped_stages=skipped):
                buttons = (Button("Next case ▶", encode(NextCase(), version)),)
                if skipped:
                    buttons += (Button("Skipped findings", encode(ShowSkipped(), version)),)
                outs.append(Text((Line.italic(NEXT_STEPS),), buttons))
            case a.StartNextCase():
                pass  # the adapter opens the next case before rendering
    return merge(outs)


#: What to do once a case is over, under the verdict.
NEXT_STEPS = "Tap Next case for another, or /restart to try this one again."
#: The most a quote holds, leaving room in its message for the verdict around it.
QUOTE_LIMIT = TEXT_LIMIT - 600


def _details(explanation: str, points: Sequence[str]) -> list[Line]:
    """The explanation and the teaching points in an expandable quote: the verdict stays a
    short message and the learner opens the rest with a tap
    (https://core.telegram.org/bots/api#html-style, ``<blockquote expandable>``). Text too
    long for one message goes on in a second quote, so a split never breaks a tag."""
    lines = [Line.text(explanation)] if explanation else []
    if points:
        lines += [
            *([Line.blank()] if lines else []),
            Line.bold("Teaching points"),
            *_bullets(points),
        ]
    quotes: list[list[Line]] = []
    size = 0
    for line in lines:
        if not quotes or size + units(line.plain) + 1 > QUOTE_LIMIT:
            quotes.append([])
            size = 0
        quotes[-1].append(line)
        size += units(line.plain) + 1
    return [_quote(quote) for quote in quotes]


def _quote(lines: Sequence[Line]) -> Line:
    inner = "\n".join(line.html for line in lines)
    plain = "\n".join(line.plain for line in lines)
    return Line(f"<blockquote expandable>{inner}</blockquote>", plain)


def render_say(message: Say, version: int) -> Text:
    """A message of the application's own, its choices as buttons at session ``version``."""
    buttons = tuple(Button(c.label, encode(c.press, version), c.row) for c in message.choices)
    return Text(tuple(Line.text(line) for line in message.lines), buttons)


def render_reply(reply: Reply, version: int) -> list[Out]:
    """Every message of a reply, in order: what was said, then the tutor's actions.

    A pure function of the reply and the version: the outbox relies on it to
    send a kept reply exactly as it would have gone the first time."""
    says = [render_say(message, version) for message in reply.says]
    return merge([*says, *render(reply.actions, version)])


def _photos(
    heading: Line, images: Sequence[a.ImageView], body: list[Line], buttons: tuple[Button, ...]
) -> Photos:
    if len(images) == 1:
        image = images[0]
        caption = (heading, Line.text(image.caption), *body)
        return Photos((Photo(str(image.path), caption),), None, buttons)
    photos = tuple(
        Photo(str(image.path), ((heading,) if i == 0 else ()) + (Line.text(image.caption),))
        for i, image in enumerate(images)
    )
    after = Text((heading, *body), buttons)
    return Photos(photos, after)


def merge(outs: list[Out]) -> list[Out]:
    """Join consecutive texts into one message where Telegram allows it, to save calls.

    A message has one reply markup, so a text joins the one before only if
    that one has neither buttons nor a ForceReply; the joined message keeps
    the later markup. A lone button (no lines) that cannot join gets a short line.
    """
    merged: list[Out] = []
    for out in outs:
        last = merged[-1] if merged else None
        if (
            isinstance(out, Text)
            and isinstance(last, Text)
            and not last.buttons
            and last.force_reply is None
            and units(last.plain) + units(out.plain) + 2 <= TEXT_LIMIT
        ):
            gap = (Line.blank(),) if last.lines and out.lines else ()
            merged[-1] = Text(last.lines + gap + out.lines, out.buttons, out.force_reply)
            continue
        if isinstance(out, Text) and not out.lines:
            out = Text((Line.text("Ready for another case?"),), out.buttons, out.force_reply)
        merged.append(out)
    return merged


def split(lines: Sequence[Line], limit: int) -> list[str]:
    """HTML chunks of at most ``limit`` visible units, split at line boundaries.

    A single line longer than the limit is cut into plain-text pieces (its
    formatting is dropped, never left half-open).
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for line in lines:
        n = units(line.plain)
        if n > limit:
            if current:
                chunks.append("\n".join(current))
                current, size = [], 0
            chunks.extend(esc(piece) for piece in _cut(line.plain, limit))
            continue
        extra = n + (1 if current else 0)
        if current and size + extra > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
            extra = n
        current.append(line.html)
        size += extra
    if current:
        chunks.append("\n".join(current))
    return [chunk for chunk in chunks if chunk.strip()]


def _cut(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    piece = ""
    for char in text:
        if units(piece) + units(char) > limit:
            pieces.append(piece)
            piece = ""
        piece += char
    if piece:
        pieces.append(piece)
    return pieces


def caption_and_rest(caption: Sequence[Line]) -> tuple[str, list[str]]:
    """A caption within the 1024 limit, and what does not fit as following text messages."""
    chunks = split(caption, CAPTION_LIMIT)
    if not chunks:
        return "", []
    return chunks[0], chunks[1:]
