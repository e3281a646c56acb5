"""The case library: every case under one or more folders, and the problems of those that failed.

A bad case never stops the others from loading: it is left out and its
problems are kept, so the bot and ``tutorbot play`` can report it (one line
per broken case, :meth:`Library.broken`) and go on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tutorbot.cases.image_files import ImageCache
from tutorbot.cases.loader import (
    LoadResult,
    find_case_files,
    load_case,
    load_case_inside,
    resolved,
)
from tutorbot.cases.model import Case
from tutorbot.cases.problems import Problem


class CaseNotFound(LookupError):
    """No case has that id (or the path holds no case)."""


@dataclass
class Library:
    """Loaded cases by id, in folder order, plus every problem found while loading.

    :meth:`current` notices a case file edited since it was loaded (by curation in
    any process, or by hand) and loads it again, so a running bot needs no restart.
    """

    cases: dict[str, Case] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    results: list[LoadResult] = field(default_factory=list)
    roots: dict[str, Path] = field(default_factory=dict)
    stamps: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    images: ImageCache | None = None

    def current(self, case_id: str) -> Case | None:
        """The case with this id as its file is now: loaded again when the file changed
        (size, modification time or inode) since it was read. A file broken by an edit
        keeps the last good case serving (its problems are kept for ``broken``)."""
        case = self.cases.get(case_id)
        if case is None:
            return None
        case_file = case.folder / "case.yaml"
        stamp = file_stamp(case_file)
        known = self.stamps.get(case_id)
        if known is None:  # a library built by hand (tests): nothing to compare with yet
            self.stamps[case_id] = stamp
            return case
        if stamp == known:
            return case
        self.stamps[case_id] = stamp
        result = load_case(case_file, root=self.roots.get(case_id), images=self.images)
        if result.case is None or result.case.id != case_id:
            self.problems.extend(result.problems)
            return case
        self.cases[case_id] = result.case
        return result.case

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def broken(self) -> list[str]:
        """One line per case that could not be loaded (or was left out): its first error,
        how many more problems it has, and where to see them all."""
        lines: list[str] = []
        by_file: dict[Path, list[Problem]] = {}
        for problem in self.errors:
            by_file.setdefault(problem.file, []).append(problem)
        for file, problems in by_file.items():
            more = len([p for p in self.problems if p.file == file]) - 1
            also = f" (and {more} more; see `tutorbot cases validate`)" if more else ""
            lines.append(f"case left out: {problems[0]}{also}")
        return lines

    def published(self) -> list[Case]:
        return [case for case in self.cases.values() if case.published]

    def get(self, case_id: str) -> Case:
        try:
            return self.cases[case_id]
        except KeyError:
            raise CaseNotFound(case_id) from None

    def with_tag(self, tag: str) -> list[Case]:
        wanted = tag.strip().lower()
        return [case for case in self.published() if wanted in case.tags]

    def next_unseen(self, seen: Iterable[str], after: str | None = None) -> Case | None:
        """The first published case not in ``seen`` (after ``after`` if given), else the
        first published case that is not ``after``, so a learner always gets another one."""
        cases = self.published()
        if not cases:
            return None
        seen_ids = set(seen)
        start = next((i + 1 for i, c in enumerate(cases) if c.id == after), 0)
        ordered = cases[start:] + cases[:start]
        for case in ordered:
            if case.id not in seen_ids and case.id != after:
                return case
        return next((case for case in ordered if case.id != after), None)


def load_library(
    paths: Sequence[Path], *, as_published: bool = False, images: ImageCache | None = None
) -> Library:
    """Load every case under ``paths`` (cases folders, case folders or case files).

    ``as_published`` judges drafts as strictly as published cases (used by
    ``cases validate --published`` and publishing). ``images`` caches what was
    read of the image files (saved at the end when it has a file). A case folder
    or file that is a link out of its cases folder is refused.
    """
    images = images or ImageCache()
    library = Library()
    first_file: dict[str, Path] = {}
    loaded: set[Path] = set()
    roots: dict[Path, Path | None] = {}  # each cases folder resolved once
    for path in paths:
        if not path.exists():
            library.problems.append(
                Problem(path, 0, "no such file or folder", "check the path or set TUTORBOT_CASES")
            )
            continue
        for case_file, root in find_case_files(path):
            if root not in roots:
                roots[root] = resolved(root)
            result = load_case_inside(
                case_file, roots[root], as_published=as_published, images=images
            )
            real = result.real_path or case_file
            if real in loaded:  # the same case named twice is one case
                continue
            loaded.add(real)
            library.results.append(result)
            library.problems.extend(result.problems)
            case = result.case
            if case is None:
                continue
            if case.id in first_file:
                library.problems.append(
                    Problem(
                        case_file,
                        1,
                        f"duplicate id `{case.id}`, also used by {first_file[case.id]}",
                        "give one of the cases another id and folder name",
                    )
                )
                continue
            first_file[case.id] = case_file
            library.cases[case.id] = case
            library.roots[case.id] = root
            library.stamps[case.id] = file_stamp(case_file)
    images.save()
    library.images = images
    return library


def file_stamp(path: Path) -> tuple[int, int, int]:
    """What changes when a file is edited or replaced: size, modification time, inode
    (all zero when it cannot be read, so that a file coming back counts as a change)."""
    try:
        status = path.stat()
    except OSError:
        return (0, 0, 0)
    return (status.st_size, status.st_mtime_ns, status.st_ino)


def resolve_case(id_or_path: str, cases_dir: Path) -> LoadResult:
    """Load one case named by id (in ``cases_dir``) or by a path to its folder or file."""
    path = Path(id_or_path)
    if not (path.exists() and (path.is_file() or (path / "case.yaml").is_file())):
        path = cases_dir / id_or_path
        if not (path / "case.yaml").is_file():
            raise CaseNotFound(id_or_path)
    return load_case(path)
