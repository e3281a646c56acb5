"""Opening files of a cases folder, which is untrusted: regular files only, never waiting.

``open()`` on a FIFO waits for a writer forever, and on a device reads without
end; a check of the path before opening can be raced. So the file is opened
without blocking and checked through its open descriptor.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO


class NotARegularFile(OSError):
    """The path is a folder, a FIFO, a device or a socket, not a file."""


def open_regular(path: Path | str) -> BinaryIO:
    """``path`` open for binary reading, if it is a regular file (links followed)."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise NotARegularFile(f"{path} is not a regular file")
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise
