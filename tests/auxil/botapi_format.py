"""Telegram's text formatting (``parse_mode``) as the Bot API applies it.

:func:`parse_text` returns the visible text plus ``MessageEntity`` dicts (offsets in UTF-16
code units, as Telegram counts them) or raises :class:`EntityParseError`, whose message
mirrors the wording of Telegram's ``Bad Request: can't parse entities: ...`` errors.

HTML follows https://core.telegram.org/bots/api#html-style. One deliberate strictness: a bare
``&`` that starts no entity is an error here, while Telegram keeps it literally; the bot
should escape user-provided text with ``html.escape`` anyway, and this catches when it does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

Entity = dict[str, Any]


class EntityParseError(ValueError):
    """Invalid markup; ``str(error)`` is the part after ``can't parse entities: ``."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """Visible text and entities of ``text`` under ``parse_mode`` (None: plain text)."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    if mode:
        raise EntityParseError(f'Unsupported parse_mode "{parse_mode}"')
    return text, []


# -- HTML ---------------------------------------------------------------------------------------

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));")
_ATTR_RE = re.compile(r"""\s*([A-Za-z-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""")


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the visible text
    attrs: dict[str, str] = field(default_factory=dict)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entities(value: str, source: str, base: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            char, i = _entity_at(value, i, source, base)
            out.append(char)
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _entity_at(text: str, i: int, source: str, base: int) -> tuple[str, int]:
    match = _ENTITY_RE.match(text, i)
    if not match:
        offset = _byte_offset(source, base + i)
        raise EntityParseError(
            f"Unsupported HTML entity or unescaped '&' at byte offset {offset} "
            "(use &amp;, &lt;, &gt;, &quot;)"
        )
    named, dec, hexa = match.groups()
    if named:
        char = _NAMED_ENTITIES[named]
    else:
        code = int(dec) if dec else int(hexa, 16)
        if not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(f"Invalid HTML entity at byte offset {_byte_offset(text, i)}")
        char = chr(code)
    return char, match.end()


def parse_html(text: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    length = 0  # UTF-16 length of the visible text so far
    stack: list[_Open] = []
    entities: list[Entity] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "&":
            decoded, i = _entity_at(text, i, text, 0)
            out.append(decoded)
            length += utf16_len(decoded)
            continue
        if char != "<":
            out.append(char)
            length += utf16_len(char)
            i += 1
            continue
        begin = _byte_offset(text, i)
        if text.startswith("</", i):
            end = text.find(">", i)
            if end == -1:
                raise EntityParseError(f"Unclosed end tag at byte offset {begin}")
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {begin}")
            top = stack.pop()
            if name != top.tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{top.tag}>", '
                    f'found "</{name}>"'
                )
            entity = _html_entity(top, length, stack)
            if entity is not None:
                entities.append(entity)
            i = end + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] not in ">/":
            j += 1
        name = text[i + 1 : j].lower()
        if name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {begin}')
        attrs: dict[str, str] = {}
        while True:
            while j < n and text[j].isspace():
                j += 1
            if j >= n:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            if text[j] == ">":
                break
            if text[j] == "/" and text.startswith("/>", j):
                raise EntityParseError(
                    f'Unsupported self-closing tag "{name}" at byte offset {begin}'
                )
            match = _ATTR_RE.match(text, j)
            if not match or match.end() == j:
                raise EntityParseError(f"Unclosed start tag at byte offset {begin}")
            raw = match.group(2) or match.group(3) or match.group(4) or ""
            attrs[match.group(1).lower()] = _decode_entities(raw, text, match.start(1))
            j = match.end()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
            )
        if name == "tg-emoji" and "emoji-id" not in attrs:
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {begin}'
            )
        stack.append(_Open(name, length, attrs))
        i = j + 1
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _html_entity(tag: _Open, end: int, parents: list[_Open]) -> Entity | None:
    if end == tag.start:
        return None
    kind = _HTML_TAGS[tag.tag]
    entity: Entity = {"type": kind, "offset": tag.start, "length": end - tag.start}
    if kind == "text_link":
        href = tag.attrs.get("href", "")
        if not href:
            return None
        entity["url"] = href
    elif kind == "custom_emoji":
        entity["custom_emoji_id"] = tag.attrs["emoji-id"]
    elif kind == "blockquote" and "expandable" in tag.attrs:
        entity["type"] = "expandable_blockquote"
    elif kind == "code" and parents and parents[-1].tag == "pre":
        language = tag.attrs.get("class", "")
        if language.startswith("language-"):
            parents[-1].attrs["language"] = language.removeprefix("language-")
        return None
    elif kind == "pre" and "language" in tag.attrs:
        entity["language"] = tag.attrs["language"]
    return entity


# -- MarkdownV2 ---------------------------------------------------------------------------------

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_TOGGLES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """MarkdownV2 (https://core.telegram.org/bots/api#markdownv2-style), reasonably faithful."""
    out: list[str] = []
    length = 0
    entities: list[Entity] = []
    open_marks: list[tuple[str, int, int]] = []  # (marker, utf16 start, byte offset)
    i = 0
    n = len(text)

    def emit(chunk: str) -> None:
        nonlocal length
        out.append(chunk)
        length += utf16_len(chunk)

    while i < n:
        char = text[i]
        at_line_start = i == 0 or text[i - 1] == "\n"
        if char == "\\":
            if i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                emit(text[i + 1])
                i += 2
                continue
            raise EntityParseError(
                f"Character '\\' at byte offset {_byte_offset(text, i)} is not escaped"
            )
        if char == "`":
            fence = "```" if text.startswith("```", i) else "`"
            end = _find_unescaped(text, fence, i + len(fence))
            if end == -1:
                kind = "Pre" if fence == "```" else "Code"
                raise EntityParseError(
                    f"Can't find end of {kind} entity at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + len(fence) : end]
            language = ""
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                if first and not first[0].isspace():
                    language, body = first, rest
            body = re.sub(r"\\([\\`])", r"\1", body)
            start = length
            emit(body)
            if body:
                entity: Entity = {
                    "type": "pre" if fence == "```" else "code",
                    "offset": start,
                    "length": length - start,
                }
                if language:
                    entity["language"] = language
                entities.append(entity)
            i = end + len(fence)
            continue
        if char == ">" and at_line_start:
            i += 1  # blockquote marker; the quote itself is not tracked as an entity here
            continue
        marker = text[i : i + 2] if text[i : i + 2] in ("__", "||") else char
        if marker in _MDV2_TOGGLES:
            if open_marks and open_marks[-1][0] == marker:
                _, start, _ = open_marks.pop()
                if length > start:
                    entities.append(
                        {"type": _MDV2_TOGGLES[marker], "offset": start, "length": length - start}
                    )
            elif any(m == marker for m, _, _ in open_marks):
                raise EntityParseError(
                    f"Can't find end of {_MDV2_TOGGLES[open_marks[-1][0]].capitalize()} entity "
                    f"at byte offset {open_marks[-1][2]}"
                )
            else:
                open_marks.append((marker, length, _byte_offset(text, i)))
            i += len(marker)
            continue
        if char == "[":
            close = _find_unescaped(text, "](", i + 1)
            paren = _find_unescaped(text, ")", close + 2) if close != -1 else -1
            if close == -1 or paren == -1:
                raise EntityParseError(
                    f"Can't find end of TextUrl entity at byte offset {_byte_offset(text, i)}"
                )
            inner_text, inner_entities = parse_markdown_v2(text[i + 1 : close])
            url = re.sub(r"\\([\\)])", r"\1", text[close + 2 : paren])
            start = length
            emit(inner_text)
            entities.extend({**e, "offset": e["offset"] + start} for e in inner_entities)
            if inner_text:
                entities.append(
                    {"type": "text_link", "offset": start, "length": length - start, "url": url}
                )
            i = paren + 1
            continue
        if char in _MDV2_RESERVED:
            raise EntityParseError(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(char)
        i += 1
    if open_marks:
        marker, _, offset = open_marks[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_TOGGLES[marker].capitalize()} entity at byte offset {offset}"
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _find_unescaped(text: str, needle: str, start: int) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(needle, i):
            return i
        i += 1
    return -1


# -- legacy Markdown ----------------------------------------------------------------------------

_MD_MARKS = {"*": "bold", "_": "italic", "`": "code"}


def parse_markdown(text: str) -> tuple[str, list[Entity]]:
    """Legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url); no nesting."""
    out: list[str] = []
    length = 0
    entities: list[Entity] = []
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.append(text[i + 1])
            length += utf16_len(text[i + 1])
            i += 2
            continue
        if char in _MD_MARKS or char == "[":
            fence = "```" if text.startswith("```", i) else char
            closer = "](" if char == "[" else fence
            end = text.find(closer, i + len(fence))
            url_end = text.find(")", end + 2) if char == "[" and end != -1 else end
            if end == -1 or url_end == -1:
                raise EntityParseError(
                    f"Can't find end of the entity starting at byte offset {_byte_offset(text, i)}"
                )
            body = text[i + len(fence) : end]
            start = length
            out.append(body)
            length += utf16_len(body)
            if body:
                entity: Entity = {"type": "", "offset": start, "length": length - start}
                if char == "[":
                    entity.update(type="text_link", url=text[end + 2 : url_end])
                else:
                    entity["type"] = "pre" if fence == "```" else _MD_MARKS[char]
                entities.append(entity)
            i = url_end + 1 if char == "[" else end + len(fence)
            continue
        out.append(char)
        length += utf16_len(char)
        i += 1
    return "".join(out), entities
