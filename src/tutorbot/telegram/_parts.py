"""Rendered messages → the Bot API calls that send them, as plain data, in order.

A message may take several calls (a text over Telegram's 4096 characters, more
than ten photos, a caption over 1024); each call is a *part* of the send. The
plan is a pure function of the messages, so a reply kept in the outbox that
was cut short resumes at the same part and never sends one twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tutorbot.limits import ALBUM_MAX, TEXT_LIMIT
from tutorbot.telegram._render import Button, Out, Photo, Photos, Text, caption_and_rest, split


@dataclass(frozen=True)
class TextPart:
    """One ``sendMessage``: HTML, its buttons, or the placeholder of a ForceReply."""

    html: str
    buttons: tuple[Button, ...] = ()
    force_reply: str | None = None


@dataclass(frozen=True)
class PhotoPart:
    """One ``sendPhoto`` (with buttons, if any) or one ``sendMediaGroup`` (2-10 photos)."""

    photos: tuple[Photo, ...]
    captions: tuple[str, ...]
    buttons: tuple[Button, ...] = ()


Part = TextPart | PhotoPart


def plan(outs: Sequence[Out]) -> list[Part]:
    """Every call that sends ``outs``, in order."""
    parts: list[Part] = []
    for out in outs:
        if isinstance(out, Text):
            parts += _text(out)
        else:
            parts += _photos(out)
    return parts


def _text(out: Text) -> list[Part]:
    chunks = split(out.lines, TEXT_LIMIT)
    last = len(chunks) - 1
    return [
        TextPart(chunk, out.buttons, out.force_reply) if i == last else TextPart(chunk)
        for i, chunk in enumerate(chunks)
    ]


def _photos(out: Photos) -> list[Part]:
    groups = [out.photos[i : i + ALBUM_MAX] for i in range(0, len(out.photos), ALBUM_MAX)]
    parts: list[Part] = []
    for number, group in enumerate(groups):
        last = number == len(groups) - 1
        parts += _group(group, out.buttons if last and out.after is None else ())
    if out.after is not None:
        parts += _text(out.after)
    return parts


def _group(photos: Sequence[Photo], buttons: tuple[Button, ...]) -> list[Part]:
    captions = [caption_and_rest(photo.caption) for photo in photos]
    rest = [chunk for _, more in captions for chunk in more]
    # Buttons go on the last message sent for this group.
    on_photo = buttons if not rest and len(photos) == 1 else ()
    parts: list[Part] = [PhotoPart(tuple(photos), tuple(c for c, _ in captions), on_photo)]
    if len(photos) > 1 and buttons and not rest:
        rest = ["⬆️"]  # an album cannot carry an inline keyboard
    last = len(rest) - 1
    return parts + [TextPart(chunk, buttons if i == last else ()) for i, chunk in enumerate(rest)]
