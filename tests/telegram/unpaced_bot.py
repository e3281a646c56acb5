"""``python -m tests.telegram.unpaced_bot run``: ``tutorbot run`` with private chats not spaced
a second apart, as the in-process bot tests run it (``tests/telegram/botflow.py``).

For the crash tests, which are about what the learner sees, not about pacing (that has
tests of its own): the real command line, settings from the environment, one change.
"""

import sys

from tutorbot.cli import main
from tutorbot.telegram.budget import SendBudget

defaults = SendBudget.__init__.__kwdefaults__
assert defaults is not None and "private_interval" in defaults
defaults["private_interval"] = 0.0

sys.exit(main())
