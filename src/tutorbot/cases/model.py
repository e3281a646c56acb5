"""The teaching case as frozen, typed data.

A case is a folder ``<cases>/<id>/`` holding ``case.yaml`` and its images.
These objects are what the loader builds from that file; nothing here reads
files or knows about Telegram. ``docs/case-format.md`` describes the YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

FORMAT_VERSION = 1
# Deep-link payloads allow 64 chars of [A-Za-z0-9_-]; ids keep to a stricter
# slug of at most 48 so later prefixes ("g-", "w-" ...) still fit.
ID_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$")
ID_MAX_LENGTH = 48

Status = Literal["draft", "published"]
Difficulty = Literal["beginner", "intermediate", "advanced"]
STATUSES: tuple[Status, ...] = ("draft", "published")
DIFFICULTIES: tuple[Difficulty, ...] = ("beginner", "intermediate", "advanced")


@dataclass(frozen=True)
class Source:
    """Where the case comes from and under which terms it may be used."""

    contributor: str = ""
    author: str = ""
    url: str = ""
    licence: str = ""
    note: str = ""


@dataclass(frozen=True)
class Image:
    """One image of a stage; ``file`` and ``annotated`` are relative to the case folder."""

    file: str
    caption: str
    alt: str = ""
    annotated: str | None = None
    annotated_caption: str | None = None


@dataclass(frozen=True)
class Stage:
    """A step of the case: images shown first, then their findings."""

    images: tuple[Image, ...]
    findings: tuple[str, ...]
    title: str = ""
    question: str | None = None


@dataclass(frozen=True)
class AnswerFeedback:
    """An answer the author foresaw (partly right or a known misconception) and what to say."""

    answer: str
    feedback: str


@dataclass(frozen=True)
class CaseText:
    """What the case says around its diagnosis: the grader reads it for partial
    credit (a finding named as the answer) and for the side of the lesion.
    Filled from the case itself (see :class:`Case`), never written in case.yaml."""

    history: tuple[str, ...] = ()
    findings: tuple[str, ...] = ()
    teaching_points: tuple[str, ...] = ()


@dataclass(frozen=True)
class DiagnosisSpec:
    """What counts as the diagnosis: the answer, accepted forms, foreseen partial and wrong ones."""

    answer: str
    accepted: tuple[str, ...] = ()
    # The core concept the answer names, without its qualifiers (side, site, type ...),
    # and other names of it: any one alone is correct; the answer's other words are
    # optional qualifiers (unless ``required``) that an answer may not contradict.
    core: tuple[str, ...] = ()
    partial: tuple[AnswerFeedback, ...] = ()
    wrong: tuple[AnswerFeedback, ...] = ()
    # Qualifiers that must match exactly when the case says so ("acute", "left" ...).
    required: tuple[str, ...] = ()
    # Extra explanation shown with the reveal, beside the teaching points.
    explanation: str = ""
    # The case's own text, for grading (set by Case; empty for a bare spec).
    context: CaseText = field(default_factory=CaseText)


@dataclass(frozen=True)
class Case:
    """A complete teaching case, as loaded from ``case.yaml``."""

    id: str
    title: str
    history: tuple[str, ...]
    stages: tuple[Stage, ...]
    diagnosis: DiagnosisSpec
    teaching_points: tuple[str, ...]
    status: Status = "draft"
    format: int = FORMAT_VERSION
    source: Source = field(default_factory=Source)
    modality: tuple[str, ...] = ()
    system: tuple[str, ...] = ()
    difficulty: Difficulty = "intermediate"
    hints: tuple[str, ...] = ()
    question: str = "What is your diagnosis?"
    # Set by the loader: the folder the case lives in and its content hash.
    folder: Path = Path(".")
    version: str = ""

    def __post_init__(self) -> None:
        # The grader sees only the spec: give it the case's text to read.
        if self.diagnosis.context == CaseText():
            findings = tuple(f for stage in self.stages for f in stage.findings)
            text = CaseText(self.history, findings, self.teaching_points)
            object.__setattr__(self, "diagnosis", replace(self.diagnosis, context=text))

    @property
    def tags(self) -> tuple[str, ...]:
        """Modality and body-system tags together, lower-cased, for filtering."""
        return tuple(dict.fromkeys(t.lower() for t in (*self.modality, *self.system)))

    @property
    def published(self) -> bool:
        return self.status == "published"

    def image_path(self, relative: str) -> Path:
        """The absolute path of one of this case's image files."""
        return self.folder / relative

    def to_json(self) -> dict[str, Any]:
        """The case as plain JSON data (``tutorbot cases show --json``)."""
        return {
            "id": self.id,
            "title": self.title,
            "format": self.format,
            "status": self.status,
            "version": self.version,
            "source": vars(self.source).copy(),
            "tags": {"modality": list(self.modality), "system": list(self.system)},
            "difficulty": self.difficulty,
            "history": list(self.history),
            "stages": [
                {
                    "title": stage.title,
                    "question": stage.question,
                    "images": [vars(image).copy() for image in stage.images],
                    "findings": list(stage.findings),
                }
                for stage in self.stages
            ],
            "question": self.question,
            "diagnosis": self.diagnosis.answer,
            "accepted": list(self.diagnosis.accepted),
            "partial": [vars(a).copy() for a in self.diagnosis.partial],
            "wrong": [vars(a).copy() for a in self.diagnosis.wrong],
            "required": list(self.diagnosis.required),
            "explanation": self.diagnosis.explanation,
            "hints": list(self.hints),
            "teaching_points": list(self.teaching_points),
            "folder": str(self.folder),
        }
