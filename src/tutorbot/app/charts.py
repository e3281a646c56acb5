"""A case's results as a chart (PNG bytes): the answer distribution and the outcomes.

Drawn with matplotlib's Agg backend (no display needed) into memory. Labels
come from learners' text, so everything matplotlib would interpret is
escaped: ``$`` starts mathtext, so every ``$`` is written ``\\$``.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # before pyplot: never look for a display

from matplotlib.figure import Figure

from tutorbot.app.results import CaseResults

COLOURS = {"correct": "#2e7d32", "partial": "#f9a825", "wrong": "#c62828", "revealed": "#607d8b"}
BARS = 12
LABEL = 40


def plain(text: str) -> str:
    """``text`` as matplotlib shows it literally: mathtext's ``$`` escaped, one line, short."""
    line = " ".join(text.split())
    if len(line) > LABEL:
        line = line[: LABEL - 1] + "…"
    return line.replace("\\", "\\\\").replace("$", r"\$")


def chart_png(results: CaseResults) -> bytes:
    """The chart of ``results`` (which must not be empty) as PNG bytes."""
    groups = list(results.groups[:BARS])
    figure = Figure(figsize=(8, 2.2 + 0.35 * max(len(groups), 3)), dpi=100)
    answers, outcomes = figure.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    labels = [plain(g.text) for g in reversed(groups)]
    counts = [g.count for g in reversed(groups)]
    colours = [COLOURS.get(g.verdict, "#999999") for g in reversed(groups)]
    answers.barh(range(len(groups)), counts, color=colours)
    answers.set_yticks(range(len(groups)), labels=labels, fontsize=8)
    answers.set_xlabel("answers")
    who = f"class {results.class_name}" if results.class_name else "everyone"
    answers.set_title(plain(f"{results.title} ({who})"), fontsize=10)
    kinds = ["correct", "partial", "wrong"]
    first = [results.first[k] for k in kinds]
    outcomes.bar(range(3), first, color=[COLOURS[k] for k in kinds])
    outcomes.set_xticks(range(3), labels=kinds, fontsize=8)
    outcomes.set_title("first attempt", fontsize=10)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()
