"""Case folders written for tests: a good case in any status, a case broken in every way."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image as PillowImage

from tests.auxil.botapi import tiny_png

GOOD = """\
format: 1
id: {id}
title: A good case
status: {status}
source:
  contributor: Dr Someone
tags:
  modality: [CT]
  system: [Chest]
history:
  - A 40-year-old with a cough
stages:
  - title: CT chest
    question: What do you see?
    images:
      - file: images/01.png
        caption: CT, axial
        alt: An axial CT slice
        annotated: images/01-marked.png
    findings:
      - A mass
diagnosis:
  answer: Lung cancer
  accepted: [Bronchogenic carcinoma]
  partial:
    - answer: mass
      feedback: What kind of mass?
  wrong:
    - answer: pneumonia
      feedback: No consolidation is seen.
hints:
  - Look at the hilum.
teaching_points:
  - A point
"""

PNG = tiny_png(1, 1)  # a real image: the loader reads every image's header


def tiny_jpeg(width: int = 1, height: int = 1) -> bytes:
    """A real (grey) JPEG of the given size."""
    out = io.BytesIO()
    PillowImage.new("L", (width, height), 128).save(out, "JPEG")
    return out.getvalue()


def write_case(
    root: Path,
    case_id: str,
    text: str | None = None,
    *,
    status: str = "published",
    images: bool = True,
) -> Path:
    folder = root / case_id
    (folder / "images").mkdir(parents=True)
    (folder / "case.yaml").write_text(
        text if text is not None else GOOD.format(id=case_id, status=status)
    )
    if images:
        (folder / "images" / "01.png").write_bytes(PNG)
        (folder / "images" / "01-marked.png").write_bytes(PNG)
    return folder


BROKEN = """\
format: 2
id: Broken_Case
title:
status: finished
history: just one line
stages:
  - images:
      - file: ../outside.png
        caption: "{long}"
      - file: /etc/passwd.png
        caption: fine
      - file: images/missing.png
        caption: fine
      - file: images/link.png
        caption: linked
    findings: []
    colour: red
diagnosis:
  accepted: [x]
teaching_points: [a]
extra_key: 1
"""
