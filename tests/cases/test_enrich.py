"""``add_accepted``: the vocabulary's names written into a case file as text, whatever shape
its ``diagnosis:`` has, with every other byte left as it was."""

from __future__ import annotations

import pytest
import yaml

from tutorbot.cases.enrich import EnrichError, add_accepted
from tutorbot.cases.vocabulary import KnownName

NAMES = [
    KnownName("Hodgkin disease", ("HP:0012189", "MeSH:D016539")),
    KnownName("Lymphoma: Hodgkin's", ("HP:1",)),  # needs quoting
    KnownName("HL", ()),  # not from the vocabulary: no comment
]
ADDED = ["Hodgkin disease", "Lymphoma: Hodgkin's", "HL"]


def accepted(text: str) -> list[str]:
    data = yaml.safe_load(text)
    return list(data["diagnosis"].get("accepted") or [])


@pytest.mark.parametrize(
    ("before", "kept"),
    [
        # a block list, with a comment and a quoted item
        (
            "id: x\ndiagnosis:\n  answer: Hodgkin lymphoma\n  accepted:\n"
            '    - HL1   # mine\n    - "Hodgkin\'s lymphoma"\n\nteaching_points: []\n',
            ["HL1", "Hodgkin's lymphoma"],
        ),
        # the template's empty flow list with its comment
        (
            "diagnosis:\n  answer: Hodgkin lymphoma\n  accepted: []   # other ways\n  # partial:\n",
            [],
        ),
        # a flow list with items
        ('diagnosis:\n  answer: Hodgkin lymphoma\n  accepted: [HL1, "a, b"]\n', ["HL1", "a, b"]),
        # no accepted key, after a folded answer
        ("diagnosis:\n  answer: >\n    Hodgkin\n    lymphoma\n  partial: []\n", []),
        # an empty key
        ("diagnosis:\n  answer: Hodgkin lymphoma\n  accepted:\nteaching_points: []\n", []),
        # other indentation, a list not indented under its key
        ("diagnosis:\n    answer: Hodgkin lymphoma\n    accepted:\n    -   HL1\nx: 1\n", ["HL1"]),
        # the short form, and no newline at the end
        ("diagnosis: Hodgkin lymphoma   # short\nteaching_points: []", []),
        # Windows line ends
        ("diagnosis:\r\n  answer: Hodgkin lymphoma\r\n  accepted:\r\n    - HL1\r\n", ["HL1"]),
    ],
)
def test_names_are_added_and_nothing_else_changes(before: str, kept: list[str]) -> None:
    after = add_accepted(before, NAMES)
    assert accepted(after) == [*kept, *ADDED]
    assert "  - Hodgkin disease  # vocabulary: HP:0012189, MeSH:D016539" in after
    assert "- HL  #" not in after and "- HL\n" in after.replace("\r\n", "\n")
    # Every line of the file is still there, in order (a flow list or a short form
    # loses only its value from its key's line).
    lines = iter(after.splitlines())
    untouched = [
        line
        for line in before.splitlines()
        if not line.rstrip().endswith(("[]", "]", "lymphoma   # short", "[]   # other ways"))
    ]
    assert all(any(line == other for other in lines) for line in untouched)
    if "\r\n" in before:
        assert "\n" not in after.replace("\r\n", "")


def test_nothing_to_add_is_no_change() -> None:
    text = "diagnosis: {answer: X}\n"
    assert add_accepted(text, []) is text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id: x\n", "no `diagnosis:`"),
        ("diagnosis: [a, b]\n", "neither a text nor a mapping"),
        ("diagnosis:\n  partial: []\n", "no `answer:`"),
        ("diagnosis:\n  answer: X\n  accepted: {a: b}\n", "neither a list nor empty"),
        ("diagnosis: [\n", "not valid YAML"),
    ],
)
def test_a_file_that_is_not_a_case_is_refused(text: str, message: str) -> None:
    with pytest.raises(EnrichError, match=message):
        add_accepted(text, NAMES)
