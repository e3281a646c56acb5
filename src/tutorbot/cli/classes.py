"""``tutorbot instructors add|remove|list`` and ``tutorbot classes ...``: the terminal's side of
instructors and classes, through the same use cases as the bot.

Whoever runs these holds the database already, so they act as the operator:
no instructor check, but the same rules (an owner is configuration, a removed
instructor's classes pass to an owner, an archived class takes no one new).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tutorbot.app.classes import Classroom
from tutorbot.app.instructors import Refusal, Roster
from tutorbot.app.links import group_link, start_link
from tutorbot.cli.options import Subcommands
from tutorbot.errors import CommandError
from tutorbot.settings import Settings
from tutorbot.storage import Link, LinkKind, Store, StoreError, open_store

T = TypeVar("T")
BOT_PLACEHOLDER = "<your_bot>"
#: Who added an instructor in the terminal (no Telegram user id).
TERMINAL = 0


def register(subcommands: Subcommands) -> None:
    """Add ``instructors`` and ``classes`` to ``tutorbot``."""
    teachers = subcommands.add_parser("instructors", help="list, add and remove instructors")
    actions = teachers.add_subparsers(dest="instructors_command", metavar="ACTION", required=True)
    listing = actions.add_parser(
        "list", help="the owners (TUTORBOT_INSTRUCTORS) and co-instructors"
    )
    listing.set_defaults(func=lambda args: _run(_list_instructors))
    add = actions.add_parser("add", help="make a Telegram user id a co-instructor")
    add.add_argument("user", type=int, metavar="USER_ID")
    add.set_defaults(func=lambda args: _run(lambda room: _add_instructor(room, args.user)))
    remove = actions.add_parser(
        "remove", help="remove a co-instructor; their classes pass to the first owner"
    )
    remove.add_argument("user", type=int, metavar="USER_ID")
    remove.set_defaults(func=lambda args: _run(lambda room: _remove_instructor(room, args.user)))

    classes = subcommands.add_parser("classes", help="create and manage classes")
    verbs = classes.add_subparsers(dest="classes_command", metavar="ACTION", required=True)
    every = verbs.add_parser("list", help="every class: id, name, instructors, members, groups")
    every.add_argument("--archived", action="store_true", help="archived classes too")
    every.set_defaults(func=lambda args: _run(lambda room: _list_classes(room, args.archived)))
    new = verbs.add_parser("new", help="create a class and print its links")
    new.add_argument("name", metavar="NAME")
    new.add_argument("--instructor", type=int, required=True, metavar="USER_ID")
    _bot_option(new)
    new.set_defaults(func=lambda args: _run(lambda room: _new_class(room, args)))
    show = verbs.add_parser("show", help="a class: its counts, links and members")
    _class_argument(show)
    _bot_option(show)
    show.set_defaults(func=lambda args: _run(lambda room: _show_class(room, args)))
    rename = verbs.add_parser("rename", help="rename a class")
    _class_argument(rename)
    rename.add_argument("name", metavar="NAME")
    rename.set_defaults(func=lambda args: _run(lambda room: _rename(room, args)))
    for verb, archived in (("archive", True), ("unarchive", False)):
        parser = verbs.add_parser(
            verb,
            help="archive a class (its links stop working)" if archived else "bring a class back",
        )
        _class_argument(parser)
        parser.set_defaults(func=_archiver(archived))
    link = verbs.add_parser(
        "link", help="turn off a class's join (or group) links, print a new one"
    )
    _class_argument(link)
    link.add_argument("--group", action="store_true", help="the link that adds a group chat")
    _bot_option(link)
    link.set_defaults(func=lambda args: _run(lambda room: _new_link(room, args)))
    revoke = verbs.add_parser("revoke", help="turn off a class's join (or group) links")
    _class_argument(revoke)
    revoke.add_argument("--group", action="store_true", help="the links that add a group chat")
    revoke.set_defaults(func=lambda args: _run(lambda room: _revoke(room, args)))
    teach = verbs.add_parser("add-instructor", help="an instructor teaches the class too")
    _class_argument(teach)
    teach.add_argument("user", type=int, metavar="USER_ID")
    teach.set_defaults(func=lambda args: _run(lambda room: _add_teacher(room, args)))


def _class_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("class_id", type=int, metavar="CLASS_ID")


def _bot_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bot", metavar="USERNAME", default=BOT_PLACEHOLDER, help="the bot's username, for links"
    )


def _run(action: Callable[[Classroom], Awaitable[T]]) -> int:
    """Open the store the settings name, run ``action`` with the use cases, close it."""
    settings = Settings.from_env()

    async def go() -> None:
        try:
            store: Store = await open_store(settings.database)
        except StoreError as error:
            raise CommandError(str(error)) from None
        try:
            await action(Classroom(store, Roster(store, settings.instructors)))
        except Refusal as error:
            raise CommandError(str(error)) from None
        finally:
            await store.close()

    asyncio.run(go())
    return 0


def _kind(args: argparse.Namespace) -> LinkKind:
    return "group" if args.group else "join"


def _url(link: Link | None, bot: str) -> str:
    if link is None:
        return "none"
    maker = group_link if link.kind == "group" else start_link
    return maker(bot.lstrip("@"), link.token)


async def _list_instructors(room: Classroom) -> None:
    teachers = await room.roster.list()
    if not teachers:
        print("No instructors: set TUTORBOT_INSTRUCTORS to the owners' Telegram user ids.")
    for teacher in teachers:
        if teacher.owner:
            print(f"{teacher.user_id}\towner")
        else:
            when = teacher.added_at.date().isoformat() if teacher.added_at else "?"
            by = f"by {teacher.added_by}" if teacher.added_by else "in the terminal"
            print(f"{teacher.user_id}\tadded {by} on {when}")


async def _add_instructor(room: Classroom, user: int) -> None:
    if room.roster.is_owner(user):
        print(f"{user} is an owner already (TUTORBOT_INSTRUCTORS).")
    elif await room.roster.add(user, TERMINAL):
        print(f"{user} is an instructor now.")
    else:
        print(f"{user} was an instructor already.")


async def _remove_instructor(room: Classroom, user: int) -> None:
    removed = await room.roster.remove(user)
    passed = f"; their {len(removed.classes)} class(es) passed to {removed.owner}"
    print(f"{user} is no longer an instructor{passed if removed.classes else ''}.")


async def _list_classes(room: Classroom, archived: bool) -> None:
    found = await room.store.classes.list(archived=archived)
    if not found:
        print("No classes yet: tutorbot classes new NAME --instructor USER_ID")
    for cls in found:
        summary = await room.summary(None, cls.id)
        teachers = ",".join(str(t) for t in cls.instructors) or "-"
        state = "\tarchived" if cls.archived else ""
        print(
            f"{cls.id}\t{cls.name}\tinstructors {teachers}\t{summary.members} members\t"
            f"{summary.groups} groups{state}"
        )


async def _new_class(room: Classroom, args: argparse.Namespace) -> None:
    if not await room.roster.is_instructor(args.instructor):
        raise Refusal(
            f"{args.instructor} is not an instructor: tutorbot instructors add {args.instructor}"
        )
    opened = await room.create(args.instructor, args.name)
    assert opened.cls is not None
    join, group = await room.links(args.instructor, opened.cls.id)
    print(f"Class {opened.cls.id} “{opened.cls.name}” created.")
    print(f"join link: {_url(join, args.bot)}")
    print(f"group link: {_url(group, args.bot)}")


async def _show_class(room: Classroom, args: argparse.Namespace) -> None:
    summary = await room.summary(None, args.class_id)
    cls = summary.cls
    print(f"{cls.id}\t{cls.name}{'  (archived)' if cls.archived else ''}")
    print(f"instructors: {', '.join(str(t) for t in cls.instructors) or 'none'}")
    print(
        f"members: {summary.members} ({summary.muted} muted, {summary.unreachable} blocked the bot)"
    )
    print(f"groups: {summary.groups} ({summary.waiting_groups} waiting for an admin)")
    print(f"join link: {_url(summary.join, args.bot)}")
    print(f"group link: {_url(summary.group, args.bot)}")
    for member in await room.members(None, cls.id):
        flags = " muted" if member.muted else ""
        flags += "" if member.reachable else " blocked"
        print(f"  {member.user_id}\t{member.name}\tjoined {member.joined_at.date()}{flags}")


async def _rename(room: Classroom, args: argparse.Namespace) -> None:
    cls = await room.rename(None, args.class_id, args.name)
    print(f"Class {cls.id} is now “{cls.name}”.")


def _archiver(archived: bool) -> Callable[[argparse.Namespace], int]:
    async def act(room: Classroom, class_id: int) -> None:
        cls = await room.archive(None, class_id, archived)
        print(f"Class {cls.id} “{cls.name}” is {'archived' if archived else 'back'}.")

    return lambda args: _run(lambda room: act(room, args.class_id))


async def _new_link(room: Classroom, args: argparse.Namespace) -> None:
    link = await room.new_link(None, args.class_id, _kind(args))
    print(_url(link, args.bot))


async def _revoke(room: Classroom, args: argparse.Namespace) -> None:
    count = await room.revoke(None, args.class_id, _kind(args))
    print(f"{count} link(s) turned off; who joined stays.")


async def _add_teacher(room: Classroom, args: argparse.Namespace) -> None:
    added = await room.add_teacher(None, args.class_id, args.user)
    print(f"{args.user} {'teaches' if added else 'already taught'} class {args.class_id}.")
