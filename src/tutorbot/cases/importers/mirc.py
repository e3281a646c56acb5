"""Read an RSNA MIRCdocument (MIRC/TFS teaching file, IHE TCE) as a draft case.

The parts used::

    <MIRCdocument>
      <title>…</title>
      <author><name>…</name></author>
      <section heading="History"><p>…</p></section>
      <image-section heading="Images">
        <image src="ct1.jpg">
          <alternative-image role="annotation" src="ct1-arrows.jpg"/>
          <image-caption>…</image-caption>
        </image>
      </image-section>
      <section heading="Findings"><ul><li>…</li></ul></section>
      <section heading="Diagnosis"><p>…</p></section>      (or a <diagnosis> element)
      <section heading="Differential Diagnosis">…</section>   (the case's wrong answers)
      <section heading="Discussion">…</section>
    </MIRCdocument>

Each findings section ("Findings", "CT Findings", ...) makes a stage with the
images that come before it (or inside it). Safety: documents that declare a DTD
or entities are refused before parsing, so no entity is ever expanded and no
external resource is ever fetched. :func:`parse_mirc` never raises.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

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
from tutorbot.cases.importers.source import MAX_IMPORT_BYTES, Imported, ImportFailure, ImportOutcome
from tutorbot.cases.loader import IMAGE_SUFFIXES
from tutorbot.cases.model import Case, Image, Source, Stage
from tutorbot.limits import CAPTION_LIMIT

_DECLARED = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]{1,40})[\"']")
_DTD = re.compile(r"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.IGNORECASE)
_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _decode(data: bytes, name: str) -> str | ImportFailure:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
    elif data.startswith(b"\xef\xbb\xbf"):
        codec = "utf-8-sig"
    else:
        declared = _DECLARED.match(data)
        codec = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        codecs.lookup(codec)
    except LookupError:
        return ImportFailure(name, 1, f"the XML declares an unknown encoding '{codec}'")
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, ValueError) as error:
        start = getattr(error, "start", 0)
        line = data[:start].count(b"\n") + 1
        return ImportFailure(name, line, f"the XML is not valid {codec} text")
    if "\x00" in text:
        return ImportFailure(name, 0, "this is a binary file, not a MIRCdocument")
    return text


def _text(element: ET.Element) -> str:
    """The element's text, leaving out images and their captions."""
    parts = [element.text or ""]
    for child in element:
        if _local(child.tag) not in ("image", "image-section", "alternative-image"):
            parts.append(_text(child))
        parts.append(child.tail or "")
    return clean(" ".join(parts))


def _items(element: ET.Element) -> list[str]:
    """List items, else paragraphs, else the whole text of a section."""
    in_images = {
        id(inner)
        for image in element.iter()
        if _local(image.tag) == "image"
        for inner in image.iter()
    }  # collected once: a caption's paragraphs are not findings
    for kind in ("li", "p"):
        found = [
            _text(e) for e in element.iter() if _local(e.tag) == kind and id(e) not in in_images
        ]
        found = [f for f in found if f]
        if found:
            return found
    whole = _text(element)
    return [whole] if whole else []


@dataclass
class _Picture:
    src: str
    caption: str
    annotated: str | None


@dataclass
class _Stage:
    heading: str
    images: list[_Picture] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)


def _picture(element: ET.Element) -> _Picture:
    caption = ""
    annotated = None
    for child in element.iter():
        tag = _local(child.tag)
        if tag == "image-caption" and not caption:
            caption = _text(child)
        elif tag == "alternative-image" and (child.get("role") or "").lower() == "annotation":
            annotated = annotated or (child.get("src") or "").strip() or None
    caption = caption or clean(element.get("title") or element.get("alt") or "") or _text(element)
    return _Picture((element.get("src") or "").strip(), caption, annotated)


_FINDINGS = re.compile(r"\bfindings?\b|\bimaging\b", re.IGNORECASE)
_HISTORY = re.compile(r"^(?:clinical\s+)?(?:history|presentation|information)$", re.IGNORECASE)
_DIAGNOSIS = re.compile(r"^(?:final\s+)?diagnosis$", re.IGNORECASE)
_DIFFERENTIAL = re.compile(r"^(?:differential\s+diagnos[ie]s|differentials?|ddx)$", re.IGNORECASE)
_DISCUSSION = re.compile(r"^(?:discussion|teaching\s+points?|key\s+points?|pearls)$", re.IGNORECASE)


# DICOM modality codes as MIRC documents give them, to the words the tags use.
_DICOM_MODALITIES = {
    "CR": "radiograph",
    "DX": "radiograph",
    "MR": "MRI",
    "US": "ultrasound",
    "NM": "nuclear medicine",
    "MG": "mammography",
    "RF": "fluoroscopy",
    "XA": "angiography",
    "PT": "PET",
}


@dataclass
class _Document:
    history: list[str] = field(default_factory=list)
    stages: list[_Stage] = field(default_factory=list)
    loose: list[_Picture] = field(default_factory=list)  # images not yet followed by findings
    diagnosis: list[str] = field(default_factory=list)
    differentials: list[str] = field(default_factory=list)
    discussion: list[str] = field(default_factory=list)
    modality_tags: list[str] = field(default_factory=list)

    def walk(self, element: ET.Element) -> None:
        for child in element:
            tag = _local(child.tag)
            heading = clean(child.get("heading") or "")
            if tag == "image":
                self.loose.append(_picture(child))
            elif tag == "section" and _HISTORY.match(heading):
                self.history += _items(child)
            elif tag == "section" and _DIAGNOSIS.match(heading):
                self.diagnosis += _items(child)
            elif tag == "section" and _DIFFERENTIAL.match(heading):
                self.differentials += _items(child)
            elif tag == "section" and _DISCUSSION.match(heading):
                self.discussion += _items(child)
            elif tag == "section" and _FINDINGS.search(heading):
                self.walk(child)  # images inside the findings section belong to it
                stage = _Stage("" if heading.lower() == "findings" else heading, self.loose)
                stage.findings = _items(child)
                self.loose = []
                self.stages.append(stage)
            elif tag == "diagnosis" and not self.diagnosis:
                self.diagnosis += [t for t in [_text(child)] if t]
            elif tag == "modality":
                code = _text(child)
                self.modality_tags.append(_DICOM_MODALITIES.get(code.upper(), code))
            else:
                self.walk(child)


def parse_mirc(
    data: bytes, name: str = "<mirc>", *, base: Path | None = None, cases_dir: Path | None = None
) -> ImportOutcome:
    """Read MIRCdocument XML bytes as a draft case, or say what is wrong; never raises.

    ``base`` is the folder of the document: images it names that exist there
    are copied into the case folder when it is written.
    """
    if len(data) > MAX_IMPORT_BYTES:
        return ImportFailure(
            name, 0, f"the file is larger than {MAX_IMPORT_BYTES:,} bytes; it is refused"
        )
    if not data.strip():
        return ImportFailure(name, 0, "the file is empty")
    text = _decode(data, name)
    if isinstance(text, ImportFailure):
        return text
    if dtd := _DTD.search(text):
        line = text[: dtd.start()].count("\n") + 1
        return ImportFailure(
            name,
            line,
            "the XML declares a DTD or entities, which are refused for safety; remove the <!DOCTYPE …>",
        )
    try:
        root = ET.fromstring(_DECLARATION.sub("", text, count=1))
    except ET.ParseError as error:
        line = error.position[0] if error.position else 0
        reason = str(error).split(":")[0]
        return ImportFailure(name, line, f"the XML cannot be read ({reason})")
    except (ValueError, RecursionError) as error:
        return ImportFailure(name, 0, f"the XML cannot be read ({error.__class__.__name__})")
    if _local(root.tag) != "mircdocument":
        return ImportFailure(
            name, 1, f"expected a <MIRCdocument> root element, found <{_local(root.tag) or '?'}>"
        )
    try:
        return _build(root, name, base, cases_dir)
    except RecursionError:
        return ImportFailure(name, 0, "the XML is nested too deeply to be a teaching file")


def _build(root: ET.Element, name: str, base: Path | None, cases_dir: Path | None) -> ImportOutcome:
    title_element = next((e for e in root if _local(e.tag) == "title"), None)
    title = _text(title_element) if title_element is not None else ""
    if not title:
        return ImportFailure(name, 0, "expected a <title> element with the case title")
    authors = [
        _text(n) for a in root if _local(a.tag) == "author" for n in a if _local(n.tag) == "name"
    ]
    doc = _Document()
    doc.walk(root)
    if not doc.stages:
        return ImportFailure(
            name, 0, 'expected a <section heading="Findings"> with the imaging findings'
        )
    if doc.loose:
        doc.stages[-1].images += doc.loose
    stages = _merge_imageless(doc.stages)
    if not any(stage.images for stage in stages):
        return ImportFailure(name, 0, "expected at least one <image src=…> element")
    if not doc.diagnosis:
        return ImportFailure(
            name,
            0,
            'expected a diagnosis: a <section heading="Diagnosis"> or a <diagnosis> element',
        )
    texts = [
        *doc.history,
        *(f for stage in stages for f in stage.findings),
        *doc.discussion,
        *doc.differentials,
    ]
    answer, accepted, notes = accepted_answers(doc.diagnosis[0], cases_dir, texts)
    if not answer:
        return ImportFailure(name, 0, "expected a diagnosis, found an empty Diagnosis section")
    concept, concept_notes = diagnosis_concept(doc.diagnosis[0], cases_dir, texts)
    notes += concept_notes
    considered = differentials(doc.differentials, diagnosis_forms(answer, accepted))
    notes += differential_notes(considered, False)
    copies: dict[str, Path] = {}
    origins: dict[str, str] = {}
    built: list[Stage] = []
    number = 0
    for stage in stages:
        images = []
        for picture in stage.images:
            number += 1
            file = _target(number, picture.src, "")
            annotated = (
                _target(number, picture.annotated, "-annotated") if picture.annotated else None
            )
            for target, src in ((file, picture.src), (annotated, picture.annotated)):
                if target and src:
                    origins[target] = src
                    found = _source_image(base, src)
                    if found is not None:
                        copies[target] = found
            caption = picture.caption or f"Image {number}"
            if len(caption) > CAPTION_LIMIT:
                caption = caption[: CAPTION_LIMIT - 1].rstrip() + "…"
                notes.append(
                    f"shortened the caption of image {number} to {CAPTION_LIMIT} characters"
                )
            images.append(Image(file=file, caption=caption, annotated=annotated))
        findings = tuple(stage.findings) or ("(add the findings)",)
        built.append(Stage(images=tuple(images), findings=findings, title=stage.heading))
    teaching = [*doc.discussion, *considered.teaching]
    if not doc.history:
        notes.append("no History section found; add the history")
    case = Case(
        id=slugify(title, name),
        title=title,
        history=tuple(doc.history),
        stages=tuple(built),
        diagnosis=diagnosis_spec(answer, accepted, concept, considered.wrong),
        teaching_points=tuple(teaching),
        status="draft",
        source=Source(
            author=", ".join(a for a in authors if a),
            note=f"Imported from {PurePosixPath(name).name} (MIRCdocument)",
        ),
        modality=modalities(
            [
                *doc.modality_tags,
                *(s.heading for s in stages),
                *(p.caption for s in stages for p in s.images),
            ]
        ),
    )
    return Imported(case=case, source=name, notes=tuple(notes), images=copies, origins=origins)


def _merge_imageless(stages: list[_Stage]) -> list[_Stage]:
    """A findings section without images of its own joins the next stage (or the previous one)."""
    merged: list[_Stage] = []
    carry: list[str] = []
    for stage in stages:
        if not stage.images:
            carry += stage.findings
            continue
        stage.findings = carry + stage.findings
        carry = []
        merged.append(stage)
    if carry and merged:
        merged[-1].findings += carry
    return merged


def _target(number: int, src: str | None, suffix: str) -> str:
    ext = PurePosixPath(src or "").suffix.lower()
    ext = ext if ext in IMAGE_SUFFIXES else ".jpg"
    return f"images/{number:02d}{suffix}{ext}"


def _source_image(base: Path | None, src: str) -> Path | None:
    """The image file a document names, if it sits safely beside the document."""
    if base is None or not src or "://" in src:
        return None
    relative = PurePosixPath(src.replace("\\", "/"))
    if (
        relative.is_absolute()
        or ".." in relative.parts
        or relative.suffix.lower() not in IMAGE_SUFFIXES
    ):
        return None
    candidate = base / Path(*relative.parts)
    try:
        if (
            candidate.is_file()
            and not candidate.is_symlink()
            and candidate.resolve().is_relative_to(base.resolve())
        ):
            return candidate
    except (OSError, ValueError):
        return None
    return None
