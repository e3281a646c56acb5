"""Benchmark grading answers of Telegram's full 4,096 characters against everyday ones.

The bot keeps every answer whole up to Telegram's message limit (it cut them
at 1,000 characters before), so the grader must stay fast on the longest
message a learner can send. Each bundled case's diagnosis is graded against
short answers (its own forms, a typo, a wrong answer) and against 4,096-character
answers of several shapes (prose, the diagnosis over and over, a differential of
hundreds of alternatives, words from the case, no letters at all), in the same
run, each timed in the thread's CPU time (a shared machine's scheduler left out).
Prints figures and the ratio of long to short; asserts nothing.

    .venv/bin/python bench/long_answers.py
"""

from __future__ import annotations

import random
import statistics
import time
from pathlib import Path

from tutorbot.cases import load_library
from tutorbot.cases.model import Case, DiagnosisSpec
from tutorbot.grading import Lexicon, grade, load_lexicon
from tutorbot.limits import TEXT_LIMIT

CASES = Path(__file__).resolve().parents[1] / "cases"
ROUNDS = 20


def fill(text: str) -> str:
    """``text`` repeated to exactly :data:`TEXT_LIMIT` characters."""
    return (text * (TEXT_LIMIT // max(1, len(text)) + 1))[:TEXT_LIMIT]


def short_answers(case: Case) -> list[str]:
    answer = case.diagnosis.answer
    return [answer, answer.lower(), answer[:-2] + answer[-1:], "pneumonia", "I am not sure"]


def long_answers(case: Case, rng: random.Random) -> dict[str, str]:
    words = " ".join(case.history + case.teaching_points).split()
    return {
        "prose": fill("The lesion is probably benign, but I would like more images. "),
        "the diagnosis again": fill(f"{case.diagnosis.answer}, "),
        "a differential": fill(" or ".join(rng.sample(words, min(len(words), 40))) + " or "),
        "words of the case": " ".join(rng.choice(words) for _ in range(2000))[:TEXT_LIMIT],
        "accents": fill("très étendu, hématome épidural? "),
        "no letters": fill("?! 123 "),
    }


def timed(answer: str, spec: DiagnosisSpec, lexicon: Lexicon) -> float:
    """Microseconds of this thread's CPU time that grading ``answer`` takes."""
    start = time.thread_time_ns()
    grade(answer, spec, lexicon)
    return (time.thread_time_ns() - start) / 1000


def main() -> None:
    library = load_library([CASES])
    lexicon = load_lexicon(CASES)
    rng = random.Random(4096)
    cases = library.published()
    short: list[float] = []
    long: dict[str, list[float]] = {}
    for n in range(ROUNDS):
        for case in cases:
            spec = case.diagnosis
            # Different text each round (trailing spaces, a last letter) so that the
            # grader's memo never serves a repeat.
            for answer in short_answers(case):
                short.append(timed(answer + " " * n, spec, lexicon))
            for shape, answer in long_answers(case, rng).items():
                varied = answer[:-1] + "abcdefghijklmnopqrstuvwxyz"[n]
                long.setdefault(shape, []).append(timed(varied, spec, lexicon))
    base = statistics.median(short)
    print(f"{len(cases)} cases, {ROUNDS} rounds; CPU time per answer graded")
    print(f"  {'short answers':33} p50 {base:8.0f} µs   max {max(short):8.0f} µs   (the baseline)")
    for shape, times in long.items():
        p50 = statistics.median(times)
        print(
            f"  {TEXT_LIMIT} chars, {shape:19} p50 {p50:8.0f} µs   max {max(times):8.0f} µs"
            f"   {p50 / base:6.1f}× the baseline"
        )


if __name__ == "__main__":
    main()
