"""What a case's image file really is, read from its header, and whether Telegram takes it.

A ``.png`` that is not a PNG passes a check of its name, then fails for every
learner at the step that shows it. So each image is opened and its header
read: the real type, width and height, without decoding the pixels (a PNG's
chunk headers are walked to its end, which also finds a file that was cut
short). The limits are Telegram's for a photo (:mod:`tutorbot.limits`).

Reading is bounded whatever the file holds: only regular files, at most
:data:`~tutorbot.limits.PHOTO_SIZE_LIMIT` bytes, a fixed number of header
reads. Why a reader of our own and not Pillow: the four formats' headers take
a hundred lines, while Pillow is a large native dependency whose point is
decoding, which is exactly what a start-up check must not do.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from dataclasses import dataclass
from typing import BinaryIO

from tutorbot.limits import PHOTO_ASPECT_RATIO_LIMIT, PHOTO_SIDES_LIMIT

#: The image types a case may use, by file suffix.
KIND_OF_SUFFIX = {".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png", ".webp": "webp"}
KIND_NAMES = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP", "gif": "GIF"}
#: Header reads before a file counts as damaged (a real JPEG has a few dozen segments).
MAX_SEGMENTS = 4096
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_COLOUR_TYPES = (0, 2, 3, 4, 6)


@dataclass(frozen=True)
class ImageFacts:
    """What an image file holds: its content hash and, read from its header, its type and size.

    ``kind`` is ``""`` for bytes that are no image type we know; ``defect`` says
    what is wrong with an image of a known type (``""`` when nothing is).
    """

    digest: str
    kind: str = ""
    width: int = 0
    height: int = 0
    defect: str = ""


class _Damaged(ValueError):
    """The header of a known image type is broken; the message says how."""


def read_facts(file: BinaryIO, size: int) -> ImageFacts:
    """The facts of an image file of ``size`` bytes, open for binary reading at its start
    (its first ``size`` bytes, if it grew since: the cache sees the new size next time)."""
    # One read of the whole file (at most Telegram's photo limit, checked before) costs
    # less than the dozen small reads and seeks of a header walk, and the hash needs it all.
    data = file.read(size)
    stream = io.BytesIO(data)
    size = len(data)
    head = stream.read(32)
    kind, width, height, defect = _kind_of(head), 0, 0, ""
    try:
        if kind == "png":
            width, height = _png(stream, size)
        elif kind == "jpeg":
            width, height = _jpeg(stream, size)
        elif kind == "gif":
            width, height = struct.unpack("<HH", head[6:10])
        elif kind == "webp":
            width, height = _webp(head, size)
    except (_Damaged, struct.error) as error:
        defect = str(error) or "its header is damaged"
    return ImageFacts(hashlib.sha256(data).hexdigest(), kind, width, height, defect)


def facts_of_bytes(data: bytes) -> ImageFacts:
    """:func:`read_facts` of bytes in memory (for tests and tools)."""
    return read_facts(io.BytesIO(data), len(data))


def photo_problem(facts: ImageFacts, suffix: str) -> tuple[str, str] | None:
    """Why an image with these facts and this file suffix cannot be sent as a Telegram photo,
    as ``(message, fix)``; ``None`` when it can."""
    expected = KIND_OF_SUFFIX.get(suffix.lower())
    if expected is None:
        return None  # the suffix itself is reported by the loader
    name = KIND_NAMES[expected]
    if not facts.kind:
        return f"is not a {name} image (its first bytes are no image type)", (
            f"export the image again as {name}"
        )
    if facts.kind != expected:
        real = KIND_NAMES[facts.kind]
        fix = (
            f"rename it to .{'jpg' if facts.kind == 'jpeg' else facts.kind}"
            if facts.kind in KIND_OF_SUFFIX.values()
            else f"convert it to {name}"
        )
        return f"is a {real} image, not {name}", fix
    if facts.defect:
        return f"is a damaged {name} file: {facts.defect}", f"export the image again as {name}"
    width, height = facts.width, facts.height
    if width <= 0 or height <= 0:
        return f"is a {name} image of {width}×{height} pixels", "export the image again"
    if width + height > PHOTO_SIDES_LIMIT:
        return (
            f"is {width}×{height} pixels; Telegram takes a photo whose width and height add up "
            f"to at most {PHOTO_SIDES_LIMIT:,}",
            "scale it down",
        )
    if max(width, height) > PHOTO_ASPECT_RATIO_LIMIT * min(width, height):
        return (
            f"is {width}×{height} pixels; Telegram takes a photo at most "
            f"{PHOTO_ASPECT_RATIO_LIMIT} times as long as it is wide",
            "crop it, or split it into several images",
        )
    return None


def _kind_of(head: bytes) -> str:
    if head.startswith(PNG_SIGNATURE):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return ""


def _png(stream: BinaryIO, size: int) -> tuple[int, int]:
    """Width and height from IHDR; every chunk header is walked, so a cut file is found.

    https://www.w3.org/TR/png-3/#5Chunk-layout: length, type, data, CRC; IHDR first, IEND last.
    """
    stream.seek(len(PNG_SIGNATURE))
    header = stream.read(8 + 13 + 4)
    if len(header) < 25 or header[4:8] != b"IHDR" or header[:4] != struct.pack(">I", 13):
        raise _Damaged("it does not start with an IHDR chunk")
    body, crc = header[4:21], struct.unpack(">I", header[21:25])[0]
    if zlib.crc32(body) & 0xFFFFFFFF != crc:
        raise _Damaged("its IHDR chunk fails its checksum")
    width, height, depth, colour = struct.unpack(">IIBB", header[8:18])
    if colour not in PNG_COLOUR_TYPES or depth not in (1, 2, 4, 8, 16):
        raise _Damaged(f"bit depth {depth} with colour type {colour} is not PNG")
    position, seen_data = len(PNG_SIGNATURE) + 25, False
    for _ in range(MAX_SEGMENTS):
        stream.seek(position)
        chunk = stream.read(8)
        if len(chunk) < 8:
            raise _Damaged("it is cut short (no IEND chunk at its end)")
        length, kind = struct.unpack(">I4s", chunk)
        position += 12 + length
        if position > size:
            raise _Damaged("it is cut short (its last chunk runs past the end of the file)")
        if kind == b"IDAT":
            seen_data = True
        elif kind == b"IEND":
            if not seen_data:
                raise _Damaged("it has no image data (no IDAT chunk)")
            return width, height
    raise _Damaged(f"it has more than {MAX_SEGMENTS} chunks")


def _jpeg(stream: BinaryIO, size: int) -> tuple[int, int]:
    """Width and height from the first start-of-frame segment, found by segment lengths.

    https://www.w3.org/Graphics/JPEG/itu-t81.pdf, B.1.1: markers 0xFFxx, most followed
    by a two-byte length; SOF0-SOF15 other than DHT (C4), JPG (C8) and DAC (CC) hold the size.
    """
    position = 2
    for _ in range(MAX_SEGMENTS):
        stream.seek(position)
        head = stream.read(4)
        if len(head) < 4:
            break
        if head[0] != 0xFF:
            raise _Damaged(f"a segment at byte {position} does not start with a marker")
        marker = head[1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker == 0xD8 or marker == 0x01 or 0xD0 <= marker <= 0xD7:
            position += 2  # markers without a length
            continue
        if marker in (0xD9, 0xDA):
            raise _Damaged("its image data starts before its size is given (no SOF segment)")
        length = struct.unpack(">H", head[2:4])[0]
        if length < 2:
            raise _Damaged(f"a segment at byte {position} has length {length}")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            frame = stream.read(5)
            if len(frame) < 5:
                break
            height, width = struct.unpack(">HH", frame[1:5])
            return width, height
        position += 2 + length
        if position > size:
            break
    raise _Damaged("it is cut short before its size is given")


def _webp(head: bytes, size: int) -> tuple[int, int]:
    """Width and height from the first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended).

    https://developers.google.com/speed/webp/docs/riff_container
    """
    if len(head) < 30:
        raise _Damaged("it is cut short inside its header")
    riff_size = struct.unpack("<I", head[4:8])[0]
    if riff_size + 8 > size:
        raise _Damaged("it is cut short (its RIFF size runs past the end of the file)")
    chunk = head[12:16]
    if chunk == b"VP8 ":
        if head[23:26] != b"\x9d\x01\x2a":
            raise _Damaged("its VP8 frame has no start code")
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        if head[20] != 0x2F:
            raise _Damaged("its VP8L stream has no signature")
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return width, height
    raise _Damaged(f"its first chunk is {chunk!r}, not VP8, VP8L or VP8X")
