"""The cases shipped in ``cases/``: they load cleanly, are complete, and their schematics
are reproducible by ``tools/draw_schematics.py``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutorbot.cases import Case, Library, load_library

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "cases"
DRAW = REPO / "tools" / "draw_schematics.py"
PHOTO_LIMIT = 200 * 1024  # our own budget for a schematic, far under Telegram's 10 MB


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library([CASES])


def bundled_ids() -> list[str]:
    return sorted(p.parent.name for p in CASES.glob("*/case.yaml"))


def test_there_are_bundled_cases() -> None:
    assert {
        "extramedullary-hematopoiesis",
        "extradural-hematoma",
        "tension-pneumothorax",
        "osteosarcoma",
    } <= set(bundled_ids())


def test_every_bundled_case_loads_without_any_problem(library: Library) -> None:
    assert [str(p) for p in library.problems] == []
    assert sorted(library.cases) == bundled_ids()


def test_every_bundled_case_is_published_as_strict_validation_sees_it() -> None:
    strict = load_library([CASES], as_published=True)
    assert [str(p) for p in strict.problems] == []
    assert all(case.published for case in strict.cases.values())


@pytest.mark.parametrize("case_id", bundled_ids())
def test_bundled_case_is_complete(library: Library, case_id: str) -> None:
    case: Case = library.get(case_id)
    assert case.published
    assert case.history and case.teaching_points and case.hints
    assert case.stages
    assert case.source.licence and (case.source.author or case.source.contributor)
    assert case.modality and case.system
    for stage in case.stages:
        assert stage.images and stage.findings
        for image in stage.images:
            assert image.annotated and image.annotated_caption and image.alt
            assert "schematic" in image.caption.lower()
            assert "schematic" in image.annotated_caption.lower()
            for relative in (image.file, image.annotated):
                path = case.image_path(relative)
                assert path.is_file(), path
                assert path.stat().st_size < PHOTO_LIMIT, path
                assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", path


def test_extramedullary_hematopoiesis_keeps_the_shape_of_its_seed(library: Library) -> None:
    case: Case = library.get("extramedullary-hematopoiesis")
    assert len(case.history) == 6
    assert len(case.stages) == 2
    radiograph, ct = case.stages
    assert len(radiograph.images) == 1 and len(radiograph.findings) == 4
    assert len(ct.images) == 2 and len(ct.findings) == 4
    assert len(case.teaching_points) == 7
    assert case.diagnosis.answer == "Extramedullary hematopoiesis"
    assert "EMH" in case.diagnosis.accepted
    assert case.source.contributor == "Dr Radhiana Hassan"
    assert case.source.author == "radhianahassan"
    assert {"radiograph", "ct", "chest", "haematology"} <= set(case.tags)


def draw(out: Path) -> dict[str, bytes]:
    subprocess.run(
        [sys.executable, str(DRAW), "--out", str(out)], check=True, capture_output=True, cwd=REPO
    )
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.png"))}


def test_drawing_script_is_deterministic_and_mirrors_the_cases_layout(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    first = draw(tmp_path / "one")
    second = draw(tmp_path / "two")
    assert first and first == second
    # Every image the cases refer to is drawn, at the same relative path.
    library = load_library([CASES])
    referenced = {
        f"{case.id}/{relative}"
        for case in library.cases.values()
        for stage in case.stages
        for image in stage.images
        for relative in (image.file, image.annotated)
        if relative
    }
    assert referenced <= set(first)


def test_committed_schematics_match_the_drawing_script(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    drawn = draw(tmp_path)
    stale = [name for name, data in drawn.items() if (CASES / name).read_bytes() != data]
    assert stale == [], "run `.venv/bin/python tools/draw_schematics.py` and commit the PNGs"
