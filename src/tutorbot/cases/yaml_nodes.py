"""``case.yaml`` as YAML nodes: read within safety bounds, typed values read out with their lines.

The file is composed with PyYAML's safe loader into nodes rather than
constructed into Python objects, so every value keeps its line number and
every problem can be reported as ``file:line``. A case file is untrusted
input: it is refused when it is too large, not UTF-8, broken YAML or carries
explicit tags, and aliases are walked once however often they repeat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

import yaml
from rapidfuzz import process

from tutorbot.cases.problems import Problem, Severity

CASE_FILE_LIMIT = 1_000_000  # far above any real case; keeps a stray huge file cheap

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
    found = process.extractOne(word, list(choices), score_cutoff=70)
    return str(found[0]) if found else None


def compose_case_file(reader: NodeReader) -> tuple[yaml.Node, bytes] | None:
    """The root node and the raw bytes of ``reader.file``, or ``None`` when the file
    cannot be read as plain YAML data (the reason is added to ``reader.problems``)."""
    case_file = reader.file
    try:
        if case_file.stat().st_size > CASE_FILE_LIMIT:
            reader.problem(
                None,
                f"the case file is larger than {CASE_FILE_LIMIT // 1_000_000} MB",
                "a case is text: move long material out of case.yaml",
            )
            return None
        raw = case_file.read_bytes()
    except OSError as error:
        reader.problem(
            None, f"cannot read the case file: {error.strerror or error}", "check the path"
        )
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        reader.problems.append(
            Problem(case_file, line, "the file is not UTF-8 text", "save it as UTF-8")
        )
        return None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        reason = error.problem or "the YAML cannot be read"
        reader.problems.append(
            Problem(
                case_file,
                line,
                f"broken YAML: {reason}",
                "check the indentation and quote text that contains `: ` or starts with a special character",
            )
        )
        return None
    except yaml.YAMLError as error:
        reader.problems.append(
            Problem(case_file, 0, f"broken YAML: {error}", "check the file's syntax")
        )
        return None
    if root is None:
        reader.problems.append(
            Problem(
                case_file,
                1,
                "the case file is empty",
                "start from `tutorbot cases new ID` or docs/case-format.md",
            )
        )
        return None
    tagged = next((node for node in _nodes(root) if node.tag not in PLAIN_TAGS), None)
    if tagged is not None:
        reader.problem(
            tagged,
            "the file uses YAML tags (`!!python/...` or `!name`), which cases may not",
            "remove the tag",
        )
        return None
    return root, raw


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
