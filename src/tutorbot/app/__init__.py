"""The use cases: what a learner, an instructor, a group or a due job can do.

Plain async code over small ports (:mod:`tutorbot.app.ports`): the storage
interfaces, a clock and a notifier. Every front end (Telegram, the terminal)
and every job calls in here; nothing in here knows Telegram, argparse or a
database driver.
"""
