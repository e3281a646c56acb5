"""The words a learner types for what the buttons do, one list for every front end.

The terminal reads them as lines (``hint``) and the bot as messages (``hint``,
``Hint``, ``/hint``); both ask :func:`command_event`, so the words cannot drift
apart. Only a message that is one of these words, alone, is a command: at the
diagnosis question a one-word diagnosis is still an answer (no diagnosis is
spelled ``next``), and "skip lesion" is an answer too.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from tutorbot.tutor.events import Event, Hint, Next, Restart, Reveal, Skip

#: Each command word and the tutor event it stands for.
WORDS: Mapping[str, Event] = MappingProxyType(
    {
        "next": Next(),
        "hint": Hint(),
        "skip": Skip(),
        "reveal": Reveal(),
        "restart": Restart(),
    }
)


def command_word(text: str) -> str:
    """``text`` folded as a command would be: trimmed, lower case, without a leading ``/``
    (and without the ``@botname`` Telegram adds to a command in a group)."""
    word = text.strip().lower()
    if word.startswith("/"):
        word = word[1:].split("@", 1)[0]
    return word


def command_event(text: str) -> Event | None:
    """The tutor event ``text`` asks for when it is one command word, else ``None``
    (the text is an answer, or something else the front end deals with)."""
    return WORDS.get(command_word(text))
