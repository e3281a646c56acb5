"""Load ``case.yaml`` files into frozen :mod:`tutorbot.cases.model` objects.

:mod:`tutorbot.cases.yaml_nodes` reads the file into YAML nodes that keep
their line numbers; this module checks the case's fields, shapes and types
and collects *all* problems instead of stopping at the first;
:mod:`tutorbot.cases.image_files` checks the image files (paths or links that
leave the case folder, files that are missing, too large or no real image);
the library adds duplicate ids. Whatever a file holds, loading it never raises
and stays bounded in time and memory: a broken case costs that case only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from tutorbot.cases.image_files import CASE_FILE as CASE_FILE  # where importers find it
from tutorbot.cases.image_files import ImageCache, check_images
from tutorbot.cases.images import KIND_OF_SUFFIX
from tutorbot.cases.model import (
    DIFFICULTIES,
    FORMAT_VERSION,
    ID_MAX_LENGTH,
    ID_PATTERN,
    STATUSES,
    AnswerFeedback,
    Case,
    DiagnosisSpec,
    Image,
    Source,
    Stage,
)
from tutorbot.cases.problems import Problem
from tutorbot.cases.yaml_nodes import NULL, NodeReader, compose_case_file
from tutorbot.limits import ALBUM_MAX, CAPTION_LIMIT

IMAGE_SUFFIXES = tuple(KIND_OF_SUFFIX)


@dataclass
class LoadResult:
    """A case (or ``None`` when it could not be built) and the problems found in it."""

    path: Path
    case: Case | None
    problems: list[Problem] = field(default_factory=list)
    #: ``path`` with its links followed (``None`` if one loops): the same case named twice.
    real_path: Path | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def _source(r: NodeReader, node: yaml.Node | None) -> Source:
    if node is None:
        return Source()
    fields = r.mapping(node, "source", (), ("contributor", "author", "url", "licence", "note"))
    if fields is None:
        return Source()
    values = {k: r.text(v, f"source.{k}", allow_empty=True) or "" for k, v in fields.items()}
    return Source(**values)


def _image(r: NodeReader, node: yaml.Node, where: str) -> Image | None:
    fields = r.mapping(node, where, ("file", "caption"), ("alt", "annotated", "annotated_caption"))
    if fields is None:
        return None
    values = {
        key: r.text(value, f"{where} {key}", allow_empty=key == "alt")
        for key, value in fields.items()
    }
    for key in ("caption", "annotated_caption"):
        value = values.get(key)
        if value and len(value) > CAPTION_LIMIT:
            r.problem(
                fields[key],
                f"{where} {key} has {len(value)} characters; Telegram allows {CAPTION_LIMIT}",
                "shorten it and move the rest into the stage's findings",
            )
    for key in ("file", "annotated"):
        if values.get(key):
            r.file_lines.setdefault(str(values[key]), fields[key].start_mark.line + 1)
    file, caption = values.get("file"), values.get("caption")
    if file is None or caption is None:
        return None
    return Image(
        file=file,
        caption=caption,
        alt=values.get("alt") or "",
        annotated=values.get("annotated"),
        annotated_caption=values.get("annotated_caption"),
    )


def _stage(r: NodeReader, node: yaml.Node, where: str) -> Stage | None:
    fields = r.mapping(node, where, ("images", "findings"), ("title", "question"))
    if fields is None:
        return None
    images = r.each(fields.get("images"), f"{where} image", lambda n, w: _image(r, n, w))
    if "images" in fields and _empty(fields["images"]):
        r.problem(fields["images"], f"{where} has no images", "list at least one image")
    if len(images) > ALBUM_MAX:
        r.problem(
            fields["images"],
            f"{where} has {len(images)} images; a Telegram album holds at most {ALBUM_MAX}",
            "split the images over two stages",
        )
    findings = r.texts(fields.get("findings"), f"{where} findings")
    if "findings" in fields and not findings:
        r.problem(fields["findings"], f"{where} has no findings", "list what the images show")
    return Stage(
        images=images,
        findings=findings,
        title=r.text(fields.get("title"), f"{where} title", allow_empty=True) or "",
        question=r.text(fields.get("question"), f"{where} question")
        if "question" in fields
        else None,
    )


def _empty(node: yaml.Node) -> bool:
    """An empty list, or a key with nothing after it (a list of the wrong type is reported
    by :meth:`NodeReader.sequence`)."""
    if isinstance(node, yaml.SequenceNode):
        return not node.value
    return isinstance(node, yaml.ScalarNode) and node.tag == NULL


def _feedback(r: NodeReader, node: yaml.Node, where: str) -> AnswerFeedback | None:
    fields = r.mapping(node, where, ("answer", "feedback"), ())
    if fields is None:
        return None
    answer = r.text(fields.get("answer"), f"{where} answer")
    feedback = r.text(fields.get("feedback"), f"{where} feedback")
    if answer is None or feedback is None:
        return None
    return AnswerFeedback(answer, feedback)


def _diagnosis(r: NodeReader, node: yaml.Node) -> DiagnosisSpec | None:
    if isinstance(node, yaml.ScalarNode):  # the short form `diagnosis: Answer`
        answer = r.text(node, "diagnosis")
        return DiagnosisSpec(answer) if answer else None
    fields = r.mapping(
        node,
        "diagnosis",
        ("answer",),
        ("accepted", "core", "partial", "wrong", "required", "explanation"),
    )
    if fields is None:
        return None
    answer = r.text(fields.get("answer"), "diagnosis answer")
    if answer is None:
        return None
    return DiagnosisSpec(
        answer=answer,
        accepted=r.texts(fields.get("accepted"), "diagnosis accepted"),
        core=r.texts(fields.get("core"), "diagnosis core"),
        partial=r.each(fields.get("partial"), "diagnosis partial", lambda n, w: _feedback(r, n, w)),
        wrong=r.each(fields.get("wrong"), "diagnosis wrong", lambda n, w: _feedback(r, n, w)),
        required=r.texts(fields.get("required"), "diagnosis required"),
        explanation=r.text(fields.get("explanation"), "diagnosis explanation", allow_empty=True)
        or "",
    )


def _tags(r: NodeReader, node: yaml.Node | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if node is None:
        return (), ()
    fields = r.mapping(node, "tags", (), ("modality", "system"))
    if fields is None:
        return (), ()
    return r.texts(fields.get("modality"), "tags modality"), r.texts(
        fields.get("system"), "tags system"
    )


TOP_REQUIRED = (
    "format",
    "id",
    "title",
    "status",
    "history",
    "stages",
    "diagnosis",
    "teaching_points",
)
TOP_OPTIONAL = ("source", "tags", "difficulty", "hints", "question")


def _case(
    r: NodeReader,
    root: yaml.Node,
    folder: Path,
    raw: bytes,
    as_published: bool,
    images: ImageCache | None,
    real_folder: Path,
) -> Case | None:
    fields = r.mapping(root, "the case", TOP_REQUIRED, TOP_OPTIONAL)
    if fields is None:
        return None
    fmt_node = fields.get("format")
    if fmt_node is not None and r.text(fmt_node, "format") != str(FORMAT_VERSION):
        r.problem(fmt_node, f"format is not {FORMAT_VERSION}", f"write `format: {FORMAT_VERSION}`")
    case_id = r.text(fields.get("id"), "id")
    if case_id is not None:
        if len(case_id) > ID_MAX_LENGTH or not ID_PATTERN.match(case_id):
            r.problem(
                fields["id"],
                f"id `{case_id}` is not a valid case id",
                f"use lower-case letters, digits and inner hyphens, at most {ID_MAX_LENGTH} "
                "characters, so it works as a Telegram deep link",
            )
        elif case_id != folder.name:
            r.problem(
                fields["id"],
                f"id `{case_id}` differs from the folder name `{folder.name}`",
                "rename the folder or the id so they match",
            )
    title = r.text(fields.get("title"), "title")
    status = r.choice(fields.get("status"), "status", STATUSES, "draft")
    difficulty = r.choice(fields.get("difficulty"), "difficulty", DIFFICULTIES, "intermediate")
    history = r.texts(fields.get("history"), "history")
    stages = r.each(fields.get("stages"), "stage", lambda n, w: _stage(r, n, w))
    if "stages" in fields and _empty(fields["stages"]):
        r.problem(fields["stages"], "the case has no stages", "add at least one stage with images")
    diagnosis = _diagnosis(r, fields["diagnosis"]) if "diagnosis" in fields else None
    teaching_points = r.texts(fields.get("teaching_points"), "teaching_points")
    modality, system = _tags(r, fields.get("tags"))
    question = r.text(fields.get("question"), "question") if "question" in fields else None
    strict = as_published or status == "published"
    checked = check_images(
        stages, folder, strict=strict, lines=r.file_lines, cache=images, resolved=real_folder
    )
    problems = checked.problems + (todo_problems(r.file, raw.decode("utf-8")) if strict else [])
    for problem in problems:
        r.add(problem)
    for key, items in (("history", history), ("teaching_points", teaching_points)):
        node = fields.get(key)
        # A non-list was reported already; an empty list or a bare `key:` is reported here.
        if (
            node is not None
            and not items
            and (isinstance(node, yaml.SequenceNode) or node.tag == NULL)
        ):
            r.problem(
                fields[key],
                f"{key} is empty",
                f"list at least one item under `{key}:`",
                "error" if strict else "warning",
            )
    if case_id is None or title is None or diagnosis is None:
        return None
    return Case(
        id=case_id,
        title=title,
        history=history,
        stages=stages,
        diagnosis=diagnosis,
        teaching_points=teaching_points,
        status=status,  # type: ignore[arg-type]  # checked by choice()
        source=_source(r, fields.get("source")),
        modality=modality,
        system=system,
        difficulty=difficulty,  # type: ignore[arg-type]
        hints=r.texts(fields.get("hints"), "hints"),
        question=question or Case.question,
        folder=folder,
        version=_version(raw, stages, checked.digests),
    )


def todo_problems(case_file: Path, text: str) -> list[Problem]:
    """A problem for each line outside comments that still says TODO (as `cases new` writes
    them): a case with unfinished lines is not ready for students."""
    return [
        Problem(case_file, number, "this line still says TODO", "fill it in or remove the line")
        for number, line in enumerate(text.splitlines(), 1)
        if "TODO" in line.split(" #", 1)[0] and not line.lstrip().startswith("#")
    ]


def _version(raw: bytes, stages: Iterable[Stage], digests: dict[str, str]) -> str:
    """The case's content hash: its YAML plus the images it uses (so edits change it)."""
    digest = hashlib.sha256(raw)
    for stage in stages:
        for image in stage.images:
            for relative in filter(None, (image.file, image.annotated)):
                if relative in digests:
                    digest.update(PurePosixPath(relative).as_posix().encode())
                    digest.update(bytes.fromhex(digests[relative]))
    return digest.hexdigest()[:16]


def load_case(
    path: Path,
    *,
    as_published: bool = False,
    root: Path | None = None,
    images: ImageCache | None = None,
) -> LoadResult:
    """Load one case from its folder (or its ``case.yaml``), collecting every problem.

    ``as_published`` judges a draft as strictly as a published case. The case
    folder and its file must lie inside ``root`` (the cases folder it was found
    in; default: the case folder itself) once links are followed. ``images``
    caches what was read of the image files. Never raises: whatever goes wrong
    becomes a problem of this case.
    """
    case_file = case_file_for(path)
    return load_case_inside(
        case_file, resolved(root or case_file.parent), as_published=as_published, images=images
    )


def load_case_inside(
    case_file: Path,
    inside: Path | None,
    *,
    as_published: bool = False,
    images: ImageCache | None = None,
) -> LoadResult:
    """:func:`load_case` of a ``case.yaml`` that must lie inside ``inside``, a folder
    already resolved (``None``: a link that loops); the library resolves its cases
    folder once for all its cases."""
    try:
        return _load(case_file, as_published, inside, images)
    except Exception as error:  # a loader bug must cost one case, never the bot
        failure = Problem(
            case_file,
            1,
            f"the loader failed on this case ({type(error).__name__}: {error})",
            "report it with this case.yaml attached; the other cases are served",
        )
        return LoadResult(case_file, None, [failure])


def _load(
    case_file: Path, as_published: bool, inside: Path | None, images: ImageCache | None
) -> LoadResult:
    r = NodeReader(case_file)
    real_file, escape = _locate(case_file, inside)
    if escape is not None or real_file is None:
        r.add(Problem(case_file, 1, *(escape or LOOPS)))
        return LoadResult(case_file, None, r.finish(), real_file)
    composed = compose_case_file(r)
    if composed is None:
        return LoadResult(case_file, None, r.finish(), real_file)
    node, raw = composed
    case = _case(r, node, case_file.parent, raw, as_published, images, real_file.parent)
    problems = r.finish()
    has_errors = any(p.severity == "error" for p in problems)
    return LoadResult(case_file, None if has_errors else case, problems, real_file)


LOOPS = "the case folder or file is a link that loops", "replace the link with the case"


def _locate(case_file: Path, inside: Path | None) -> tuple[Path | None, tuple[str, str] | None]:
    """The case file with its links followed (``None`` if one loops) and, when the case
    folder or file lies outside ``inside`` once links are followed, (message, fix)."""
    folder = resolved(case_file.parent)
    if folder is None or inside is None:
        return None, LOOPS
    if not folder.is_relative_to(inside):
        return folder / case_file.name, _outside("the case folder", folder, inside)
    # Not a link: the real file is its name in the real folder (one lstat, not a resolve).
    target = resolved(case_file) if case_file.is_symlink() else folder / case_file.name
    if target is None:
        return None, LOOPS
    if not target.is_relative_to(inside):
        return target, _outside("the case file", target, inside)
    return target, None


def _outside(what: str, target: Path, inside: Path) -> tuple[str, str]:
    return (
        f"{what} is a link to {target}, outside {inside}",
        "copy the case into the cases folder instead of linking it",
    )


def resolved(path: Path) -> Path | None:
    """``path`` with its links followed; ``None`` for a link that loops (Python 3.11 raises
    RuntimeError for that, 3.13 OSError)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def case_file_for(path: Path) -> Path:
    """``case.yaml`` of a case given as a folder or as the file itself."""
    return path / CASE_FILE if path.name != CASE_FILE and path.is_dir() else path


def find_case_files(path: Path) -> Iterator[tuple[Path, Path]]:
    """Every ``case.yaml`` at or under ``path`` (a case folder, a case file or a cases
    folder), each with the folder it must stay inside: the cases folder, or its own.

    A link in a cases folder that leads nowhere (or loops) is yielded too, so that
    loading it reports it instead of the case silently missing.
    """
    if path.is_file():
        yield path, path.parent
    elif (path / CASE_FILE).is_file():
        yield path / CASE_FILE, path
    elif path.is_dir():
        for child in sorted(path.iterdir()):
            case_file = child / CASE_FILE
            if (child.is_dir() and (case_file.exists() or case_file.is_symlink())) or (
                child.is_symlink() and not child.exists()
            ):
                yield case_file, path
