"""Draw the picture the bot sends in place of an image file that is gone.

A case can be edited while the bot runs: an image deleted or renamed is not
there when a learner reaches it. The bot then sends this picture, with the
image's own caption, so the learner sees plainly that the image is missing
and goes on (tutorbot/telegram/_sender.py). Deterministic, like
draw_schematics.py: running it again gives the same bytes (for the same Pillow).

Run from the repository root::

    .venv/bin/python tools/draw_placeholder.py   # writes src/tutorbot/telegram/image-not-available.png

Pillow is a development dependency only; the bot sends the committed file.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "src" / "tutorbot" / "telegram" / "image-not-available.png"
SIZE = (800, 450)
TEXT = ("Image not available", "The case was changed. It goes on without this image.")


def draw() -> bytes:
    """The placeholder as PNG bytes."""
    image = Image.new("L", SIZE, 225)
    pen = ImageDraw.Draw(image)
    width = SIZE[0]
    # A picture frame with a mountain and a sun, crossed out: "no picture" at a glance.
    frame = (width // 2 - 90, 70, width // 2 + 90, 200)
    pen.rectangle(frame, outline=110, width=6)
    pen.polygon([(frame[0] + 12, 188), (width // 2 - 20, 110), (width // 2 + 40, 188)], fill=150)
    pen.ellipse((width // 2 + 35, 95, width // 2 + 65, 125), fill=150)
    pen.line((frame[0] - 15, frame[3] + 15, frame[2] + 15, frame[1] - 15), fill=90, width=8)
    for line, (size, y) in zip(TEXT, ((44, 250), (26, 320)), strict=True):
        font = ImageFont.load_default(size=size)
        left, _, right, _ = pen.textbbox((0, 0), line, font=font)
        pen.text(((width - (right - left)) // 2, y), line, fill=60, font=font)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    args = parser.parse_args()
    args.out.write_bytes(draw())


if __name__ == "__main__":
    main()
