"""A case's image files checked on disk, and the cache that keeps start-up fast.

Every image a case names is checked once per load, however often the case
names it: its path stays inside the case folder (links included; a link that
loops is a problem, not an exception), it is a regular file within Telegram's
size limit, and its header says it is a real image of its type within
Telegram's photo limits (:mod:`tutorbot.cases.images`).

Reading an image's header is cheap, but hashing its content (which the case's
version needs) reads every byte. :class:`ImageCache` keeps what was read, by
file and its size, modification time and inode, in a JSON file (``tutorbot
run`` keeps it beside the database), so a restart reads only the images that
changed. A cache file that cannot be read is ignored and written anew; one
that cannot be written leaves the cache in memory for this run.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import astuple, dataclass, field
from pathlib import Path

from tutorbot.cases.files import open_regular
from tutorbot.cases.images import KIND_OF_SUFFIX, ImageFacts, photo_problem, read_facts
from tutorbot.cases.model import Stage
from tutorbot.cases.problems import Problem, Severity
from tutorbot.limits import PHOTO_SIZE_LIMIT

CASE_FILE = "case.yaml"
CACHE_FORMAT = 1
#: A cache file larger than this is not ours to read (a few hundred bytes per image).
CACHE_FILE_LIMIT = 64 * 2**20
Signature = tuple[int, int, int]  # size, modification time (ns), inode


@dataclass
class ImageCache:
    """Image facts by resolved path and file signature; ``file`` keeps them between runs."""

    file: Path | None = None
    _entries: dict[str, tuple[Signature, ImageFacts]] = field(default_factory=dict)
    _used: set[str] = field(default_factory=set)
    _loaded: bool = False
    _changed: bool = False
    reads: int = 0  # images read (not found in the cache) since this cache was made

    def facts(self, path: Path | str, known: os.stat_result | None = None) -> ImageFacts:
        """The facts of the regular file at ``path`` (resolved), read only if it changed.
        ``known`` is the file's status when the caller has it: if it matches the cache, the
        file is not even opened."""
        self._load()
        key = str(path)
        if known is not None and stat.S_ISREG(known.st_mode):
            cached = self._entries.get(key)
            if cached is not None and cached[0] == (
                known.st_size,
                known.st_mtime_ns,
                known.st_ino,
            ):
                self._used.add(key)
                return cached[1]
        with open_regular(path) as stream:
            status = os.fstat(stream.fileno())
            signature = (status.st_size, status.st_mtime_ns, status.st_ino)
            self._used.add(key)
            cached = self._entries.get(key)
            if cached is not None and cached[0] == signature:
                return cached[1]
            # Bounded: the caller checked the size, but the file may have changed since.
            facts = read_facts(stream, min(status.st_size, PHOTO_SIZE_LIMIT))
        self.reads += 1
        self._entries[key] = (signature, facts)
        self._changed = True
        return facts

    def save(self) -> None:
        """Write the cache file if anything changed; entries of vanished files are dropped."""
        if self.file is None or not self._changed:
            return
        kept = {
            key: entry
            for key, entry in self._entries.items()
            if key in self._used or os.path.isfile(key)
        }
        data = {
            "format": CACHE_FORMAT,
            "images": {
                key: [*signature, *astuple(facts)] for key, (signature, facts) in kept.items()
            },
        }
        with contextlib.suppress(OSError):
            self.file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", dir=self.file.parent, prefix=".image-cache-", delete=False
            ) as out:
                json.dump(data, out)
            os.replace(out.name, self.file)
            self._changed = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self.file is None:
            return
        try:
            with open_regular(self.file) as stream:
                data = json.loads(stream.read(CACHE_FILE_LIMIT + 1))
        except (OSError, ValueError):
            return  # no cache yet, or one that cannot be read: it is rebuilt
        images = data.get("images") if isinstance(data, dict) else None
        if not isinstance(images, dict) or data.get("format") != CACHE_FORMAT:
            return
        for key, row in images.items():
            entry = _entry(row)
            if entry is not None:
                self._entries[key] = entry


def _entry(row: object) -> tuple[Signature, ImageFacts] | None:
    """One cache row back as (signature, facts); ``None`` for a row of the wrong shape."""
    if not isinstance(row, list) or len(row) != 8:
        return None
    size, mtime, inode, digest, kind, width, height, defect = row
    numbers = (size, mtime, inode, width, height)
    if not all(type(n) is int for n in numbers) or not all(
        isinstance(s, str) for s in (digest, kind, defect)
    ):
        return None
    return (size, mtime, inode), ImageFacts(digest, kind, width, height, defect)


@dataclass
class ImageCheck:
    """The problems of a case's images and the content hash of each image that was read."""

    problems: list[Problem] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)  # relative path -> sha256 hex


def check_images(
    stages: Iterable[Stage],
    folder: Path,
    *,
    strict: bool,
    lines: dict[str, int] | None = None,
    cache: ImageCache | None = None,
    resolved: Path | None = None,
) -> ImageCheck:
    """Check every image the stages name (each path once), collecting problems.

    A draft may lack its images, or have broken ones (warnings); a published
    case (``strict``) may not (errors). ``resolved`` is ``folder`` with its links
    followed, when the caller has it.
    """
    cache = cache or ImageCache()
    lines = lines or {}
    result = ImageCheck()
    severity: Severity = "error" if strict else "warning"
    seen: set[str] = set()
    inside = str(resolved or _resolved(folder) or folder)
    folders: dict[str, str | None] = {}
    for s, stage in enumerate(stages, 1):
        for image in stage.images:
            for relative in (image.file, image.annotated):
                if relative is None or relative in seen:
                    continue
                seen.add(relative)
                checks = _check_one(relative, folder, inside, folders, cache, result)
                for message, hint, level in checks:
                    result.problems.append(
                        Problem(
                            folder / CASE_FILE,
                            lines.get(relative, 0),
                            f"stage {s}: image `{relative}` {message}",
                            hint,
                            severity if level == "draft" else "error",
                        )
                    )
    return result


def _check_one(
    relative: str,
    folder: Path,
    inside: str,
    folders: dict[str, str | None],
    cache: ImageCache,
    result: ImageCheck,
) -> Iterable[tuple[str, str, str]]:
    """(message, fix, level) for each problem of one image; level ``draft`` is a warning
    in a draft, ``error`` always an error. Records the image's digest when it was read.

    Paths are strings here (POSIX): pathlib's objects cost more than the checks, and a
    library has thousands of images."""
    if relative.startswith("/") or ".." in relative.split("/"):
        yield (
            "leaves the case folder",
            "use a path inside the case folder, such as images/01.png",
            "error",
        )
        return
    parent_name, name = os.path.split(relative)
    if parent_name not in folders:  # an image's folder is resolved once per case
        folders[parent_name] = _real(os.path.join(inside, parent_name))
    parent = folders[parent_name]
    status: os.stat_result | OSError | None = None
    resolved = None
    if parent is not None:
        # Most images are no link: their real path is their name in their real folder,
        # and one lstat gives both that and the file's status.
        resolved = os.path.join(parent, name) if name else parent
        try:
            status = os.lstat(resolved)
        except OSError as error:
            status = error
        if isinstance(status, os.stat_result) and stat.S_ISLNK(status.st_mode):
            status = None
            resolved = _real(os.path.join(folder, relative))
    if resolved is None:
        yield "is a link that loops", "replace the link with the image itself", "error"
        return
    if resolved != inside and not resolved.startswith(inside.rstrip("/") + "/"):
        yield (
            "is a link that leaves the case folder",
            "copy the image into the case folder instead of linking it",
            "error",
        )
        return
    suffix = os.path.splitext(name)[1].lower()
    if suffix not in KIND_OF_SUFFIX:
        yield "is not a JPEG, PNG or WebP image", "convert it to .jpg or .png", "error"
    if status is None:
        try:
            status = os.stat(resolved)
        except OSError as error:
            status = error
    if isinstance(status, FileNotFoundError):
        yield "does not exist", f"add the image at {folder / relative}", "draft"
        return
    if isinstance(status, OSError):
        yield f"cannot be read ({status.strerror})", "check the file", "draft"
        return
    if not stat.S_ISREG(status.st_mode):
        yield "is not a file", f"put the image itself at {folder / relative}", "draft"
        return
    if status.st_size > PHOTO_SIZE_LIMIT:
        yield (
            f"is larger than Telegram's {PHOTO_SIZE_LIMIT // 2**20} MB photo limit",
            "resize or recompress it",
            "draft",
        )
        return
    try:
        facts = cache.facts(resolved, status)
    except OSError as error:
        yield f"cannot be read ({error.strerror})", "check the file", "draft"
        return
    result.digests[relative] = facts.digest
    problem = photo_problem(facts, suffix)
    if problem is not None:
        yield (*problem, "draft")


def _resolved(path: Path) -> Path | None:
    """``path`` with its links followed; ``None`` for a link that loops (Python 3.11 raises
    RuntimeError for that, 3.13 OSError)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return None


def _real(path: str) -> str | None:
    """:func:`_resolved` of a path given as a string."""
    real = _resolved(Path(path))
    return None if real is None else str(real)
