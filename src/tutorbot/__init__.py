"""tutorbot: a Telegram tutor for case-based radiology and medical learning."""

__version__ = "0.1.0"
