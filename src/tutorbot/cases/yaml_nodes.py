"""``case.yaml`` as YAML nodes: read within safety bounds, typed values read out with their lines.

The file is composed with PyYAML's safe loader into nodes rather than
constructed into Python objects, so every value keeps its line number and
every problem can be reported as ``file:line``. A case file is untrusted
input, and whatever it holds, reading it is bounded in time and memory
(bench/case_loading.py measures it): only a regular file is read, and at most
:data:`~tutorbot.limits.CASE_FILE_LIMIT` bytes of it. It is refused when it
is not UTF-8 or broken YAML; when it holds more than
:data:`~tutorbot.limits.CASE_NODES_LIMIT` values or nests them more than
:data:`~tutorbot.limits.CASE_DEPTH_LIMIT` deep (counted first from the
parser's events: composing costs far more per value, and PyYAML's composer
recurses once per level); when it carries explicit tags; when its aliases
multiply it past the same limit (an "anchor bomb") or an alias repeats the
value it stands in. A file reports at most :data:`MAX_PROBLEMS` problems.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import chain
from pathlib import Path
from typing import TypeVar

import yaml
from rapidfuzz import process

from tutorbot.cases.files import NotARegularFile, open_regular
from tutorbot.cases.problems import Problem, Severity
from tutorbot.limits import CASE_DEPTH_LIMIT, CASE_FILE_LIMIT, CASE_NODES_LIMIT

# libyaml (in PyYAML's wheels) composes a 1 MB file in milliseconds and refuses
# nesting over 1,000 levels; the pure-Python loader takes seconds and recurses.
SAFE_LOADER: type[yaml.SafeLoader] | type[yaml.CSafeLoader] = getattr(
    yaml, "CSafeLoader", yaml.SafeLoader
)
#: Problems reported for one file; a file with more is summed up in one last line.
MAX_PROBLEMS = 100

T = TypeVar("T")
NULL = "tag:yaml.org,2002:null"
# Only plain data: explicit tags such as !!python/object are refused, not constructed.
PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "timestamp", "seq", "map")
)


class NodeReader:
    """Turns YAML nodes into typed values, recording a problem for each mismatch."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.file_lines: dict[str, int] = {}  # image path -> line, for image problems
        self.untold = 0  # problems past MAX_PROBLEMS, counted but not kept

    def problem(
        self, node: yaml.Node | None, message: str, hint: str = "", severity: Severity = "error"
    ) -> None:
        line = node.start_mark.line + 1 if node is not None else 0
        self.add(Problem(self.file, line, message, hint, severity))

    def add(self, problem: Problem) -> None:
        """Keep ``problem`` unless :data:`MAX_PROBLEMS` are kept already (then count it)."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.untold += 1

    def finish(self) -> list[Problem]:
        """The problems in line order, with a last line for those past the limit."""
        self.problems.sort(key=lambda p: p.line)
        if self.untold:
            self.problems.append(
                Problem(
                    self.file,
                    0,
                    f"and {self.untold} more problems",
                    "fix the ones above, then validate again",
                    "error" if any(p.severity == "error" for p in self.problems) else "warning",
                )
            )
            self.untold = 0
        return self.problems

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
            if key not in known and len(self.problems) >= MAX_PROBLEMS:
                self.untold += 1  # not kept: no need to look for a near key
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
    found = process.extractOne(word, list(choices), score_cutoff=70)
    return str(found[0]) if found else None


def compose_case_file(reader: NodeReader) -> tuple[yaml.Node, bytes] | None:
    """The root node and the raw bytes of ``reader.file``, or ``None`` when the file
    cannot be read as plain YAML data (the reason is added to ``reader.problems``)."""
    raw = read_bounded(reader)
    if raw is None:
        return None
    text = decode_utf8(reader, raw)
    if text is None:
        return None
    root = compose_bounded(reader, text)
    if root is None:
        return None
    if isinstance(root, yaml.ScalarNode) and root.tag == NULL:
        reader.add(
            Problem(
                reader.file,
                1,
                "the case file is empty",
                "start from `tutorbot cases new ID` or docs/case-format.md",
            )
        )
        return None
    return root, raw


def compose_bounded(reader: NodeReader, text: str) -> yaml.Node | None:
    """``text`` composed into nodes within the bounds above (an empty text is a null
    scalar), or ``None`` with a problem."""
    quick = compose_quickly(text)
    return quick if quick is not None else compose_carefully(reader, text)


def compose_carefully(reader: NodeReader, text: str) -> yaml.Node | None:
    """:func:`compose_bounded` for any text: its parser events counted first."""
    try:
        aliases = within_bounds(reader, text)
        if aliases is None:
            return None
        root = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        reader.add(yaml_problem(reader.file, error, text))
        return None
    if root is None:  # an empty file
        return yaml.ScalarNode(NULL, "")
    if not aliases:  # then it holds what was counted, and no loop
        return root
    walked = walk(root)
    if isinstance(walked, yaml.Node):
        if walked.tag in PLAIN_TAGS:  # an alias inside its own anchor
            reader.problem(
                walked,
                "an alias here repeats the value it is part of, which never ends",
                "write the value out instead of using `*name` inside `&name`",
            )
        else:
            reader.problem(
                walked,
                "the file uses YAML tags (`!!python/...` or `!name`), which cases may not",
                "remove the tag",
            )
        return None
    if walked > CASE_NODES_LIMIT:
        reader.problem(
            root,
            f"the file holds more than {CASE_NODES_LIMIT:,} values once its aliases "
            "(`*name`) are followed",
            "write the case without aliases; a case needs a few hundred values",
        )
        return None
    return root


#: A text this short composes within a few tenths of a second and megabytes whatever it
#: holds (at worst ~8,000 values), so it may be composed before its values are counted.
QUICK_TEXT_LIMIT = 16_000


def compose_quickly(text: str) -> yaml.Node | None:
    """``text`` composed by libyaml at once, if it is short, can hold no alias and no tag
    (it has no `*` and no `!`), and its nodes show it within bounds: at most
    :data:`CASE_NODES_LIMIT` values nested at most :data:`CASE_DEPTH_LIMIT` deep.
    Otherwise ``None``, and the careful path (:func:`within_bounds` first) reads it
    again and words its problem; so this accepts only files the careful path accepts,
    with the same nodes. A case file is a few kilobytes, so this is the path of nearly
    every case: it saves the careful path's pass over the parser's events, which costs
    about as much again as composing."""
    if len(text) > QUICK_TEXT_LIMIT or "*" in text or "!" in text:
        return None
    try:
        root = yaml.compose(text, Loader=SAFE_LOADER)
    except yaml.YAMLError:
        return None
    if root is None:  # an empty file
        return yaml.ScalarNode(NULL, "")
    count, depth, level = 0, 1, [root]
    while level:  # level by level (without aliases each node is met once)
        count += len(level)
        below: list[yaml.Node] = []
        collections = False
        for node in level:
            if isinstance(node, yaml.SequenceNode):
                below.extend(node.value)
                collections = True
            elif isinstance(node, yaml.MappingNode):
                below.extend(chain.from_iterable(node.value))
                collections = True
        if (collections and depth > CASE_DEPTH_LIMIT) or count > CASE_NODES_LIMIT:
            return None
        level, depth = below, depth + 1
    return root


def within_bounds(reader: NodeReader, text: str) -> int | None:
    """How many aliases ``text`` uses, if it holds at most :data:`CASE_NODES_LIMIT`
    values nested at most :data:`CASE_DEPTH_LIMIT` deep and no explicit tag; if not,
    ``None`` and a problem says why. Counted from the parser's events, which cost far
    less than composing the values (and never recurse).
    Raises :class:`yaml.YAMLError` for broken YAML."""
    count = depth = aliases = 0
    for event in yaml.parse(text, Loader=SAFE_LOADER):
        if isinstance(event, yaml.NodeEvent):
            count += 1
            aliases += isinstance(event, yaml.AliasEvent)
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in PLAIN_TAGS:
                reader.add(
                    Problem(
                        reader.file,
                        event.start_mark.line + 1 if event.start_mark else 1,
                        "the file uses YAML tags (`!!python/...` or `!name`), which cases may not",
                        "remove the tag",
                    )
                )
                return None
            if count > CASE_NODES_LIMIT:
                reader.add(
                    Problem(
                        reader.file,
                        1,
                        f"the file holds more than {CASE_NODES_LIMIT:,} values",
                        "a case needs a few hundred: keep to the case format",
                    )
                )
                return None
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > CASE_DEPTH_LIMIT:
                reader.add(
                    Problem(
                        reader.file,
                        event.start_mark.line + 1 if event.start_mark else 0,
                        f"lists and mappings are nested more than {CASE_DEPTH_LIMIT} deep here",
                        "keep to the format's few levels",
                    )
                )
                return None
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return aliases


def read_bounded(reader: NodeReader, limit: int = CASE_FILE_LIMIT) -> bytes | None:
    """The bytes of ``reader.file`` if it is a regular file of at most ``limit`` bytes
    (never more is read: a FIFO, a device or a file that grows is refused, not waited on)."""
    file = reader.file
    try:
        with open_regular(file) as stream:
            raw = stream.read(limit + 1)
    except NotARegularFile:
        reader.add(
            Problem(
                file, 1, "the case file is a folder, FIFO or device", "make it a plain text file"
            )
        )
        return None
    except (OSError, RuntimeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        reader.add(Problem(file, 1, f"cannot read the file: {reason}", "check the path"))
        return None
    if len(raw) > limit:
        reader.add(
            Problem(
                file,
                1,
                f"the file is larger than {limit // 1_000_000} MB",
                "a case is text: move long material out of the file",
            )
        )
        return None
    return raw


def decode_utf8(reader: NodeReader, raw: bytes) -> str | None:
    """``raw`` as text (a UTF-8 byte-order mark dropped), or ``None`` with a problem."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        reader.add(Problem(reader.file, 1, "the file is UTF-16 text", "save it as UTF-8"))
        return None
    try:
        return raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        reader.add(Problem(reader.file, line, "the file is not UTF-8 text", "save it as UTF-8"))
        return None


def yaml_problem(file: Path, error: yaml.YAMLError, text: str) -> Problem:
    """One problem, with its line, for a file PyYAML (or libyaml) could not read."""
    if isinstance(error, yaml.reader.ReaderError):  # a control character; position in bytes
        line = text.encode("utf-8")[: error.position].count(b"\n") + 1
        return Problem(
            file,
            line,
            f"the file holds a control character ({error.character:#04x}), which YAML refuses",
            "remove it; save the file as plain UTF-8 text",
        )
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        reason = error.problem or "the YAML cannot be read"
        if "maximum nesting depth" in reason:
            return Problem(file, line, f"broken YAML: {reason}", "a case is only a few levels deep")
        if "another document" in str(error):
            return Problem(
                file, line, "the file holds more than one YAML document", "remove the `---` line"
            )
        return Problem(
            file,
            line,
            f"broken YAML: {reason}",
            "check the indentation and quote text that contains `: ` or starts with a special character",
        )
    return Problem(file, 1, f"broken YAML: {error}", "check the file's syntax")


def walk(root: yaml.Node) -> int | yaml.Node:
    """How many values ``root`` holds once aliases are followed (counted up to just past
    :data:`CASE_NODES_LIMIT`), or the first node with a tag that is not plain data, or a
    node that contains itself through an alias. Each node is visited once, however
    often aliases repeat it, so an anchor bomb costs no more than its own lines."""
    sizes: dict[int, int] = {}
    path: set[int] = set()  # the nodes being expanded: the one on top and its ancestors
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        key = id(node)
        children = _children(node)
        if expanded:
            path.discard(key)
            sizes[key] = min(CASE_NODES_LIMIT + 1, 1 + sum(sizes[id(c)] for c in children))
            continue
        if key in sizes:
            continue
        if node.tag not in PLAIN_TAGS:
            return node
        path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in path:
                return child
            if id(child) not in sizes:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [item for pair in node.value for item in pair]
    return []
