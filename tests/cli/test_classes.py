"""``tutorbot instructors ...`` and ``tutorbot classes ...``: the terminal's side of classes."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from tutorbot.cli import main
from tutorbot.storage import open_store

OWNER = 111


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    monkeypatch.setenv("TUTORBOT_DATABASE", url)
    monkeypatch.setenv("TUTORBOT_INSTRUCTORS", str(OWNER))
    return url


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_instructors_are_added_listed_and_removed_with_their_classes_passed_on(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "instructors", "add", "222")[1] == "222 is an instructor now.\n"
    assert run(capsys, "instructors", "add", "222")[1] == "222 was an instructor already.\n"
    assert "owner already" in run(capsys, "instructors", "add", str(OWNER))[1]
    code, out, _ = run(capsys, "classes", "new", "Chest <1>", "--instructor", "222", "--bot", "b")
    assert code == 0 and "Class 1 “Chest <1>” created." in out
    assert re.search(r"join link: https://t\.me/b\?start=J_[A-Za-z0-9_-]{16}\n", out)
    assert re.search(r"group link: https://t\.me/b\?startgroup=G_[A-Za-z0-9_-]{16}\n", out)
    listed = run(capsys, "instructors", "list")[1].splitlines()
    assert listed[0] == f"{OWNER}\towner" and listed[1].startswith("222\tadded in the terminal")
    out = run(capsys, "instructors", "remove", "222")[1]
    assert out == f"222 is no longer an instructor; their 1 class(es) passed to {OWNER}.\n"
    code, _, err = run(capsys, "instructors", "remove", "222")
    assert (code, err) == (1, "tutorbot: 222 is not an instructor.\n")
    code, _, err = run(capsys, "instructors", "remove", str(OWNER))
    assert code == 1 and "remove them from TUTORBOT_INSTRUCTORS" in err
    assert f"instructors {OWNER}\t0 members" in run(capsys, "classes", "list")[1]


def test_classes_are_renamed_linked_revoked_archived_and_shown(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "classes", "new", "Neuro", "--instructor", "999")
    assert (code, err) == (1, "tutorbot: 999 is not an instructor: tutorbot instructors add 999\n")
    assert run(capsys, "classes", "new", "Neuro", "--instructor", str(OWNER))[0] == 0
    first = run(capsys, "classes", "show", "1")[1]
    old = re.findall(r"start=(J_\S+)", first)
    assert len(old) == 1
    new = run(capsys, "classes", "link", "1")[1]
    assert "start=J_" in new and old[0] not in new

    async def revoked() -> bool:
        store = await open_store(database)
        try:
            link = await store.links.get(old[0])
            return link is not None and link.revoked
        finally:
            await store.close()

    assert asyncio.run(revoked())
    assert run(capsys, "classes", "revoke", "1")[1] == "1 link(s) turned off; who joined stays.\n"
    assert "join link: none" in run(capsys, "classes", "show", "1")[1]
    assert run(capsys, "classes", "rename", "1", "  Neuro   2027 ")[1] == (
        "Class 1 is now “Neuro 2027”.\n"
    )
    code, _, err = run(capsys, "classes", "rename", "1", "")
    assert code == 1 and "Give the class a name" in err
    assert run(capsys, "classes", "archive", "1")[1] == "Class 1 “Neuro 2027” is archived.\n"
    assert run(capsys, "classes", "list")[1].startswith("No classes yet")
    assert "archived" in run(capsys, "classes", "list", "--archived")[1]
    code, _, err = run(capsys, "classes", "link", "1")
    assert code == 1 and "archived" in err
    assert run(capsys, "classes", "unarchive", "1")[0] == 0
    code, _, err = run(capsys, "classes", "show", "7")
    assert (code, err) == (1, "tutorbot: There is no such class.\n")
    code, _, err = run(capsys, "classes", "add-instructor", "1", "333")
    assert code == 1 and "333 is not an instructor" in err
    run(capsys, "instructors", "add", "333")
    assert run(capsys, "classes", "add-instructor", "1", "333")[1] == "333 teaches class 1.\n"
    assert f"instructors: {OWNER}, 333" in run(capsys, "classes", "show", "1")[1]
