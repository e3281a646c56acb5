"""Terminal play driven through a pipe, as a script or a learner at a keyboard would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CASES = REPO / "cases"
MARKS = ("✅", "🟡", "❌")


def play(stdin: bytes, *args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run `tutorbot play` in a child process with ``stdin`` piped in."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("TUTORBOT_CASES", None)
    run = subprocess.run(
        [sys.executable, "-m", "tutorbot", "play", *args],
        input=stdin,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        run.args, run.returncode, run.stdout.decode("utf-8"), run.stderr.decode("utf-8")
    )


def verdict_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith(MARKS)]


def test_surplus_nexts_then_the_right_answer(tmp_path: Path) -> None:
    stdin = b"next\n" * 8 + b"EMH\n"
    run = play(stdin, "--case", "extramedullary-hematopoiesis")
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    verdicts = verdict_lines(run.stdout)
    assert len(verdicts) == 1 and verdicts[0].startswith("✅")
    assert "Diagnosis: Extramedullary hematopoiesis" in run.stdout
    assert "Teaching points:" in run.stdout
    assert run.stdout.count("[image] ") == 3 and run.stdout.count("[annotated image] ") == 3
    # The same script gives the same output: play keeps no state between runs.
    assert play(stdin, "--case", "extramedullary-hematopoiesis").stdout == run.stdout


def test_wrong_answers_reach_the_answer(tmp_path: Path) -> None:
    run = play(b"skip\nlymphoma\nmetastases\n", "--case", "extramedullary-hematopoiesis")
    verdicts = verdict_lines(run.stdout)
    assert [line[0] for line in verdicts] == ["❌", "❌"]
    assert run.stdout.index("Diagnosis: Extramedullary hematopoiesis") > run.stdout.index(
        verdicts[-1]
    )


def test_giving_up_shows_the_answer_without_a_mark() -> None:
    run = play(b"reveal\n", "--case", "tension-pneumothorax")
    assert verdict_lines(run.stdout) == []
    assert "Diagnosis: Tension pneumothorax" in run.stdout


def test_reserved_words_keep_their_meaning_at_the_question() -> None:
    run = play(b"skip\nhint\nnext\nrestart\nquit\nEMH\n", "--case", "extramedullary-hematopoiesis")
    assert "Hint 1 of" in run.stdout
    assert run.stdout.count("Clinical history:") == 2  # restart began again
    assert run.stdout.rstrip().endswith("Bye.")
    assert verdict_lines(run.stdout) == []  # quit stopped before "EMH" was read


def test_empty_long_and_non_utf8_answers_are_handled() -> None:
    stdin = b"skip\n\n" + b"\xff\xfe bad bytes\n" + b"x" * 10_000 + b"\n"
    run = play(stdin, "--case", "osteosarcoma")
    assert run.returncode == 0 and "Traceback" not in run.stderr
    assert "Please type a diagnosis" in run.stdout
    assert "not readable text" in run.stdout
    assert len(verdict_lines(run.stdout)) == 1  # only the 10,000-character line was graded


def test_next_case_after_the_end() -> None:
    run = play(b"reveal\nnext\nquit\n", "--case", "osteosarcoma")
    assert run.stdout.count("Clinical history:") == 2


def test_default_plays_the_first_published_case() -> None:
    run = play(b"quit\n")
    assert run.returncode == 0 and "Clinical history:" in run.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--case", "no-such-case"], "there is no case `no-such-case`"),
        (["--cases", "/nonexistent/folder"], "does not exist"),
    ],
)
def test_bad_arguments_get_one_sentence(args: list[str], message: str) -> None:
    run = play(b"", *args)
    assert run.returncode == 1
    assert message in run.stderr and "Traceback" not in run.stderr


def test_an_empty_cases_folder(tmp_path: Path) -> None:
    run = play(b"", "--cases", str(tmp_path))
    assert run.returncode == 1 and "no published cases" in run.stderr


def test_a_broken_case_is_reported_and_the_others_play(tmp_path: Path) -> None:
    import shutil

    shutil.copytree(CASES / "osteosarcoma", tmp_path / "osteosarcoma")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "case.yaml").write_text("title: [oops\n")
    run = play(b"quit\n", "--cases", str(tmp_path))
    assert run.returncode == 0
    assert (
        "broken/case.yaml:" in run.stderr
        and "broken YAML" in run.stderr
        and "Clinical history:" in run.stdout
    )


def test_alt_text_waits_for_the_findings_or_describe() -> None:
    """The alt text says what the image shows: before "What do you see?" it would answer it."""
    alt = "thick anterior ribs on both sides"
    run = play(b"next\ndescribe\nnext\n", "--case", "extramedullary-hematopoiesis")
    stage = run.stdout.index("-- Stage 1 of 2")
    asked = run.stdout.index("Image 1 of 1: ")
    shown = run.stdout.index("-- Findings, stage 1 of 2")
    assert alt not in run.stdout[stage:asked]
    assert "(Type describe to have the images described in words.)" in run.stdout[stage:asked]
    assert alt in run.stdout[asked:shown] and alt in run.stdout[shown:]


def test_describe_before_any_image_and_at_the_question() -> None:
    run = play(b"describe\nskip\ndescribe\n", "--case", "extramedullary-hematopoiesis")
    assert "There is no image to describe yet." in run.stdout
    assert verdict_lines(run.stdout) == []  # `describe` is never graded as a diagnosis


def test_a_pipe_reads_every_line_as_it_is() -> None:
    """No shortcuts, suggestions or key help in a pipe: scripts keep their meaning."""
    run = play(b"n\nnxet\nq\n", "--case", "extramedullary-hematopoiesis")
    assert "Did you mean" not in run.stdout and "Keys:" not in run.stdout
    assert "-- Stage 1" not in run.stdout  # "n" is not next here
    assert run.stdout.count("The diagnosis question comes after the images.") == 3
    assert not run.stdout.rstrip().endswith("Bye.")  # "q" is not quit either
