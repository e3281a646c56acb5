"""``tutorbot cases import|new|publish|schema`` end to end, through ``tutorbot.cli.main``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.auxil.case_files import tiny_jpeg
from tutorbot.cases.authoring import publish_text
from tutorbot.cases.loader import load_case
from tutorbot.cli import main
from tutorbot.grading import grade, load_lexicon

DATA = Path(__file__).parents[1] / "cases" / "data"
REPO = Path(__file__).resolve().parents[2]
SEED = REPO.parent / "shared" / "seeds" / "000_8eb4eb830ed19b4f.txt"
JPEG = tiny_jpeg()
needs_seed = pytest.mark.skipif(not SEED.exists(), reason="the shared seed is not beside the repo")


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def tree(path: Path) -> list[str]:
    return sorted(str(p.relative_to(path)) for p in path.rglob("*"))


# -- import ----------------------------------------------------------------------------------


@needs_seed
def test_done_when_seed_import_show_and_grade(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "x"
    code, out, err = run(capsys, "cases", "import", SEED, "--out", out_dir)
    assert code == 0, err
    folder = out_dir / "extramedullary-hematopoiesis"
    assert out.splitlines() == [str(folder)]
    assert f"[1/1] importing {SEED} …" in err
    assert "imported 1, skipped 0, failed 0" in err

    code, out, err = run(capsys, "cases", "show", "--json", folder)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["title"] == "Extramedullary hematopoiesis"
    assert shown["status"] == "draft"
    assert len(shown["history"]) == 6
    assert [(len(s["images"]), len(s["findings"])) for s in shown["stages"]] == [(1, 4), (2, 4)]
    assert shown["stages"][0]["images"][0]["caption"] == "Chest radiograph in frontal view"
    assert shown["diagnosis"] == "Extramedullary hematopoiesis"
    assert "EMH" in shown["accepted"]
    assert len(shown["teaching_points"]) == 7
    assert shown["source"]["contributor"] == "Dr Radhiana Hassan"
    assert shown["source"]["author"] == "radhianahassan"

    case = load_case(folder).case
    assert case is not None
    lexicon = load_lexicon(out_dir)
    verdicts = {
        a: grade(a, case.diagnosis, lexicon).verdict
        for a in (
            "EMH",
            "extramedullary haemopoiesis",
            "Extramedullary hematopoiesis",
            "extramedullary plasmacytoma",
            "hematoma",
            "not EMH",
            "",
        )
    }
    assert verdicts == {
        "EMH": "correct",
        "extramedullary haemopoiesis": "correct",
        "Extramedullary hematopoiesis": "correct",
        "extramedullary plasmacytoma": "wrong",
        "hematoma": "wrong",
        "not EMH": "wrong",
        "": "wrong",
    }


@needs_seed
def test_validate_lists_exactly_the_missing_images(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "cases", "import", SEED, "--out", tmp_path)
    folder = tmp_path / "extramedullary-hematopoiesis"
    code, _, err = run(capsys, "cases", "validate", folder)
    assert code == 0
    lines = [line for line in err.splitlines() if "case.yaml:" in line]
    assert len(lines) == 3
    assert all("warning:" in line and "does not exist" in line for line in lines)
    assert [line.split("`")[1] for line in lines] == [
        "images/01.jpg",
        "images/02.jpg",
        "images/03.jpg",
    ]
    assert "0 errors, 3 warnings" in err
    code, _, err = run(capsys, "cases", "validate", "--published", folder)
    assert code == 1 and "3 errors, 0 warnings" in err


def test_many_files_progress_summary_and_exit_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [
        DATA / "tension_pneumothorax_crlf.txt",
        DATA / "missing_diagnosis.txt",
        DATA / "pres_mri_abbreviation.txt",
        DATA / "binary.png.txt",
        DATA / "mirc_osteosarcoma.xml",
    ]
    code, out, err = run(capsys, "cases", "import", *files, "--out", tmp_path)
    assert code == 1
    assert out.splitlines() == [
        str(tmp_path / "tension-pneumothorax"),
        str(tmp_path / "headache-and-blurred-vision-after-chemotherapy"),
        str(tmp_path / "knee-pain-and-swelling-in-a-14-year-old"),
    ]
    for number, file in enumerate(files, 1):
        assert f"[{number}/5] importing {file} …" in err
    assert "imported 3, skipped 0, failed 2" in err
    assert f"failed {files[1]}: line 6: expected a 'Diagnosis:' line after the findings" in err
    assert f"failed {files[3]}: line 3: this is a binary file" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "headache-and-blurred-vision-after-chemotherapy",
        "knee-pain-and-swelling-in-a-14-year-old",
        "tension-pneumothorax",
    ]
    for folder in tmp_path.iterdir():
        assert load_case(folder).errors == []
        assert (folder / "images").is_dir()


def test_existing_case_is_skipped_unless_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = DATA / "osteoid_osteoma_bone_window.txt"
    assert run(capsys, "cases", "import", source, "--out", tmp_path)[0] == 0
    folder = tmp_path / "night-pain-in-a-teenagers-tibia"
    (folder / "images" / "01.jpg").write_bytes(b"\xff\xd8\xff\xe0 my image")
    (folder / "case.yaml").write_text((folder / "case.yaml").read_text() + "# my edit\n")

    code, out, err = run(capsys, "cases", "import", source, "--out", tmp_path)
    assert code == 0 and out == ""
    assert "imported 0, skipped 1 (exists; use --force), failed 0" in err
    assert "use --force to replace it" in err
    assert (folder / "case.yaml").read_text().endswith("# my edit\n")

    code, out, err = run(capsys, "cases", "import", source, "--out", tmp_path, "--force")
    assert code == 0 and out.strip() == str(folder)
    assert not (folder / "case.yaml").read_text().endswith("# my edit\n")
    assert (folder / "images" / "01.jpg").read_bytes() == b"\xff\xd8\xff\xe0 my image"  # kept
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no temporary folders left


def test_imported_yaml_is_readable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "cases", "import", DATA / "subdural_bom_british.txt", "--out", tmp_path)
    text = (tmp_path / "an-elderly-man-who-fell-at-home" / "case.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Imported from subdural_bom_british.txt by `tutorbot cases import`.")
    assert "images/01.jpg  Non-contrast CT head, axial, brain window" in text
    assert "tutorbot cases publish" in text
    keys = [line.split(":")[0] for line in text.splitlines() if line[:1].isalpha()]
    assert keys == [
        "format",
        "id",
        "title",
        "status",
        "source",
        "tags",
        "difficulty",
        "history",
        "stages",
        "question",
        "diagnosis",
        "teaching_points",
    ]
    assert "  - An 81-year-old man on warfarin for atrial fibrillation\n" in text
    assert "{" not in text and "\\u" not in text


def test_write_failure_leaves_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    code, out, err = run(
        capsys, "cases", "import", DATA / "pres_mri_abbreviation.txt", "--out", blocked
    )
    assert code == 1 and out == ""
    assert "failed" in err and "Traceback" not in err
    assert tree(tmp_path) == ["file-not-folder"]


def test_import_through_a_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "TUTORBOT_CASES": str(tmp_path / "cases")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tutorbot",
            "cases",
            "import",
            str(DATA / "mirc_spondylodiscitis.xml"),
            str(DATA / "empty_diagnosis.txt"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    folder = tmp_path / "cases" / "back-pain-and-fever-after-a-urinary-infection"
    assert done.stdout.splitlines() == [str(folder)]
    assert "imported 1, skipped 0, failed 1" in done.stderr
    assert "line 6: expected a diagnosis after 'Diagnosis:', found nothing" in done.stderr
    assert load_case(folder).errors == []


# -- new -------------------------------------------------------------------------------------


def test_new_scaffolds_a_valid_draft(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "cases", "new", "my-first-case", "--out", tmp_path)
    assert code == 0, err
    folder = tmp_path / "my-first-case"
    assert out.strip() == str(folder)
    assert tree(folder) == ["case.yaml", "images"]
    result = load_case(folder)
    assert result.errors == [] and result.case is not None
    assert result.case.status == "draft"
    assert [p.message for p in result.problems] == ["stage 1: image `images/01.jpg` does not exist"]
    text = (folder / "case.yaml").read_text()
    for key in (
        "format",
        "id",
        "title",
        "status",
        "source",
        "tags",
        "difficulty",
        "history",
        "stages",
        "question",
        "diagnosis",
        "hints",
        "teaching_points",
        "partial",
        "wrong",
        "required",
        "explanation",
        "annotated",
        "alt",
    ):
        assert f"{key}:" in text, key
    code, _, err = run(capsys, "cases", "new", "my-first-case", "--out", tmp_path)
    assert code == 1 and "already exists" in err


@pytest.mark.parametrize("bad", ["My Case", "-x", "x-", "a_b", "é", "a" * 49])
def test_new_refuses_bad_ids(bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "cases", "new", "--out", tmp_path, "--", bad)
    assert code == 1 and "is not a valid case id" in err
    assert list(tmp_path.iterdir()) == []


# -- publish ---------------------------------------------------------------------------------


def test_publish_refuses_then_publishes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "cases", "import", DATA / "tension_pneumothorax_crlf.txt", "--out", tmp_path)
    folder = tmp_path / "tension-pneumothorax"
    before = (folder / "case.yaml").read_bytes()
    code, out, err = run(capsys, "cases", "publish", folder)
    assert code == 1 and out == ""
    assert f"{folder / 'case.yaml'}:" in err and "`images/01.jpg` does not exist" in err
    assert "Not published: 1 problem to fix first" in err
    assert (folder / "case.yaml").read_bytes() == before

    (folder / "images" / "01.jpg").write_bytes(JPEG)
    code, out, err = run(capsys, "cases", "publish", "tension-pneumothorax", "--cases", tmp_path)
    assert code == 0, err
    assert out.strip() == str(folder)
    assert "Published tension-pneumothorax" in err
    after = (folder / "case.yaml").read_bytes()
    assert after == before.replace(b"\nstatus: draft\n", b"\nstatus: published\n")
    loaded = load_case(folder)
    assert loaded.case is not None and loaded.case.published

    code, _, err = run(capsys, "cases", "publish", folder)
    assert code == 0 and "already published" in err


def test_publish_refuses_a_scaffold_with_todos(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "cases", "new", "fresh", "--out", tmp_path)
    (tmp_path / "fresh" / "images" / "01.jpg").write_bytes(JPEG)
    before = (tmp_path / "fresh" / "case.yaml").read_text()
    code, _, err = run(capsys, "cases", "publish", tmp_path / "fresh")
    assert code == 1 and "still says TODO" in err and "Not published" in err
    assert (tmp_path / "fresh" / "case.yaml").read_text() == before


def test_publish_unknown_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "cases", "publish", "no-such-case", "--cases", tmp_path)
    assert code == 1 and "no case `no-such-case`" in err


def test_publish_text_edits_only_the_status_line() -> None:
    text = "# status: draft in a comment\nformat: 1\nstatus: 'draft'   # to do\nnote: |\n  status: draft\n"
    assert publish_text(text) == (
        "# status: draft in a comment\nformat: 1\nstatus: published   # to do\nnote: |\n  status: draft\n"
    )
    assert publish_text("status: published\n") is None


# -- schema ----------------------------------------------------------------------------------


def test_schema_command_prints_the_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "cases", "schema")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert "stages" in schema["properties"]
