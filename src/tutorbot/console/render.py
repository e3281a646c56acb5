"""Render tutor actions as plain terminal text."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TextIO

from tutorbot.tutor import actions as a

WORDS = "next, hint, skip, reveal, restart, describe, quit"


def one_line(text: str) -> str:
    """Fold text to one line, so a verdict stays a single line."""
    return " ".join(text.split())


def _bullets(lines: Iterable[str]) -> list[str]:
    return [f"  • {one_line(line)}" for line in lines]


def _image(label: str, image: a.ImageView, *, alt: bool) -> list[str]:
    # A terminal cannot show the picture: its path, its caption and, once the learner
    # has seen the findings, the alt text, which describes what the image shows.
    lines = [f"{label} {image.path}", f"        {one_line(image.caption)}"]
    return [*lines, f"        ({one_line(image.alt)})"] if alt and image.alt else lines


def describe(images: Sequence[a.ImageView]) -> list[str]:
    """The alt text of ``images``, asked for with ``describe`` before the findings."""
    if not images:
        return ["There is no image to describe yet."]
    described = [image for image in images if image.alt]
    if not described:
        return ["These images have no description."]
    return [
        f"Image {n} of {len(images)}: {one_line(image.alt)}"
        for n, image in enumerate(images, 1)
        if image.alt
    ]


def render(action: a.Action) -> list[str]:
    """The terminal lines for one action."""
    match action:
        case a.ShowHistory(title=title, history=history):
            return [
                f"== {one_line(title)} ==",
                "Clinical history:",
                *_bullets(history),
                f"(Type next to see the images. Words: {WORDS}.)",
            ]
        case a.ShowImages(stage=n, stages=total, title=title, images=images, question=question):
            lines = [f"-- Stage {n} of {total}{': ' + one_line(title) if title else ''} --"]
            for image in images:
                lines += _image("[image]", image, alt=False)
            if any(image.alt for image in images):
                lines.append("(Type describe to have the images described in words.)")
            lines.append(
                f"{one_line(question)} (type what you see, or next for the findings)"
                if question
                else "(Type next for the findings.)"
            )
            return lines
        case a.ShowFindings(stage=n, stages=total, title=title, findings=findings, images=images):
            lines = [
                f"-- Findings, stage {n} of {total}{': ' + one_line(title) if title else ''} --"
            ]
            lines += _bullets(findings)
            for image in images:
                lines += _image("[annotated image]", image, alt=True)
            return [*lines, "(Type next to go on.)"]
        case a.AskDiagnosis(question=question, attempt=attempt, attempts=attempts, again=again):
            prefix = "Try again: " if again else ""
            return [f"{prefix}{one_line(question)} (attempt {attempt} of {attempts})"]
        case a.Continue(then=then):
            return [f"(Type next for the {then}, or skip to answer now.)"]
        case a.ShowVerdict() as shown:
            return [shown.line]
        case a.ShowHint(text=text, number=number, total=total):
            return [f"Hint {number} of {total}: {one_line(text)}"]
        case a.Notice(text=text):
            return [one_line(text)]
        case a.RevealDiagnosis(
            diagnosis=diagnosis, explanation=explanation, teaching_points=points, source=source
        ):
            lines = [f"Diagnosis: {one_line(diagnosis)}"]
            if explanation:
                lines.append(one_line(explanation))
            lines += ["Teaching points:", *_bullets(points)]
            credit = source.contributor or source.author
            if credit:
                lines.append(f"(Case credit: {one_line(credit)})")
            return lines
        case a.OfferNextCase():
            return ["Type next for another case, restart to play this one again, or quit."]
        case a.StartNextCase():
            return []


def write(actions: Iterable[a.Action], out: TextIO) -> None:
    for action in actions:
        for line in render(action):
            print(line, file=out)
    out.flush()
