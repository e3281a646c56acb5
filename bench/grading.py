"""Benchmark the grader against plain rapidfuzz on a generated library.

1,000 generated cases with 20 accepted forms each (half of them with a core
concept, ``diagnosis.core``) are written as YAML to a temporary folder, loaded with the real loader and compiled; then answers
(exact forms, typos, hedges, wrong and differential answers) are graded
against their own case, each timed, beside ``rapidfuzz.process.extractOne``
over the same forms in the same run. Prints figures; asserts nothing.

Each answer is timed twice over: wall clock (``perf_counter_ns``) and the
thread's CPU time (``thread_time_ns``). On a shared machine the wall-clock
p99 mostly measures the scheduler: a call that is preempted waits a whole
time slice (~4 ms), and a longer call is preempted more often. CPU time
leaves the waiting out, so its p99 is the grader's own cost.

    .venv/bin/python bench/grading.py
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from rapidfuzz import fuzz, process, utils

from tutorbot.cases import load_library
from tutorbot.cases.model import DiagnosisSpec
from tutorbot.grading import grade, load_lexicon
from tutorbot.grading.grader import compiled

CASES = 1000
FORMS = 20
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "to",
    "vi",
    "xe",
    "zu",
    "bra",
    "cle",
    "dro",
    "fli",
    "gru",
    "pla",
    "sto",
    "tri",
]
SUFFIXES = ["oma", "itis", "osis", "ectasia", "plasia", "opathy", "algia", "emia"]
QUALIFIERS = ["acute", "chronic", "giant", "diffuse", "focal", "cystic", "nodular", "benign"]


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) + rng.choice(SUFFIXES)


def generate(rng: random.Random) -> list[dict[str, object]]:
    cases = []
    for n in range(CASES):
        head, organ = word(rng), word(rng)
        answer = f"{organ} {head}"
        forms = {answer, f"{head} of the {organ}"}
        while len(forms) < FORMS:
            forms.add(f"{rng.choice(QUALIFIERS)} {organ} {word(rng)}")
        accepted = sorted(forms - {answer})
        diagnosis: dict[str, object] = {
            "answer": answer,
            "accepted": accepted,
            "partial": [{"answer": organ, "feedback": "Which disease?"}],
            "wrong": [{"answer": f"{organ} {word(rng)}", "feedback": "No."}],
        }
        if n % 2:
            # Half the cases name a core concept: the line's other words are qualifiers.
            diagnosis["core"] = [head]
        cases.append(
            {
                "format": 1,
                "id": f"case-{n:04d}",
                "title": f"Case {n}",
                "status": "draft",
                "history": ["A generated patient."],
                "stages": [{"images": [{"file": "a.png", "caption": "An image."}],
                            "findings": ["A finding."]}],
                "diagnosis": diagnosis,
                "teaching_points": ["A point."],
            }
        )  # fmt: skip
    return cases


def typo(text: str, rng: random.Random) -> str:
    i = rng.randrange(1, max(2, len(text) - 1))
    return text[:i] + text[i + 1 :]


def answers_for(spec: DiagnosisSpec, rng: random.Random) -> list[str]:
    form = rng.choice(spec.accepted)
    return [
        spec.answer,
        form,
        typo(spec.answer, rng),
        f"probably {form.upper()}?",
        f"not {spec.answer}",
        f"{spec.answer} or {spec.wrong[0].answer}",
        spec.wrong[0].answer,
        f"{word(rng)} {word(rng)}",
    ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    rng = random.Random(3)
    data = generate(rng)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for case in data:
            folder = root / str(case["id"])
            folder.mkdir()
            (folder / "case.yaml").write_text(yaml.safe_dump(case, sort_keys=False), "utf-8")
        start = time.perf_counter()
        library = load_library([root])
        loaded = time.perf_counter()
        lexicon = load_lexicon(root)
        specs = [case.diagnosis for case in library.cases.values()]
        for spec in specs:
            compiled(spec, lexicon)
        indexed = time.perf_counter()
    assert len(specs) == CASES, library.problems[:3]

    ours: list[float] = []
    plain: list[float] = []
    ours_cpu: list[float] = []
    plain_cpu: list[float] = []
    cpu = time.thread_time_ns
    verdicts: dict[str, int] = {}
    work = [(spec, answer) for spec in specs for answer in answers_for(spec, rng)]
    for spec, answer in work:
        forms = [spec.answer, *spec.accepted]
        c0, t0 = cpu(), time.perf_counter_ns()
        verdict = grade(answer, spec, lexicon)
        t1, c1 = time.perf_counter_ns(), cpu()
        process.extractOne(answer, forms, scorer=fuzz.WRatio, processor=utils.default_process)
        t2, c2 = time.perf_counter_ns(), cpu()
        ours.append((t1 - t0) / 1000)
        plain.append((t2 - t1) / 1000)
        ours_cpu.append((c1 - c0) / 1000)
        plain_cpu.append((c2 - c1) / 1000)
        verdicts[verdict.verdict] = verdicts.get(verdict.verdict, 0) + 1

    def line(name: str, times: list[float]) -> str:
        rate = len(times) / (sum(times) / 1e6)
        return (
            f"  {name:22} {rate:>10,.0f} answers/s   p50 {statistics.median(times):7.1f} µs"
            f"   p99 {percentile(times, 0.99):7.1f} µs"
        )

    print(f"{CASES} cases × {FORMS} accepted forms, {len(work)} answers graded")
    print(
        f"  load {CASES} cases (YAML): {loaded - start:.2f} s; compile/index: {indexed - loaded:.2f} s"
    )
    print("  wall clock:")
    print(line("tutorbot grade()", ours))
    print(line("rapidfuzz extractOne", plain))
    ratio = percentile(ours, 0.99) / percentile(plain, 0.99)
    print(f"  p99 ratio grade/extractOne: {ratio:.1f}× (target ≤ 5×)")
    print("  CPU time (scheduler waits left out):")
    print(line("tutorbot grade()", ours_cpu))
    print(line("rapidfuzz extractOne", plain_cpu))
    ratio = percentile(ours_cpu, 0.99) / percentile(plain_cpu, 0.99)
    print(f"  p99 ratio grade/extractOne: {ratio:.1f}× (target ≤ 5×)")
    print(f"  verdicts: {verdicts}")


if __name__ == "__main__":
    main()
