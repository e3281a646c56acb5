"""Read a teaching-file text (the layout of the seed in ``shared/seeds/``) as a draft case.

The recognised layout, top to bottom (blank lines anywhere, CRLF or LF, a BOM)::

    Title line
    Case contribution: Dr A. Name          (or "Case contributed by ...", optional)
    History:                               (optional heading)
      • history bullet                     (•, -, *, ·, "1.", "1)" or "a)" bullets;
        continued on indented lines          a wrapped bullet goes on, indented, below)
    Image caption line
    Another image caption line
    <anything> findings:                   (e.g. "CT scan findings:", "MRI findings:"; the
                                           colon may be missing when bullets follow)
      • finding bullet                     (the findings of the captions just above)
    Differential diagnosis: A; B           (optional, before or after the diagnosis; bullets
      • C – why not C                        under it, each "name" or "name – why not")
    Diagnosis: The diagnosis (ABBR)
    Discussion:                            (optional heading)
      • teaching point bullet
    Author: name                           (optional)
    References:                            (optional; everything after it is ignored)

:func:`parse_teaching_file` never raises: it returns an :class:`Imported` or an
:class:`ImportFailure` naming the line and what was expected there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from tutorbot.cases.importers.common import (
    accepted_answers,
    clean,
    diagnosis_concept,
    diagnosis_spec,
    modalities,
    slugify,
)
from tutorbot.cases.importers.differentials import (
    diagnosis_forms,
    differential_notes,
    differentials,
)
from tutorbot.cases.importers.source import Imported, ImportFailure, ImportOutcome
from tutorbot.cases.model import Case, Image, Source, Stage
from tutorbot.limits import CAPTION_LIMIT

_BULLET = re.compile(
    r"^(?:[•●○◦▪▫■□▸►‣⁃·∙➢➤✓-]\s*|[*+–—]\s+|\(?\d{1,3}[.)]\s+|\(?[a-z]\)\s+)(?P<text>.*)$"
)
_CONTRIBUTOR = re.compile(
    r"^(?:case\s+contribution|case\s+contributed\s+by|contributed\s+by|contributor|"
    r"case\s+courtesy\s+of|courtesy\s+of)\s*:?\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_AUTHOR = re.compile(r"^(?:authors?|written\s+by)\s*:\s*(?P<text>.*)$", re.IGNORECASE)
_DIAGNOSIS = re.compile(
    r"^(?:final\s+|working\s+)?(?:diagnosis|dx)\s*[:\-–]\s*(?P<text>.*)$", re.IGNORECASE
)
_DIAGNOSIS_BARE = re.compile(r"^(?:final\s+)?diagnosis\s*$", re.IGNORECASE)
_DIFFERENTIAL = re.compile(
    r"^(?:differential\s+diagnos[ie]s|differentials?|ddx)\s*(?::|[-–]\s|$)\s*(?P<text>.*)$",
    re.IGNORECASE,
)
_FINDINGS = re.compile(r"^(?P<heading>.{0,80}?)\s*\bfindings\s*:\s*(?P<text>.*)$", re.IGNORECASE)
# A findings heading that lost its colon ("Radiograph findings"): only taken as
# one when bullets follow it, where a caption line would be an error.
_FINDINGS_BARE = re.compile(r"^(?P<heading>[^:]{0,80}?)\s*\bfindings$", re.IGNORECASE)
_HISTORY = re.compile(
    r"^(?:clinical\s+)?(?:history|presentation|details|information)\s*:\s*(?P<text>.*)$",
    re.IGNORECASE,
)
# Exports drop colons: a line that is only "History" is the heading too.
_HISTORY_BARE = re.compile(r"^(?:clinical\s+)?(?:history|presentation)$", re.IGNORECASE)
_DISCUSSION = re.compile(
    r"^(?:discussion|teaching\s+points?|key\s+points?|learning\s+points?|pearls?)\s*:?\s*$",
    re.IGNORECASE,
)
_REFERENCES = re.compile(r"^(?:references?|further\s+reading|sources?)\s*:?\s*$", re.IGNORECASE)
_TITLE_PREFIX = re.compile(r"^(?:title|case(?:\s+title)?)\s*:\s*", re.IGNORECASE)
# A teaching-file listing's number before the title: "Case 12:", "Case #3 -", "Case no. 7."
_CASE_NUMBER = re.compile(
    r"^case\s*(?:no\.?|number|#)?\s*\d{1,5}[a-z]?\s*(?::|\.(?=\s)|\s[-–—](?=\s)|[–—])\s*",
    re.IGNORECASE,
)
# Lines that are never the continuation of a wrapped bullet.
_NOT_CONTINUATION = (
    _CONTRIBUTOR,
    _AUTHOR,
    _DIAGNOSIS,
    _DIAGNOSIS_BARE,
    _DIFFERENTIAL,
    _FINDINGS,
    _HISTORY,
)


@dataclass
class _Stage:
    heading: str
    line: int
    captions: list[tuple[int, str]]
    findings: list[str] = field(default_factory=list)
    bulleted: bool = False
    # A further findings block for the same images ("Bone window findings:")
    # labels its findings with its heading.
    section: str = ""


class _Stop(Exception):
    """Raised inside the parser to return one failure; never leaves this module."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Parser:
    name: str
    title: str | None = None
    contributor: tuple[int, str] | None = None
    author: tuple[int, str] | None = None
    history: list[str] = field(default_factory=list)
    history_heading: int | None = None
    discussion_heading: int | None = None
    stages: list[_Stage] = field(default_factory=list)
    pending: list[tuple[int, str]] = field(default_factory=list)
    diagnosis: tuple[int, str] | None = None
    teaching: list[str] = field(default_factory=list)
    differential_heading: int | None = None
    differentials: list[str] = field(default_factory=list)
    phase: str = "title"  # title, head, body, differential, discussion, end, references
    notes: list[str] = field(default_factory=list)
    ignored: int = 0
    # The last bullet item (its list, index and the indentation of its marker),
    # while the lines below it may continue it.
    wrapped: tuple[list[str], int, int] | None = None

    # -- helpers -------------------------------------------------------------------

    def open_stage(self) -> _Stage | None:
        return self.stages[-1] if self.stages and not self.pending else None

    def check_stage_closed(self, line: int, what: str) -> None:
        if self.stages and not self.stages[-1].findings and not self.pending:
            stage = self.stages[-1]
            raise _Stop(
                line,
                f"expected finding bullets after '{_heading_label(stage.heading)}' "
                f"(line {stage.line}), found {what}",
            )

    def check_no_pending(self, line: int, what: str) -> None:
        if self.pending:
            first = self.pending[-1][0]
            raise _Stop(
                line,
                f"expected a '… findings:' heading after the image caption on line {first}, "
                f"found {what}",
            )

    # -- one line ------------------------------------------------------------------

    def feed(self, number: int, raw: str) -> None:
        text = clean(raw)
        wrapped, self.wrapped = self.wrapped, None
        if not text:
            return
        bullet = _BULLET.match(text)
        if self.phase == "references":
            return
        if self.phase == "title":
            self.take_title(number, text, bullet is not None)
            return
        indent = _indent(raw)
        if bullet is not None:
            item = clean(bullet.group("text"))
            if item:
                target = self.take_bullet(number, item)
                self.wrapped = (target, len(target) - 1, indent) if target else None
            return
        if wrapped is not None and indent > wrapped[2] and not _heading(text):
            items, index, _ = wrapped
            items[index] = f"{items[index]} {text}"  # a bullet hard-wrapped onto this line
            self.wrapped = wrapped
            return
        self.take_line(number, text)

    def take_title(self, number: int, text: str, is_bullet: bool) -> None:
        if is_bullet:
            raise _Stop(number, "expected the case title on the first line, found a bullet")
        for pattern, label in (
            (_DIAGNOSIS, "Diagnosis:"),
            (_FINDINGS, "… findings:"),
            (_AUTHOR, "Author:"),
            (_CONTRIBUTOR, "Case contribution:"),
            (_HISTORY, "History:"),
        ):
            if pattern.match(text):
                raise _Stop(
                    number, f"expected the case title on the first line, found a '{label}' line"
                )
        title = _TITLE_PREFIX.sub("", text).strip()
        title = _CASE_NUMBER.sub("", title).strip() or title
        if not title:
            raise _Stop(number, "expected the case title on the first line")
        if len(title) > 200:
            raise _Stop(
                number,
                f"expected a short case title on the first line, found {len(title)} characters "
                "of text (is this a teaching file in the supported layout?)",
            )
        self.title = title
        self.phase = "head"

    def take_bullet(self, number: int, item: str) -> list[str] | None:
        """Add a bullet item where it belongs; the list it went to (None when ignored)."""
        if self.phase == "head":
            self.history.append(item)
            return self.history
        if self.phase == "body":
            if self.pending and (bare := _FINDINGS_BARE.match(self.pending[-1][1])):
                line, _ = self.pending.pop()
                self.take_findings(line, clean(bare.group("heading")), "")
            self.check_no_pending(number, "a bullet")
            stage = self.open_stage()
            if stage is None:  # pragma: no cover - body always has a stage or captions
                raise _Stop(number, "expected an image caption line before this bullet")
            stage.findings.append(f"{stage.section}: {item}" if stage.section else item)
            stage.bulleted = True
            return stage.findings
        if self.phase == "discussion":
            if (inline := _DIFFERENTIAL.match(item)) and inline.group("text"):
                self.differentials.append(clean(inline.group("text")))  # "• DDx: A, B"
                return self.differentials
            self.teaching.append(item)
            return self.teaching
        if self.phase == "differential":
            self.differentials.append(item)
            return self.differentials
        self.ignored += 1
        return None

    def take_line(self, number: int, text: str) -> None:
        if match := _CONTRIBUTOR.match(text):
            self.take_contributor(number, clean(match.group("text")))
        elif match := _AUTHOR.match(text):
            if self.author is not None:
                raise _Stop(
                    number, f"found a second 'Author:' line (the first is on line {self.author[0]})"
                )
            self.author = (number, clean(match.group("text")))
            if self.phase in ("discussion", "differential"):
                self.phase = "end"
        elif (match := _DIAGNOSIS.match(text)) or _DIAGNOSIS_BARE.match(text):
            self.take_diagnosis(number, clean(match.group("text")) if match else "")
        elif self.phase != "head" and (match := _DIFFERENTIAL.match(text)):
            self.take_differential(number, clean(match.group("text")))
        elif self.phase in ("head", "body") and (match := _FINDINGS.match(text)):
            self.take_findings(number, clean(match.group("heading")), clean(match.group("text")))
        elif self.phase == "head" and (match := _HISTORY.match(text) or _HISTORY_BARE.match(text)):
            if self.history_heading is not None or self.history:
                where = self.history_heading or "above"
                raise _Stop(
                    number, f"found a second 'History:' heading (the first is on line {where})"
                )
            self.history_heading = number
            if inline := clean(match.groupdict().get("text") or ""):
                self.history.append(inline)
        elif self.phase in ("discussion", "differential", "end") and _DISCUSSION.match(text):
            if self.discussion_heading is not None:
                raise _Stop(
                    number,
                    f"found a second discussion heading (the first is on line {self.discussion_heading})",
                )
            self.discussion_heading = number
            self.phase = "discussion"
        elif self.phase in ("discussion", "differential", "end") and _REFERENCES.match(text):
            self.phase = "references"
        elif self.phase in ("discussion", "differential", "end") and _FINDINGS.match(text):
            after = "'Diagnosis:' line" if self.diagnosis else "differential diagnosis"
            raise _Stop(
                number,
                f"found a findings heading after the {after}; findings belong before the diagnosis",
            )
        elif self.phase == "head":
            self.phase = "body"
            self.take_caption(number, text)
        elif self.phase == "body":
            stage = self.open_stage()
            if stage is not None and not stage.bulleted:
                stage.findings.append(text)  # findings written as sentences, not bullets
            else:
                self.take_caption(number, text)
        elif self.phase == "discussion":
            self.teaching.append(text)
        elif self.phase == "differential":
            self.differentials.append(text)
        else:
            self.ignored += 1

    def take_contributor(self, number: int, name: str) -> None:
        if self.contributor is not None:
            raise _Stop(
                number,
                f"found a second contributor line (the first is on line {self.contributor[0]})",
            )
        self.contributor = (number, name)

    def take_differential(self, number: int, inline: str) -> None:
        """A "Differential diagnosis:" heading: the lines under it, up to the diagnosis, a
        discussion heading, the author or the references, are the differential."""
        if self.differential_heading is not None:
            raise _Stop(
                number,
                "found a second differential diagnosis heading (the first is on line "
                f"{self.differential_heading})",
            )
        if self.phase == "body":
            self.check_no_pending(number, "the differential diagnosis heading")
            self.check_stage_closed(number, "the differential diagnosis heading")
        self.differential_heading = number
        if inline:
            self.differentials.append(inline)
        self.phase = "differential"

    def take_caption(self, number: int, text: str) -> None:
        if len(text) > CAPTION_LIMIT:
            raise _Stop(
                number,
                f"expected an image caption of at most {CAPTION_LIMIT} characters, found "
                f"{len(text)} (is this a teaching file in the supported layout?)",
            )
        self.pending.append((number, text))

    def take_findings(self, number: int, heading: str, inline: str) -> None:
        self.check_stage_closed(number, f"another findings heading '{_heading_label(heading)}'")
        if not self.pending:
            if self.phase == "head" or not self.stages:
                raise _Stop(
                    number,
                    f"expected an image caption line before '{_heading_label(heading)}'",
                )
            # More findings for the same images, under another heading.
            stage = self.stages[-1]
            if heading.lower() in (stage.heading.lower(), stage.section.lower()):
                raise _Stop(
                    number,
                    f"found '{_heading_label(heading)}' twice for the same images; expected an "
                    "image caption line before a second block of the same kind",
                )
            stage.section = heading[:1].upper() + heading[1:] if heading else ""
            if inline:
                stage.findings.append(f"{stage.section}: {inline}" if stage.section else inline)
            return
        stage = _Stage(heading, number, self.pending)
        if inline:
            stage.findings.append(inline)
        self.stages.append(stage)
        self.pending = []
        self.phase = "body"

    def take_diagnosis(self, number: int, text: str) -> None:
        if self.diagnosis is not None:
            raise _Stop(
                number,
                f"found a second 'Diagnosis:' line (the first is on line {self.diagnosis[0]})",
            )
        if not text.strip(" .:-–"):
            raise _Stop(number, "expected a diagnosis after 'Diagnosis:', found nothing")
        self.check_no_pending(number, "the 'Diagnosis:' line")
        self.check_stage_closed(number, "the 'Diagnosis:' line")
        if not self.stages:
            raise _Stop(
                number,
                "expected image caption lines and a '… findings:' block before the 'Diagnosis:' line",
            )
        self.diagnosis = (number, text)
        self.phase = "discussion"

    def finish(self, last_line: int) -> None:
        if self.title is None:
            raise _Stop(0, "the file is empty: it has no text")
        if self.diagnosis is None:
            if self.pending and not self.stages:
                raise _Stop(
                    self.pending[0][0],
                    "expected image caption lines followed by a '… findings:' heading, found text "
                    "with no findings heading up to the end of the file (is this a teaching file "
                    "in the supported layout?)",
                )
            self.check_no_pending(last_line, "the end of the file")
            self.check_stage_closed(last_line, "the end of the file")
            if not self.stages:
                raise _Stop(
                    last_line,
                    "expected image caption lines, a '… findings:' block and a 'Diagnosis:' "
                    "line, found the end of the file (is this a teaching file in the supported layout?)",
                )
            raise _Stop(
                last_line,
                "expected a 'Diagnosis:' line after the findings, found the end of the file",
            )


def _indent(raw: str) -> int:
    """The width of a line's leading white space (tabs to 8 columns)."""
    line = raw.expandtabs(8)
    return len(line) - len(line.lstrip())


def _heading(text: str) -> bool:
    """Whether a line is a heading or labelled line of the layout (never a continuation)."""
    return any(pattern.match(text) for pattern in _NOT_CONTINUATION) or bool(
        _DISCUSSION.match(text) or _REFERENCES.match(text)
    )


def _heading_label(heading: str) -> str:
    return f"{heading} findings:" if heading else "Findings:"


def parse_teaching_file(
    text: str, name: str = "<text>", *, cases_dir: Path | None = None
) -> ImportOutcome:
    """Read a teaching-file text as a draft case, or say which line is not as expected.

    ``name`` is the file name used in messages and the written header;
    ``cases_dir`` is passed to the grading lexicon for synonyms.
    """
    parser = _Parser(name)
    lines = text.lstrip("\ufeff").splitlines()
    try:
        for number, raw in enumerate(lines, 1):
            parser.feed(number, raw)
        parser.finish(len(lines))
    except _Stop as stop:
        return ImportFailure(name, stop.line, stop.message)
    return _build(parser, name, cases_dir)


def _build(p: _Parser, name: str, cases_dir: Path | None) -> ImportOutcome:
    assert p.title is not None and p.diagnosis is not None
    stages: list[Stage] = []
    number = 0
    for stage in p.stages:
        images = []
        for _line, caption in stage.captions:
            number += 1
            images.append(Image(file=f"images/{number:02d}.jpg", caption=caption))
        stages.append(
            Stage(images=tuple(images), findings=tuple(stage.findings), title=stage.heading)
        )
    texts = [*p.history, *(f for s in p.stages for f in s.findings), *p.teaching, *p.differentials]
    answer, accepted, notes = accepted_answers(p.diagnosis[1], cases_dir, texts)
    if not answer:
        return ImportFailure(
            name, p.diagnosis[0], "expected a diagnosis after 'Diagnosis:', found nothing"
        )
    concept, concept_notes = diagnosis_concept(p.diagnosis[1], cases_dir, texts)
    notes = [*p.notes, *notes, *concept_notes]
    considered = differentials(p.differentials, diagnosis_forms(answer, accepted))
    notes += differential_notes(considered, p.differential_heading is not None)
    if not p.history:
        notes.append("no history bullets found after the title; add the history")
    if not p.teaching:
        notes.append("no discussion found after the diagnosis; add teaching points")
    if p.contributor is None:
        notes.append("no contributor line found; fill in source.contributor")
    if p.ignored:
        notes.append(f"ignored {p.ignored} line(s) after the 'Author:' line")
    case = Case(
        id=slugify(p.title, name),
        title=p.title,
        history=tuple(p.history),
        stages=tuple(stages),
        diagnosis=diagnosis_spec(answer, accepted, concept, considered.wrong),
        teaching_points=(*p.teaching, *considered.teaching),
        status="draft",
        source=Source(
            contributor=p.contributor[1] if p.contributor else "",
            author=p.author[1] if p.author else "",
            note=f"Imported from {PurePath(name).name}",
        ),
        modality=modalities(
            [s.heading for s in p.stages] + [c for s in p.stages for _, c in s.captions]
        ),
    )
    return Imported(case=case, source=name, notes=tuple(notes))
