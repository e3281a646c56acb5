"""A teaching file as read: the importers' outcome types, and reading and decoding it safely."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tutorbot.cases.model import Case

MAX_IMPORT_BYTES = 1024 * 1024  # a teaching file is a few kB; refuse anything over 1 MB


@dataclass(frozen=True)
class Imported:
    """A draft case read from a teaching file, with notes for the instructor.

    ``images`` maps an image path inside the case folder (``images/01.jpg``) to a
    file to copy there, when the source came with its images (MIRC exports).
    ``origins`` maps an image path to where it came from in the source, for the
    comment header of the written file.
    """

    case: Case
    source: str
    notes: tuple[str, ...] = ()
    images: dict[str, Path] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportFailure:
    """Why a file could not be read as a case: the line (0 when none applies) and what was expected."""

    source: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.message}"


ImportOutcome = Imported | ImportFailure


@dataclass(frozen=True)
class SourceText:
    """The decoded text of a teaching file and how it was decoded."""

    text: str
    encoding: str


def read_source(path: Path, limit: int = MAX_IMPORT_BYTES) -> bytes | ImportFailure:
    """The bytes of ``path``, refusing folders, unreadable files and files over ``limit``.

    Never reads more than ``limit + 1`` bytes, so a huge file costs nothing.
    """
    name = str(path)
    try:
        if path.is_dir():
            return ImportFailure(name, 0, "this is a folder, not a teaching file")
        size = path.stat().st_size
        if size > limit:
            return ImportFailure(
                name,
                0,
                f"the file has {size:,} bytes; teaching files over {limit:,} bytes are refused",
            )
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        return ImportFailure(name, 0, f"cannot read the file: {error.strerror or error}")
    if len(data) > limit:
        return ImportFailure(name, 0, f"the file is larger than {limit:,} bytes; it is refused")
    return data


_TEXT_CONTROLS = {9, 10, 12, 13}


def decode_text(data: bytes, name: str) -> SourceText | ImportFailure:
    """Decode a teaching file: UTF-8 (with or without BOM), UTF-16 with a BOM, or Windows-1252.

    Empty files and binary files (NUL bytes, many control characters) are failures.
    """
    if not data.strip():
        return ImportFailure(name, 0, "the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return SourceText(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError:
            return ImportFailure(name, 0, "the file starts like UTF-16 text but cannot be decoded")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return ImportFailure(name, line, "this is a binary file, not a teaching-file text")
    controls = sum(1 for byte in data if byte < 32 and byte not in _TEXT_CONTROLS)
    if controls > max(2, len(data) // 100):
        return ImportFailure(name, 0, "this is a binary file, not a teaching-file text")
    try:
        return SourceText(data.decode("utf-8-sig"), "utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return SourceText(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return ImportFailure(name, line, "the file is neither UTF-8 nor Windows-1252 text")


def looks_like_xml(data: bytes) -> bool:
    """Whether the bytes look like an XML document (MIRCdocument) rather than plain text."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<mircdocument", b"<!doctype"))
