"""The quick path of reading a case file accepts only what the careful path accepts,
with the same nodes, and nearly every real case takes it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.auxil.hostile_cases import ROOT, TEXT_CASES
from tutorbot.cases.yaml_nodes import NodeReader, compose_carefully, compose_quickly


def _nested(depth: int, inner: str = "") -> str:
    return "[" * depth + inner + "]" * depth


def _shape(node: yaml.Node) -> object:
    """The node as plain data with its tags and lines, to compare two compositions."""
    if isinstance(node, yaml.SequenceNode):
        value: object = [_shape(child) for child in node.value]
    elif isinstance(node, yaml.MappingNode):
        value = [(_shape(k), _shape(v)) for k, v in node.value]
    else:
        value = node.value
    line = node.start_mark.line if node.start_mark else None
    return (type(node).__name__, node.tag, line, value)


BOUNDARIES = {
    "a list 32 deep (the limit)": f"x: {_nested(31)}\n",
    "an empty list 33 deep": f"x: {_nested(32)}\n",
    "a scalar inside 32 lists": f"x: {_nested(31, 'a')}\n",
    "a scalar inside 33 lists": f"x: {_nested(32, 'a')}\n",
    # A short text holds many values in flow style: each `a,` of a mapping is a key and a
    # null value. A list holding a mapping of 4,999 keys: 10,000 values.
    "10,000 values (the limit)": "[{" + "a," * 4_998 + "a}]\n",
    "10,001 values": "[{" + "a," * 4_998 + "a}, b]\n",
    "10,001 values in a long text": "hints:\n" + "  - h\n" * 9_999,
    "a merge key": "a: {b: 1}\n<<: {c: 2}\n",
    "a bare tag": "a: ! 1\n",
    "a tag on a list": "a: !x [1]\n",
    "an anchor without alias": "a: &x [1]\nb: 2\n",
    "an alias": "a: &x [1]\nb: *x\n",
    "an exclamation in text": "history: [Look!]\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "broken": "a: [1\n",
    "empty": "",
    "a comment only": "# nothing\n",
}
SAMPLES = {**{name: text for name, (text, _) in TEXT_CASES.items()}, **BOUNDARIES}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_the_quick_path_accepts_only_what_the_careful_path_does(name: str) -> None:
    text = SAMPLES[name]
    quick = compose_quickly(text)
    reader = NodeReader(Path("case.yaml"))
    careful = compose_carefully(reader, text)
    if quick is None:
        return  # the careful path decides alone (its problems are tested elsewhere)
    assert careful is not None, (name, [str(p) for p in reader.problems])
    assert _shape(quick) == _shape(careful)


@pytest.mark.parametrize(
    "name",
    ["a list 32 deep (the limit)", "a scalar inside 32 lists", "10,000 values (the limit)"],
)
def test_the_quick_path_takes_files_at_the_limits(name: str) -> None:
    assert compose_quickly(SAMPLES[name]) is not None


@pytest.mark.parametrize(
    "name",
    [
        "an empty list 33 deep",
        "a scalar inside 33 lists",
        "10,001 values",
        "10,001 values in a long text",
        "a bare tag",
        "two documents",
        "broken",
    ],
)
def test_the_quick_path_leaves_what_breaks_a_bound_to_the_careful_path(name: str) -> None:
    assert compose_quickly(SAMPLES[name]) is None
    assert compose_carefully(NodeReader(Path("case.yaml")), SAMPLES[name]) is None


@pytest.mark.parametrize("name", ["an alias", "an exclamation in text"])
def test_the_quick_path_leaves_aliases_and_possible_tags_to_the_careful_path(name: str) -> None:
    assert compose_quickly(SAMPLES[name]) is None


@pytest.mark.parametrize("case_file", sorted((ROOT / "cases").glob("*/case.yaml")))
def test_every_bundled_case_takes_the_quick_path(case_file: Path) -> None:
    assert compose_quickly(case_file.read_text(encoding="utf-8")) is not None
