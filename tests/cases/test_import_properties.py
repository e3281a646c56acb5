"""Property tests: the importers never raise, and whatever they import loads back cleanly."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorbot.cases.importers import Imported, ImportFailure, decode_text
from tutorbot.cases.importers.mirc import parse_mirc
from tutorbot.cases.importers.teaching_file import parse_teaching_file
from tutorbot.cases.importers.writer import case_yaml, write_case_folder
from tutorbot.cases.loader import load_case

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Lines that look like the layout, mixed with anything at all.
layout_line = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "Diagnosis: Extramedullary hematopoiesis (EMH)",
            "Diagnosis:",
            "CT findings:",
            "MRI findings: inline",
            "Findings:",
            "• a bullet",
            "1) numbered",
            "- dash",
            "Case contribution: Dr X",
            "Author: someone",
            "History:",
            "Discussion:",
            "References:",
            "A caption line",
            "",
            "\ufeff",
            "   ",
            "status: draft",
            "- 'quoted: yaml' # not a comment",
            "* null",
            "• 12",
            "• yes",
            "&anchor *alias !!tag",
        ]
    ),
)


def assert_round_trips(outcome: Imported) -> None:
    with tempfile.TemporaryDirectory() as temp:
        folder = write_case_folder(Path(temp) / outcome.case.id, case_yaml(outcome.case, ["h"]))
        result = load_case(folder)
        assert result.errors == [], [str(p) for p in result.errors]
        assert result.case is not None
        assert result.case.history == outcome.case.history
        assert result.case.stages == outcome.case.stages
        assert result.case.diagnosis == outcome.case.diagnosis
        assert result.case.teaching_points == outcome.case.teaching_points
        assert result.case.title == outcome.case.title


@SETTINGS
@given(st.text())
def test_text_importer_never_raises_on_any_text(text: str) -> None:
    outcome = parse_teaching_file(text, "any.txt")
    assert isinstance(outcome, Imported | ImportFailure)
    if isinstance(outcome, Imported):
        assert_round_trips(outcome)
    else:
        assert outcome.message and outcome.line >= 0


@SETTINGS
@given(st.lists(layout_line, max_size=30), st.sampled_from(["\n", "\r\n", "\r"]))
def test_text_importer_on_layout_like_text(lines: list[str], newline: str) -> None:
    outcome = parse_teaching_file(newline.join(lines), "layout.txt")
    assert isinstance(outcome, Imported | ImportFailure)
    if isinstance(outcome, Imported):
        assert_round_trips(outcome)


words = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), min_size=1, max_size=40
)


@SETTINGS
@given(
    title=words,
    history=st.lists(words, max_size=5),
    stages=st.lists(
        st.tuples(st.lists(words, min_size=1, max_size=3), st.lists(words, min_size=1, max_size=4)),
        min_size=1,
        max_size=3,
    ),
    diagnosis=words,
    points=st.lists(words, max_size=4),
)
def test_well_formed_layouts_import_completely(
    title: str,
    history: list[str],
    stages: list[tuple[list[str], list[str]]],
    diagnosis: str,
    points: list[str],
) -> None:
    def plain(text: str) -> str:  # a line that is not mistaken for a bullet or a heading
        return "Text " + " ".join(text.split()).replace(":", ";")

    lines = [plain(title), "Case contribution: Dr Q"]
    lines += [f"• {plain(h)}" for h in history]
    for captions, findings in stages:
        lines += [plain(c) for c in captions]
        lines.append("CT findings:")
        lines += [f"- {plain(f)}" for f in findings]
    lines.append(f"Diagnosis: {plain(diagnosis)}")
    lines += [f"{n}. {plain(p)}" for n, p in enumerate(points, 1)]
    outcome = parse_teaching_file("\n".join(lines), "ok.txt")
    assert isinstance(outcome, Imported), str(outcome)
    case = outcome.case
    assert len(case.history) == len(history)
    assert [(len(s.images), len(s.findings)) for s in case.stages] == [
        (len(c), len(f)) for c, f in stages
    ]
    assert len(case.teaching_points) == len(points)
    assert_round_trips(outcome)


@SETTINGS
@given(st.binary(max_size=2000))
def test_mirc_importer_never_raises_on_any_bytes(data: bytes) -> None:
    outcome = parse_mirc(data, "any.xml")
    assert isinstance(outcome, Imported | ImportFailure)


xml_piece = st.one_of(
    st.sampled_from(
        [
            "<title>T</title>",
            "<image src='a.png'>",
            "</image>",
            "<image-caption>c</image-caption>",
            "<section heading='Findings'>",
            "<section heading='History'>",
            "</section>",
            "<diagnosis>D</diagnosis>",
            "<p>",
            "</p>",
            "<ul><li>x</li></ul>",
            "&amp;",
            "&#0;",
            "<alternative-image role='annotation' src='../x.png'/>",
            "<!DOCTYPE x>",
            "<![CDATA[ y ]]>",
        ]
    ),
    st.text(max_size=20),
)


@SETTINGS
@given(st.lists(xml_piece, max_size=25))
def test_mirc_importer_on_xml_like_bytes(pieces: list[str]) -> None:
    data = ("<MIRCdocument>" + "".join(pieces) + "</MIRCdocument>").encode("utf-8", "surrogatepass")
    outcome = parse_mirc(data, "doc.xml")
    assert isinstance(outcome, Imported | ImportFailure)
    if isinstance(outcome, Imported):
        assert_round_trips(outcome)


@SETTINGS
@given(st.binary(max_size=2000))
def test_decoding_never_raises(data: bytes) -> None:
    decoded = decode_text(data, "any")
    if not isinstance(decoded, ImportFailure):
        outcome = parse_teaching_file(decoded.text, "any")
        assert isinstance(outcome, Imported | ImportFailure)
