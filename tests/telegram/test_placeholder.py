"""The picture sent in place of an image file that is gone (see telegram/_placeholder.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.auxil.botapi import image_size
from tutorbot.limits import PHOTO_SIZE_LIMIT
from tutorbot.telegram._placeholder import PLACEHOLDER, present

ROOT = Path(__file__).resolve().parents[2]


def test_the_placeholder_is_a_photo_telegram_takes() -> None:
    data = PLACEHOLDER.read_bytes()
    size = image_size(data)
    assert size is not None and len(data) < PHOTO_SIZE_LIMIT
    width, height = size
    assert width + height <= 10_000 and max(width, height) <= 20 * min(width, height)


def test_the_committed_placeholder_is_the_drawing_scripts(tmp_path: Path) -> None:
    pytest.importorskip("PIL")
    out = tmp_path / "placeholder.png"
    script = ROOT / "tools" / "draw_placeholder.py"
    subprocess.run([sys.executable, str(script), "--out", str(out)], check=True, timeout=60)
    assert out.read_bytes() == PLACEHOLDER.read_bytes(), "run tools/draw_placeholder.py"


def test_a_file_that_is_there_is_sent_as_it_is(tmp_path: Path) -> None:
    image = tmp_path / "a.png"
    image.write_bytes(PLACEHOLDER.read_bytes())
    assert present(image) == image
    assert present(tmp_path / "gone.png") == PLACEHOLDER
