"""Importers: turn teaching files that instructors already have into draft cases.

Each importer returns an :class:`Imported` (a draft :class:`~tutorbot.cases.model.Case`
plus notes for the instructor) or an :class:`ImportFailure` (one clear message
naming the line and what was expected); none of them raises on bad input.
:func:`import_file` reads a file safely (size limit, binary detection,
encodings) and picks the importer; :mod:`.writer` writes the case folder.
"""

from __future__ import annotations

from pathlib import Path

from tutorbot.cases.importers.mirc import parse_mirc
from tutorbot.cases.importers.source import (
    MAX_IMPORT_BYTES,
    Imported,
    ImportFailure,
    ImportOutcome,
    SourceText,
    decode_text,
    looks_like_xml,
    read_source,
)
from tutorbot.cases.importers.teaching_file import parse_teaching_file


def import_file(
    path: Path, *, display_name: str | None = None, cases_dir: Path | None = None
) -> ImportOutcome:
    """Read one teaching file (text or MIRCdocument XML) as a draft case; never raises.

    ``cases_dir`` is the cases folder whose ``lexicon.yaml`` adds accepted answers.
    """
    name = display_name or str(path)
    data = read_source(path)
    if isinstance(data, ImportFailure):
        return ImportFailure(name, data.line, data.message)
    if path.suffix.lower() == ".xml" or looks_like_xml(data):
        return parse_mirc(data, name, base=path.parent, cases_dir=cases_dir)
    decoded = decode_text(data, name)
    if isinstance(decoded, ImportFailure):
        return decoded
    return parse_teaching_file(decoded.text, name, cases_dir=cases_dir)


__all__ = [
    "MAX_IMPORT_BYTES",
    "ImportFailure",
    "ImportOutcome",
    "Imported",
    "SourceText",
    "decode_text",
    "import_file",
    "looks_like_xml",
    "read_source",
]
