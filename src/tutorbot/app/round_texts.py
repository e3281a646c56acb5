"""What group rounds say, in plain text (the front end escapes and lays it out).

Nothing here names an answer, a verdict or the diagnosis before the reveal: the
status line counts answers without names, and the case's title is the one a learner
may see (:attr:`tutorbot.tutor.Tutor.title`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tutorbot.grading import MARKS, Verdict
from tutorbot.rounds import Round, RoundSettings, Standing, Summary, describe_duration

ROUND_RUNNING = "A round is already running here: /reveal ends it, then /case starts another."
NO_ROUND = "No round is running here. An admin starts one with /case."
#: The same, privately, to someone who answered in a group with no round open: there may
#: have been one, revealed since.
NO_ROUND_THERE = (
    "No round is running in that group now, so your answer was not counted: a round "
    "that has been revealed takes no more answers, and the discussion goes on there."
)
NOT_YOUR_ROUND = "Only the round's starter, an admin or an instructor can reveal it."
ANSWER_USAGE = "Type your diagnosis after /dx, for example: /dx pneumothorax"
#: How answering works, under the status.
HOW_TO_ANSWER = (
    "Answer privately with the button below (nobody sees it), or send /dx <diagnosis>. "
    "You can change your answer until the reveal; the last one counts."
)
#: How much of an answer the acknowledgement quotes.
QUOTE = 200
LEADERS = 10


@dataclass(frozen=True)
class StatusView:
    """The round's status message: where it is, how many answered, when it reveals,
    and the deep link of the Answer privately button (``""``: none)."""

    round: Round
    title: str
    answered: int
    link: str

    def lines(self) -> list[str]:
        rnd = self.round
        people = f"{self.answered} answered" if self.answered != 1 else "1 answered"
        if rnd.status == "revealed":
            return [f"🩻 Case round: {self.title}", f"Revealed. {people}."]
        if rnd.status == "ended":
            return [f"🩻 Case round: {self.title}", "Ended."]
        shown = "history" if rnd.stage == 0 else f"stage {rnd.stage} of {rnd.stages}"
        return [
            f"🩻 Case round: {self.title}",
            f"Shown: {shown} · {people} · reveal {when(rnd.deadline)}",
            "",
            HOW_TO_ANSWER,
        ]

    @property
    def has_next(self) -> bool:
        return self.round.open and not self.round.fully_shown


def when(moment: datetime) -> str:
    """A deadline as the group reads it (UTC: members may be anywhere)."""
    return moment.strftime("%a %d %b %H:%M UTC")


def ack_lines(title: str, answer: str, rnd: Round, *, tip: bool) -> list[str]:
    """The private acknowledgement of an answer (no verdict: that waits for the reveal)."""
    quoted = answer if len(answer) <= QUOTE else answer[: QUOTE - 1] + "…"
    lines = [
        f"Got your answer for the round “{title}”: {quoted}",
        f"It stays hidden until the reveal ({when(rnd.deadline)}). "
        "Send another to change it; the last one counts.",
    ]
    if tip:
        lines.append(
            "Tip: the group can see /dx messages; the Answer privately button keeps yours hidden."
        )
    return lines


def bound_lines(title: str, rnd: Round, paused: str | None) -> list[str]:
    """What the private chat says when an answer link binds it to a round."""
    lines = [
        f"You are answering the group round “{title}” "
        f"(reveal {when(rnd.deadline)}). Type your diagnosis now.",
    ]
    if paused:
        lines.append(f"Your own case “{paused}” is paused; it carries on after your answer.")
    return lines


def late_line() -> str:
    return (
        "That round has been revealed, so answers are no longer counted. "
        "The discussion goes on in the group."
    )


def verdict_lines(verdict: Verdict) -> list[str]:
    """A participant's verdict and feedback, privately."""
    lines = [f"{verdict.mark} Your answer: {verdict.answer[:QUOTE]}"]
    if verdict.feedback:
        lines.append(verdict.feedback)
    return lines


def summary_lines(summary: Summary) -> list[str]:
    """The reveal's summary: counts, the grouped answers (no names), who got it right."""
    if summary.answered == 0:
        return ["Nobody answered this round."]
    lines = [
        f"Answered: {summary.answered} · {MARKS['correct']} {summary.correct} · "
        f"{MARKS['partial']} {summary.partial} · {MARKS['wrong']} {summary.wrong}",
        "",
        "Answers given:",
        *(f"{MARKS[g.verdict]} {g.label} × {g.count}" for g in summary.distribution),
    ]
    if summary.right:
        lines += ["", "Right, in the order they answered: " + ", ".join(summary.right)]
    return lines


def leaderboard_lines(week: Sequence[Standing], ever: Sequence[Standing], zone: str) -> list[str]:
    """/leaderboard: this week's and all time's top places."""
    lines = [f"🏆 This week (from Monday 00:00 {zone})"]
    lines += _table(week) or ["No revealed rounds yet this week."]
    lines += ["", "🏆 All time"]
    lines += _table(ever) or ["No revealed rounds yet."]
    lines += ["", "✅ 3 points (2 after changing your answer), 🟡 1, ❌ 0."]
    return lines


def _table(standings: Sequence[Standing]) -> list[str]:
    return [
        f"{place}. {s.name}: {s.points} point{'s' if s.points != 1 else ''} "
        f"({s.rounds} round{'s' if s.rounds != 1 else ''})"
        for place, s in enumerate(standings[:LEADERS], 1)
    ]


def settings_lines(settings: RoundSettings) -> list[str]:
    """/groupsettings: the settings and how to change them."""
    starters = "admins and instructors" if settings.starters == "admins" else "everyone"
    verdict = "at the reveal" if settings.verdict_at == "reveal" else "privately at once"
    return [
        "Group settings:",
        f"• who may start a round: {starters} (starters admins|everyone)",
        f"• verdicts: {verdict} (verdict reveal|once)",
        f"• default deadline: {describe_duration(settings.deadline)} (deadline 30m..7d)",
        f"• time zone: {settings.zone} (zone Europe/London)",
        "Change one with /groupsettings <setting> <value>, e.g. /groupsettings deadline 2h.",
    ]
