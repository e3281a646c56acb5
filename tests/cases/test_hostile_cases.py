"""Hostile case files cost their own case only: each is one clear problem with file and line,
and every good case beside them loads."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.auxil.botapi import tiny_png
from tests.auxil.case_files import GOOD, PNG, tiny_jpeg, write_case
from tests.auxil.hostile_cases import GOOD_CASES, write_hostile_cases
from tutorbot.cases import load_case, load_library
from tutorbot.cases.image_files import ImageCache
from tutorbot.cases.images import facts_of_bytes, photo_problem


@pytest.fixture
def hostile(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "cases"
    return root, write_hostile_cases(root, tmp_path / "elsewhere")


def test_every_broken_case_is_one_problem_and_the_good_ones_load(
    hostile: tuple[Path, dict[str, str]],
) -> None:
    root, expected = hostile
    library = load_library([root])
    assert sorted(library.cases) == sorted(GOOD_CASES)
    for name, fragment in expected.items():
        errors = [p for p in library.errors if p.file.parent.name == name]
        assert errors, f"{name}: no error"
        assert any(fragment in p.message for p in errors), (name, [str(p) for p in errors])
        assert all(p.line >= 1 and p.hint for p in errors), (name, [str(p) for p in errors])
    broken = library.broken()
    assert len(broken) == len(expected)  # one line per broken case
    assert all(line.startswith("case left out: ") for line in broken)


def test_a_loader_failure_is_a_problem_of_that_case(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_case(tmp_path, "good-case")
    write_case(tmp_path, "bad-case")

    import tutorbot.cases.loader as loader

    real = loader._case

    def explode(*args: object, **kwargs: object) -> object:
        if "bad-case" in str(args[2]):
            raise RecursionError("maximum recursion depth exceeded")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(loader, "_case", explode)
    library = load_library([tmp_path])
    assert list(library.cases) == ["good-case"]
    (problem,) = library.errors
    assert "the loader failed on this case (RecursionError" in problem.message
    assert str(problem).startswith(f"{tmp_path / 'bad-case' / 'case.yaml'}:1: ")


def test_a_case_named_directly_may_not_link_out_of_its_folder(tmp_path: Path) -> None:
    folder = write_case(tmp_path / "cases", "linked")
    (tmp_path / "case.yaml").write_text(GOOD.format(id="linked", status="published"))
    (folder / "case.yaml").unlink()
    os.symlink(tmp_path / "case.yaml", folder / "case.yaml")
    result = load_case(folder)
    assert result.case is None
    assert "the case file is a link to" in result.problems[0].message


@pytest.mark.parametrize(
    ("data", "suffix", "message"),
    [
        (tiny_png(640, 480), ".png", None),
        (tiny_jpeg(30, 20), ".jpg", None),
        (tiny_jpeg(30, 20), ".jpeg", None),
        (tiny_png(8, 8), ".jpg", "is a PNG image, not JPEG"),
        (b"GIF89a\x10\x00\x10\x00" + b"\0" * 30, ".png", "is a GIF image, not PNG"),
        (b"", ".png", "is not a PNG image"),
        (tiny_png(8, 8)[:-12], ".png", "cut short"),
        (PNG[:16] + b"\0" * 20, ".png", "IHDR"),
        (tiny_png(5_000, 5_001), ".png", "add up to at most 10,000"),
        (tiny_png(5_000, 5_000), ".png", None),
        (tiny_png(20, 401), ".png", "at most 20 times as long"),
        (tiny_png(20, 400), ".png", None),
        (tiny_jpeg(1, 30), ".jpg", "at most 20 times as long"),
    ],
)
def test_images_are_read_by_their_header(data: bytes, suffix: str, message: str | None) -> None:
    problem = photo_problem(facts_of_bytes(data), suffix)
    if message is None:
        assert problem is None
    else:
        assert problem is not None and message in problem[0], problem


def test_webp_headers() -> None:
    lossy = b"RIFF" + (30).to_bytes(4, "little") + b"WEBPVP8 " + b"\0" * 7 + b"\x9d\x01\x2a"
    lossy += (300).to_bytes(2, "little") + (200).to_bytes(2, "little") + b"\0" * 8
    assert (facts_of_bytes(lossy).width, facts_of_bytes(lossy).height) == (300, 200)
    bits = (300 - 1) | ((200 - 1) << 14)
    lossless = b"RIFF" + (30).to_bytes(4, "little") + b"WEBPVP8L" + b"\0" * 4 + b"\x2f"
    lossless += bits.to_bytes(4, "little") + b"\0" * 13
    assert (facts_of_bytes(lossless).width, facts_of_bytes(lossless).height) == (300, 200)
    assert photo_problem(facts_of_bytes(lossless), ".webp") is None


def test_image_facts_are_cached_between_runs(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    write_case(cases, "good-case")
    cache_file = tmp_path / "state" / "image-cache.json"
    first = ImageCache(cache_file)
    version = load_library([cases], images=first).get("good-case").version
    assert first.reads == 2 and cache_file.is_file()
    again = ImageCache(cache_file)
    assert load_library([cases], images=again).get("good-case").version == version
    assert again.reads == 0  # nothing read: every image unchanged
    (cases / "good-case" / "images" / "01.png").write_bytes(tiny_png(2, 2))
    changed = ImageCache(cache_file)
    assert load_library([cases], images=changed).get("good-case").version != version
    assert changed.reads == 1


@pytest.mark.parametrize("content", [b"{not json", b'{"format": 1, "images": {"x": [1]}}', b"[]"])
def test_a_cache_that_cannot_be_read_is_rebuilt(tmp_path: Path, content: bytes) -> None:
    cases = tmp_path / "cases"
    write_case(cases, "good-case")
    cache_file = tmp_path / "image-cache.json"
    cache_file.write_bytes(content)
    cache = ImageCache(cache_file)
    assert list(load_library([cases], images=cache).cases) == ["good-case"]
    assert cache.reads == 2
    assert ImageCache(cache_file).facts((cases / "good-case" / "images" / "01.png").resolve())
    assert b'"format": 1' in cache_file.read_bytes()


def test_a_cache_that_cannot_be_written_stays_in_memory(tmp_path: Path) -> None:
    write_case(tmp_path / "cases", "good-case")
    (tmp_path / "blocked").write_text("a file where the cache's folder should be")
    cache = ImageCache(tmp_path / "blocked" / "image-cache.json")
    assert list(load_library([tmp_path / "cases"], images=cache).cases) == ["good-case"]
