"""Telegram's limits, which are the product's limits: one definition for every layer.

The case validator refuses what Telegram would refuse, and the Telegram
adapter splits and checks against the same numbers
(https://core.telegram.org/bots/api#sendmessage and the methods it links).
"""

from __future__ import annotations

#: sendMessage: 1-4096 characters of text after entity parsing.
TEXT_LIMIT = 4096
#: sendPhoto: a caption of 0-1024 characters after entity parsing.
CAPTION_LIMIT = 1024
#: sendMediaGroup: 2-10 items in one album.
ALBUM_MAX = 10
#: sendPhoto: a photo upload of at most 10 MB.
PHOTO_SIZE_LIMIT = 10 * 1024 * 1024
#: sendPhoto: "The photo's width and height must not exceed 10000 in total."
PHOTO_SIDES_LIMIT = 10_000
#: sendPhoto: "Width and height ratio must be at most 20."
PHOTO_ASPECT_RATIO_LIMIT = 20
#: InlineKeyboardButton: callback_data of 1-64 bytes.
CALLBACK_DATA_LIMIT = 64
#: Deep links (t.me/<bot>?start=<payload>): up to 64 characters of A-Za-z0-9_-.
DEEP_LINK_LIMIT = 64

# Flood limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this);
# the send budget (tutorbot/telegram/budget.py) keeps every message within them.
#: Messages per second from one bot, all chats together.
SENDS_PER_SECOND = 30
#: Seconds between messages to one private chat.
PRIVATE_CHAT_INTERVAL = 1.0
#: Messages per minute to one group.
GROUP_SENDS_PER_MINUTE = 20

# Our own limits on case files, which are untrusted input: whatever a file holds,
# loading it stays bounded in time and memory (bench/case_loading.py measures it).
#: A case.yaml (or the cases folder's lexicon.yaml) is read up to this many bytes.
CASE_FILE_LIMIT = 1_000_000
#: Values (texts, lists, mappings) a case file may hold, also once its YAML aliases are
#: followed: a real case has about 200, 50 times fewer; an "anchor bomb" multiplies a
#: few lines into billions.
CASE_NODES_LIMIT = 10_000
#: Lists and mappings inside each other: a case is 6 deep, a lexicon 3.
CASE_DEPTH_LIMIT = 32
