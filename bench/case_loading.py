"""Benchmark loading hostile case files against a plain well-formed case, in the same run.

The promise (tutorbot/cases/yaml_nodes.py): any case file up to the 1 MB
limit loads or fails within 1 s and 50 MB of memory, whatever it holds. Each
file below is written to a temporary cases folder and loaded with
``load_case`` in a fresh Python process, which reports the wall time of the
load and how far it raised the process's peak resident memory (``ru_maxrss``:
libyaml's C allocations count, which tracemalloc would miss). The first row is
the baseline, a bundled case as it is; every row shows its ratio to it.
Prints figures; asserts nothing.

    .venv/bin/python bench/case_loading.py
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "cases" / "osteosarcoma"
LIMIT = 1_000_000
HEAD = (
    "format: 1\nid: {id}\ntitle: T\nstatus: published\nhistory: [h]\n"
    "diagnosis: d\nteaching_points: [p]\n"
)

MEASURE = """
import json, resource, sys, time
from pathlib import Path
from tutorbot.cases import load_case
load_case(Path(sys.argv[2]))  # warm: imports, regexes
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
result = load_case(Path(sys.argv[1]))
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
first = str(result.problems[0].message) if result.problems else "loads"
print(json.dumps([seconds, (peak - before) / 1024, result.case is not None, first]))
"""


def nested(depth: int) -> str:
    return "x: " + "[" * depth + "]" * depth + "\n"


def bomb() -> str:
    levels = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 12)]
    return "\n".join(levels) + "\n"


def hostile() -> Iterator[tuple[str, str | bytes]]:
    """(name, case.yaml content): each at most 1 MB, unless the name says otherwise."""
    head = HEAD.format(id="case")
    yield (
        "1 MB of findings text",
        head + "stages:\n  - images: []\n    findings:\n      - " + ("word " * 199_000) + "\n",
    )
    yield (
        "1 MB caption",
        head
        + "stages:\n  - images: [{file: a.png, caption: "
        + "x" * (LIMIT - 200)
        + "}]\n    findings: [f]\n",
    )
    yield "nested 32 deep (the limit)", head + nested(31)
    yield "nested 33 deep", head + nested(33)
    yield "nested 1 MB deep", "x: " + "[" * (LIMIT // 2 - 10) + "]" * (LIMIT // 2 - 10) + "\n"
    yield "anchor bomb (9^12 values)", head + bomb()
    alias = "a: &a {file: images/x.png, caption: c}\n"
    yield (
        "alias fan at the limit",
        head
        + alias
        + "stages:\n"
        + ("  - images: [" + ", ".join(["*a"] * 9) + "]\n    findings: [f]\n") * 170,
    )
    yield "10,000 values (the limit)", head + "hints:\n" + "  - h\n" * 9_980
    yield "200,000 values", "hints:\n" + "  - h\n" * 166_000
    yield "500,000 flow values", "hints: [" + "h," * 499_000 + "h]\n"
    yield (
        "850 stages, missing images",
        head
        + "stages:\n"
        + "".join(
            f"  - images: [{{file: images/{i}.png, caption: c}}]\n    findings: [f]\n"
            for i in range(850)
        ),
    )
    yield "4,900 unknown keys", "".join(f"key{i}: 1\n" for i in range(4_900))
    yield (
        "4,000 TODO lines",
        head.replace("T\n", "TODO\n") + "".join(f"# TODO {i}\nh{i}: TODO\n" for i in range(4_000)),
    )
    yield "1 MB of random bytes", random.Random(1).randbytes(LIMIT)
    yield "1 MB of NUL bytes", b"\0" * LIMIT
    yield "UTF-16, 1 MB", (head + "x: " + "é" * (LIMIT // 2 - 200) + "\n").encode("utf-16")[:LIMIT]
    yield "control characters", head + "x: " + "\x07" * 1000 + "\n"
    yield "1 GB sparse file", b""


def run(case_file: Path, warm: Path) -> tuple[float, float, bool, str]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(case_file), str(warm)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    seconds, megabytes, loaded, first = json.loads(out.stdout)
    return float(seconds), float(megabytes), bool(loaded), str(first)


def main() -> None:
    with tempfile.TemporaryDirectory() as temp:
        root = Path(temp)
        warm = root / "warm"
        shutil.copytree(BASELINE, warm)
        baseline = root / "baseline"
        shutil.copytree(BASELINE, baseline)
        base_seconds, base_mb, _, _ = run(baseline, warm)
        print(f"{'case file':34} {'size':>9} {'time':>9} {'ratio':>7} {'+peak RSS':>10}  outcome")
        size = (baseline / "case.yaml").stat().st_size
        print(
            f"{'baseline: ' + BASELINE.name:34} {size:>9,} {base_seconds * 1000:>7.1f}ms"
            f" {1:>6.1f}× {base_mb:>8.1f}MB  loads"
        )
        for n, (name, content) in enumerate(hostile()):
            folder = root / f"case-{n}"
            (folder / "images").mkdir(parents=True)
            file = folder / "case.yaml"
            file.write_bytes(content.encode() if isinstance(content, str) else content)
            if name.startswith("1 GB"):
                os.truncate(file, 2**30)  # sparse: costs no disk
            seconds, megabytes, loaded, first = run(folder, warm)
            size = file.stat().st_size
            outcome = "loads" if loaded else first[:60]
            print(
                f"{name:34} {size:>9,} {seconds * 1000:>7.1f}ms {seconds / base_seconds:>6.1f}×"
                f" {megabytes:>8.1f}MB  {outcome}"
            )


if __name__ == "__main__":
    main()
