"""Load ``case.yaml`` files into frozen :mod:`tutorbot.cases.model` objects.

The YAML is composed with PyYAML's safe loader into nodes, so every value
keeps its line number and every problem can be reported as ``file:line``.
The loader checks shape and types and collects *all* problems instead of
stopping at the first, including the image checks that need the file system
(missing files, paths or links that leave the case folder); the library adds
duplicate ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TypeVar

import yaml

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
from tutorbot.cases.problems import Problem, Severity
from tutorbot.limits import ALBUM_MAX, CAPTION_LIMIT, PHOTO_SIZE_LIMIT

CASE_FILE = "case.yaml"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
CASE_FILE_LIMIT = 1_000_000  # far above any real case; keeps a stray huge file cheap

T = TypeVar("T")
NULL = "tag:yaml.org,2002:null"
# Only plain data: explicit tags such as !!python/object are refused, not constructed.
PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


@dataclass
class LoadResult:
    """A case (or ``None`` when it could not be built) and the problems found in it."""

    path: Path
    case: Case | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class _Reader:
    """Turns YAML nodes into typed values, recording a problem for each mismatch."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.file_lines: dict[str, int] = {}  # image path -> line, for image problems

    def problem(
        self, node: yaml.Node | None, message: str, hint: str = "", severity: Severity = "error"
    ) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        self.problems.append(Problem(self.file, line, message, hint, severity))

    def mapping(
        self,
        node: yaml.Node,
        where: str,
        required: Iterable[str],
        optional: Iterable[str],
    ) -> dict[str, yaml.Node] | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(
                node, f"{where} must be a mapping of keys to values", "write `key: value` lines"
            )
            return None
        required, optional = tuple(required), tuple(optional)
        known = (*required, *optional)
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, f"{where} has a key that is not a plain word")
                continue
            if key in out:
                self.problem(key_node, f"{where} has `{key}` twice", "keep one of them")
                continue
            if key not in known:
                close = _closest(key, known)
                hint = f"did you mean `{close}`?" if close else f"known keys: {', '.join(known)}"
                self.problem(key_node, f"{where} has an unknown key `{key}`", hint)
                continue
            out[key] = value_node
        for key in required:
            if key not in out:
                self.problem(node, f"{where} is missing `{key}`", f"add a `{key}:` line")
        return out

    def text(self, node: yaml.Node | None, where: str, *, allow_empty: bool = False) -> str | None:
        if node is None:
            return None
        if isinstance(node, yaml.ScalarNode) and node.tag != NULL:
            value = str(node.value).strip()
            if value or allow_empty:
                return value
            self.problem(node, f"{where} is empty", "write some text or remove the key")
            return None
        if isinstance(node, yaml.ScalarNode):  # null: the key with nothing after it
            if allow_empty:
                return ""
            self.problem(node, f"{where} is empty", "write some text after the colon")
            return None
        if isinstance(node, yaml.MappingNode):
            self.problem(
                node,
                f"{where} must be text, but a colon followed by a space made YAML read it as `key: value`",
                "put the whole text in quotes",
            )
            return None
        self.problem(node, f"{where} must be text", "write it on the same line after the colon")
        return None

    def sequence(self, node: yaml.Node | None, where: str) -> list[yaml.Node]:
        if node is None:
            return []
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        if isinstance(node, yaml.ScalarNode) and node.tag == NULL:
            return []
        self.problem(node, f"{where} must be a list", "write each item on its own line after `- `")
        return []

    def texts(self, node: yaml.Node | None, where: str) -> tuple[str, ...]:
        items = (self.text(item, f"{where} item") for item in self.sequence(node, where))
        return tuple(item for item in items if item)

    def each(
        self, node: yaml.Node | None, where: str, build: Callable[[yaml.Node, str], T | None]
    ) -> tuple[T, ...]:
        built = (
            build(item, f"{where} {i}") for i, item in enumerate(self.sequence(node, where), 1)
        )
        return tuple(item for item in built if item is not None)

    def choice(
        self, node: yaml.Node | None, where: str, choices: tuple[str, ...], default: str
    ) -> str:
        value = self.text(node, where)
        if value is None:
            return default
        if value not in choices:
            self.problem(node, f"{where} is `{value}`", f"use one of: {', '.join(choices)}")
            return default
        return value


def _closest(word: str, choices: Iterable[str]) -> str | None:
    from rapidfuzz import process

    found = process.extractOne(word, list(choices), score_cutoff=70)
    return str(found[0]) if found else None


def _source(r: _Reader, node: yaml.Node | None) -> Source:
    if node is None:
        return Source()
    fields = r.mapping(node, "source", (), ("contributor", "author", "url", "licence", "note"))
    if fields is None:
        return Source()
    values = {k: r.text(v, f"source.{k}", allow_empty=True) or "" for k, v in fields.items()}
    return Source(**values)


def _image(r: _Reader, node: yaml.Node, where: str) -> Image | None:
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


def _stage(r: _Reader, node: yaml.Node, where: str) -> Stage | None:
    fields = r.mapping(node, where, ("images", "findings"), ("title", "question"))
    if fields is None:
        return None
    images = r.each(fields.get("images"), f"{where} image", lambda n, w: _image(r, n, w))
    if "images" in fields and not images and not r.sequence(fields["images"], f"{where} images"):
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


def _feedback(r: _Reader, node: yaml.Node, where: str) -> AnswerFeedback | None:
    fields = r.mapping(node, where, ("answer", "feedback"), ())
    if fields is None:
        return None
    answer = r.text(fields.get("answer"), f"{where} answer")
    feedback = r.text(fields.get("feedback"), f"{where} feedback")
    if answer is None or feedback is None:
        return None
    return AnswerFeedback(answer, feedback)


def _diagnosis(r: _Reader, node: yaml.Node) -> DiagnosisSpec | None:
    if isinstance(node, yaml.ScalarNode):  # the short form `diagnosis: Answer`
        answer = r.text(node, "diagnosis")
        return DiagnosisSpec(answer) if answer else None
    fields = r.mapping(
        node, "diagnosis", ("answer",), ("accepted", "partial", "wrong", "required", "explanation")
    )
    if fields is None:
        return None
    answer = r.text(fields.get("answer"), "diagnosis answer")
    if answer is None:
        return None
    return DiagnosisSpec(
        answer=answer,
        accepted=r.texts(fields.get("accepted"), "diagnosis accepted"),
        partial=r.each(fields.get("partial"), "diagnosis partial", lambda n, w: _feedback(r, n, w)),
        wrong=r.each(fields.get("wrong"), "diagnosis wrong", lambda n, w: _feedback(r, n, w)),
        required=r.texts(fields.get("required"), "diagnosis required"),
        explanation=r.text(fields.get("explanation"), "diagnosis explanation", allow_empty=True)
        or "",
    )


def _tags(r: _Reader, node: yaml.Node | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
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


def _case(r: _Reader, root: yaml.Node, folder: Path, raw: bytes, as_published: bool) -> Case | None:
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
    if "stages" in fields and not stages and not r.sequence(fields["stages"], "stages"):
        r.problem(fields["stages"], "the case has no stages", "add at least one stage with images")
    diagnosis = _diagnosis(r, fields["diagnosis"]) if "diagnosis" in fields else None
    teaching_points = r.texts(fields.get("teaching_points"), "teaching_points")
    modality, system = _tags(r, fields.get("tags"))
    question = r.text(fields.get("question"), "question") if "question" in fields else None
    strict = as_published or status == "published"
    r.problems.extend(image_problems(stages, folder, strict=strict, lines=r.file_lines))
    if strict:
        r.problems.extend(todo_problems(r.file, raw.decode("utf-8")))
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
        version=_version(raw, folder, stages),
    )


def case_file_for(path: Path) -> Path:
    """``case.yaml`` of a case given as a folder or as the file itself."""
    return path if path.is_file() else path / CASE_FILE


def image_problems(
    stages: Iterable[Stage], folder: Path, *, strict: bool, lines: dict[str, int] | None = None
) -> list[Problem]:
    """Problems with a case's image files: missing, unsafe paths, wrong kind, too large.

    A draft may lack its images (a warning); a published case (``strict``) may not.
    """
    problems: list[Problem] = []
    file = folder / CASE_FILE
    lines = lines or {}
    missing: Severity = "error" if strict else "warning"
    root = folder.resolve()
    for s, stage in enumerate(stages, 1):
        for image in stage.images:
            for relative in (image.file, image.annotated):
                if relative is None:
                    continue
                line = lines.get(relative, 0)
                where = f"stage {s}: image `{relative}`"
                target = Path(relative)
                if target.is_absolute() or ".." in target.parts:
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"{where} leaves the case folder",
                            "use a path inside the case folder, such as images/01.png",
                        )
                    )
                    continue
                full = folder / target
                if not full.resolve().is_relative_to(root):
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"{where} is a link that leaves the case folder",
                            "copy the image into the case folder instead of linking it",
                        )
                    )
                    continue
                if target.suffix.lower() not in IMAGE_SUFFIXES:
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"{where} is not a JPEG, PNG or WebP image",
                            "convert it to .jpg or .png",
                        )
                    )
                if not full.is_file():
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"{where} does not exist",
                            f"add the image at {full}",
                            missing,
                        )
                    )
                elif full.stat().st_size > PHOTO_SIZE_LIMIT:
                    problems.append(
                        Problem(
                            file,
                            line,
                            f"{where} is larger than Telegram's {PHOTO_SIZE_LIMIT // 2**20} MB photo limit",
                            "resize or recompress it",
                        )
                    )
    return problems


def todo_problems(case_file: Path, text: str) -> list[Problem]:
    """A problem for each line outside comments that still says TODO (as `cases new` writes
    them): a case with unfinished lines is not ready for students."""
    return [
        Problem(case_file, number, "this line still says TODO", "fill it in or remove the line")
        for number, line in enumerate(text.splitlines(), 1)
        if "TODO" in line.split(" #", 1)[0] and not line.lstrip().startswith("#")
    ]


def _version(raw: bytes, folder: Path, stages: Iterable[Stage]) -> str:
    """The case's content hash: its YAML plus the images it uses (so edits change it)."""
    digest = hashlib.sha256(raw)
    root = folder.resolve()
    for stage in stages:
        for image in stage.images:
            for relative in filter(None, (image.file, image.annotated)):
                full = folder / relative
                if full.is_file() and full.resolve().is_relative_to(root):
                    digest.update(PurePosixPath(relative).as_posix().encode())
                    digest.update(hashlib.sha256(full.read_bytes()).digest())
    return digest.hexdigest()[:16]


def load_case(path: Path, *, as_published: bool = False) -> LoadResult:
    """Load one case from its folder (or its ``case.yaml``), collecting every problem.

    ``as_published`` judges a draft as strictly as a published case.
    """
    case_file = case_file_for(path)
    folder = case_file.parent
    r = _Reader(case_file)
    try:
        if case_file.stat().st_size > CASE_FILE_LIMIT:
            r.problem(
                None,
                f"the case file is larger than {CASE_FILE_LIMIT // 1_000_000} MB",
                "a case is text: move long material out of case.yaml",
            )
            return LoadResult(case_file, None, r.problems)
        raw = case_file.read_bytes()
    except OSError as error:
        r.problem(None, f"cannot read the case file: {error.strerror or error}", "check the path")
        return LoadResult(case_file, None, r.problems)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        r.problems.append(
            Problem(case_file, line, "the file is not UTF-8 text", "save it as UTF-8")
        )
        return LoadResult(case_file, None, r.problems)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        reason = error.problem or "the YAML cannot be read"
        r.problems.append(
            Problem(
                case_file,
                line,
                f"broken YAML: {reason}",
                "check the indentation and quote text that contains `: ` or starts with a special character",
            )
        )
        return LoadResult(case_file, None, r.problems)
    except yaml.YAMLError as error:
        r.problems.append(Problem(case_file, 0, f"broken YAML: {error}", "check the file's syntax"))
        return LoadResult(case_file, None, r.problems)
    if root is None:
        r.problems.append(
            Problem(
                case_file,
                1,
                "the case file is empty",
                "start from `tutorbot cases new ID` or docs/case-format.md",
            )
        )
        return LoadResult(case_file, None, r.problems)
    tagged = next((node for node in _nodes(root) if node.tag not in PLAIN_TAGS), None)
    if tagged is not None:
        r.problem(
            tagged,
            "the file uses YAML tags (`!!python/...` or `!name`), which cases may not",
            "remove the tag",
        )
        return LoadResult(case_file, None, r.problems)
    case = _case(r, root, folder, raw, as_published)
    r.problems.sort(key=lambda p: p.line)
    has_errors = any(p.severity == "error" for p in r.problems)
    return LoadResult(case_file, None if has_errors else case, r.problems)


def _nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    """Every node once, however often aliases repeat it (a "billion laughs" file stays cheap)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        yield node
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.extend((key, value))


def find_case_files(path: Path) -> Iterator[Path]:
    """Every ``case.yaml`` at or under ``path``: a case folder, a case file or a cases folder."""
    if path.is_file():
        yield path
    elif (path / CASE_FILE).is_file():
        yield path / CASE_FILE
    elif path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_dir() and (child / CASE_FILE).is_file():
                yield child / CASE_FILE
