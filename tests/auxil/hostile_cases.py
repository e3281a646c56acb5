"""A cases folder holding two good cases and one broken case of every kind we could think of.

:func:`write_hostile_cases` writes it and returns what each broken case must be
reported with; the loader, ``cases validate``, ``tutorbot run`` and the bot are
tested against it. Everything is generated (links, FIFOs, sparse files), so the
repository holds no hostile file.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

from tests.auxil.botapi import tiny_png
from tests.auxil.case_files import GOOD, tiny_jpeg

ROOT = Path(__file__).resolve().parents[2]
#: Bundled cases with real images, served from the hostile folder too.
GOOD_CASES = ("osteosarcoma", "tension-pneumothorax")


def _good(case_id: str) -> str:
    return GOOD.format(id=case_id, status="published")


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _bomb() -> str:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    return "\n".join(levels) + "\n"


#: Broken cases whose case.yaml is text: folder name -> (text, what the problem says).
TEXT_CASES: dict[str, tuple[str, str]] = {
    "deep-nesting": (_good("deep-nesting") + f"x: {_nested(40)}\n", "nested more than 32 deep"),
    "deeper-than-libyaml": (f"a: {_nested(5000)}\n", "maximum nesting depth"),
    "anchor-bomb": (_good("anchor-bomb") + _bomb(), "once its aliases (`*name`) are followed"),
    "alias-in-itself": (
        _good("alias-in-itself").replace("history:\n", "history: &h [*h]\nx:\n"),
        "repeats the value it is part of",
    ),
    "too-many-values": ("findings:\n" + "  - a\n" * 25_000, "more than 10,000 values"),
    "control-character": (_good("control-character").replace("A mass", "A\x00mass"), "control"),
    "duplicate-keys": (_good("duplicate-keys") + "title: Again\n", "has `title` twice"),
    "python-tag": ("!!python/object/apply:os.system [echo hi]\n", "YAML tags"),
    "two-documents": (_good("two-documents") + "---\nid: other\n", "more than one YAML document"),
    "empty-file": ("", "the case file is empty"),
    "broken-syntax": (
        _good("broken-syntax").replace("title: A good case", "title: [open"),
        "broken",
    ),
    "top-level-list": ("- format: 1\n- id: x\n", "must be a mapping"),
    "wrong-types": (
        _good("wrong-types")
        .replace("history:\n  - A 40-year-old with a cough", "history: {a: b}")
        .replace("      - file: images/01.png\n", "      - images/01.png\n      - file: [a]\n")
        .replace("  answer: Lung cancer", "  answer: [Lung, cancer]"),
        "must be",
    ),
    "stages-a-word": (_good("stages-a-word").replace("stages:\n", "stages: many\nx:\n"), "list"),
    "id-clash": (_good("osteosarcoma"), "differs from the folder name"),
    "bad-id": (_good("Bad_Id"), "not a valid case id"),
    "long-caption": (_good("long-caption").replace("CT, axial", "x" * 1100), "1100 characters"),
    "format-two": (_good("format-two").replace("format: 1", "format: 2"), "format is not 1"),
}


def write_hostile_cases(root: Path, elsewhere: Path) -> dict[str, str]:
    """Write the folder at ``root`` (``elsewhere`` holds what links point out to) and return
    each broken case's folder name -> a fragment of its first problem."""
    root.mkdir(parents=True)
    elsewhere.mkdir(parents=True)
    for case_id in GOOD_CASES:
        shutil.copytree(ROOT / "cases" / case_id, root / case_id)
    expected: dict[str, str] = {}

    def case(name: str, text: str | bytes | None = None) -> Path:
        folder = root / name
        (folder / "images").mkdir(parents=True)
        if text is not None:
            data = text.encode() if isinstance(text, str) else text
            (folder / "case.yaml").write_bytes(data)
        (folder / "images" / "01.png").write_bytes(tiny_png(8, 8))
        (folder / "images" / "01-marked.png").write_bytes(tiny_png(8, 8))
        return folder

    for name, (text, message) in TEXT_CASES.items():
        case(name, text)
        expected[name] = message

    # Bytes that are not UTF-8 text.
    case("binary-garbage", random.Random(9).randbytes(50_000))
    expected["binary-garbage"] = "not UTF-8"
    case("utf-16", _good("utf-16").encode("utf-16"))
    expected["utf-16"] = "UTF-16"
    case(
        "latin-1", _good("latin-1").replace("A mass", "Une masse opaque à droite").encode("latin-1")
    )
    expected["latin-1"] = "not UTF-8"

    # Files that are too big, or no files at all.
    huge = case("huge-file", b"")
    os.truncate(huge / "case.yaml", 200_000_000)  # sparse: costs no disk
    expected["huge-file"] = "larger than 1 MB"
    fifo = case("case-file-fifo")
    os.mkfifo(fifo / "case.yaml")  # reading it would wait for a writer forever
    expected["case-file-fifo"] = "a folder, FIFO or device"
    (case("case-file-folder") / "case.yaml").mkdir()
    expected["case-file-folder"] = "a folder, FIFO or device"

    # Images that are not what they claim, or not within Telegram's photo limits.
    def image_case(name: str, message: str, image: bytes | None = None) -> Path:
        folder = case(name, _good(name))
        if image is not None:
            (folder / "images" / "01.png").write_bytes(image)
        expected[name] = message
        return folder

    image_case("png-not-an-image", "is not a PNG image", b"just text, named .png\n")
    image_case("png-is-a-jpeg", "is a JPEG image, not PNG", tiny_jpeg(4, 4))
    image_case("png-cut-short", "cut short", tiny_png(64, 64)[:60])
    image_case("png-too-wide", "add up to at most 10,000", tiny_png(9_995, 8))
    image_case("png-too-thin", "at most 20 times as long", tiny_png(2_100, 100))
    big = image_case("png-too-large", "larger than Telegram's 10 MB")
    os.truncate(big / "images" / "01.png", 11 * 2**20)  # sparse: costs no disk
    looped = image_case("image-link-loop", "is a link that loops")
    (looped / "images" / "01.png").unlink()
    os.symlink("01.png", looped / "images" / "01.png")
    fifo_image = image_case("image-fifo", "is not a file")
    (fifo_image / "images" / "01.png").unlink()
    os.mkfifo(fifo_image / "images" / "01.png")
    leaving = image_case("image-link-out", "is a link that leaves the case folder")
    (elsewhere / "secret.png").write_bytes(tiny_png(8, 8))
    (leaving / "images" / "01.png").unlink()
    os.symlink(elsewhere / "secret.png", leaving / "images" / "01.png")
    path_out = image_case("image-path-out", "leaves the case folder")
    text = _good("image-path-out").replace("images/01.png\n", "../../outside/01.png\n")
    (path_out / "case.yaml").write_text(text)

    # Case folders and files that are links out of the cases folder, or loop.
    outside = elsewhere / "outside-case"
    outside.mkdir()
    (outside / "case.yaml").write_text(_good("linked-folder"))
    os.symlink(outside, root / "linked-folder")
    expected["linked-folder"] = "the case folder is a link to"
    (elsewhere / "case.yaml").write_text(_good("linked-file"))
    os.symlink(elsewhere / "case.yaml", case("linked-file") / "case.yaml")
    expected["linked-file"] = "the case file is a link to"
    os.symlink("folder-loop", root / "folder-loop")
    expected["folder-loop"] = "link that loops"
    os.symlink("case.yaml", case("case-file-loop") / "case.yaml")
    expected["case-file-loop"] = "link that loops"
    return expected
