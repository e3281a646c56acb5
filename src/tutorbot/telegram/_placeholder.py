"""An image file that is gone when a learner reaches it is sent as a placeholder picture.

Cases can be edited while the bot runs (it reads them at start-up): an image
deleted or renamed in the meantime is not there to send. Sending fails then,
and the learner would get only "something went wrong" and be stuck. Instead
the picture ``image-not-available.png`` (drawn by tools/draw_placeholder.py)
goes in its place, with the image's own caption and buttons, so the learner
sees what happened and goes on; the operator gets one warning a send, naming
the file. After a restart the case is read as it is now.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

PLACEHOLDER = Path(__file__).with_name("image-not-available.png")


def present(path: Path) -> Path:
    """``path`` if it is a file now, else the placeholder picture (and a warning)."""
    if path.is_file():
        return path
    log.warning(
        "Image %s is gone (the case was edited while the bot runs?); sent a placeholder. "
        "Restart the bot to read the case as it is now.",
        path,
    )
    return PLACEHOLDER
