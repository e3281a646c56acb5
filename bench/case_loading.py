"""Benchmark loading a large library, and hostile case files, against baselines from the same run.

**A large library** (``--library``, the default runs both parts): 1,000 and
10,000 generated cases (the bundled cases copied under new ids, their images
hard-linked: every image is still checked and hashed per case) are loaded the
ways the bot and its commands load them, each in a fresh process, beside the
floor: the same ``case.yaml`` files parsed by PyYAML's C loader
(``yaml.load(..., Loader=yaml.CSafeLoader)``) and nothing else. Figures are
CPU seconds (the machine is shared: CPU time moves far less with other work
than wall time), medians of ``--reps`` runs, and their ratio to the floor:

- ``load_library``: the loading alone, inside a process (against the floor's
  parse loop alone);
- ``tutorbot run`` start-up, cold and warm: ``load_cases`` as the bot calls it,
  with its image cache beside the database absent (first start) and present;
- ``tutorbot cases list`` and ``tutorbot cases validate``: whole commands,
  imports included (against a whole process that imports PyYAML and parses).

**Hostile case files**:

The promise (tutorbot/cases/yaml_nodes.py): any case file up to the 1 MB
limit loads or fails within 1 s and 50 MB of memory, whatever it holds. Each
file below is written to a temporary cases folder and loaded with
``load_case`` in a fresh Python process, which reports the wall time of the
load and how far it raised the process's peak resident memory (``ru_maxrss``:
libyaml's C allocations count, which tracemalloc would miss). The first row is
the baseline, a bundled case as it is; every row shows its ratio to it.
Prints figures; asserts nothing.

    .venv/bin/python bench/case_loading.py                      # both parts (~10 min)
    .venv/bin/python bench/case_loading.py --library --sizes 1000 --reps 1   # quick
    .venv/bin/python bench/case_loading.py --hostile
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
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


FLOOR = """
import resource, sys, time
from pathlib import Path
import yaml
files = sorted(Path(sys.argv[1]).glob("*/case.yaml"))
start = time.process_time()
for file in files:
    yaml.load(file.read_bytes(), Loader=yaml.CSafeLoader)
print(time.process_time() - start)
"""

LIBRARY = """
import sys, time
from pathlib import Path
from tutorbot.cases.library import load_library
start = time.process_time()
library = load_library([Path(sys.argv[1])])
assert len(library.cases) == int(sys.argv[2]), library.problems[:3]
print(time.process_time() - start)
"""

START_UP = """
import sys, time
from pathlib import Path
from tutorbot.cli.run import load_cases
from tutorbot.settings import Settings
settings = Settings.from_env(cases=Path(sys.argv[1]), database="sqlite:///" + sys.argv[3])
start = time.process_time()
library = load_cases(settings)
assert len(library.cases) == int(sys.argv[2])
print(time.process_time() - start)
"""


def generate(root: Path, count: int) -> None:
    """``count`` cases under ``root``: the bundled ones in turn under new ids (the id line
    rewritten), each image hard-linked (no disk used, but every case checks its own)."""
    seeds = sorted(p.parent for p in (ROOT / "cases").glob("*/case.yaml"))
    texts = {seed: (seed / "case.yaml").read_text(encoding="utf-8") for seed in seeds}
    for n in range(count):
        seed = seeds[n % len(seeds)]
        case_id = f"{seed.name}-{n:05d}"
        folder = root / case_id
        (folder / "images").mkdir(parents=True)
        text = re.sub(r"^id: .*$", f"id: {case_id}", texts[seed], count=1, flags=re.M)
        (folder / "case.yaml").write_text(text, encoding="utf-8")
        for image in (seed / "images").iterdir():
            os.link(image, folder / "images" / image.name)


def _inside(script: str, *args: str) -> float:
    """CPU seconds a fresh process reports for the timed part of ``script``."""
    out = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return float(out.stdout.split()[-1])


def _whole(command: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user + system) of a whole child process running ``command``."""
    before = os.times()
    subprocess.run(command, capture_output=True, check=False, cwd=ROOT, env=env)
    after = os.times()
    return (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def library_rows(size: int, reps: int) -> None:
    with tempfile.TemporaryDirectory() as temp:
        cases, data = Path(temp) / "cases", Path(temp) / "data"
        cases.mkdir()
        data.mkdir()
        generate(cases, size)
        env = {
            **os.environ,
            "TUTORBOT_CASES": str(cases),
            "TUTORBOT_DATABASE": "sqlite:///:memory:",
        }
        tutorbot = [str(Path(sys.executable).parent / "tutorbot"), "cases"]
        rows: dict[str, list[float]] = {}
        for _ in range(reps):
            cache = data / "image-cache.json"
            cache.unlink(missing_ok=True)
            figures = {
                "floor: C-loader parse": _inside(FLOOR, str(cases)),
                "load_library": _inside(LIBRARY, str(cases), str(size)),
                "start-up, image cache cold": _inside(
                    START_UP, str(cases), str(size), str(data / "bot.db")
                ),
                "start-up, image cache warm": _inside(
                    START_UP, str(cases), str(size), str(data / "bot.db")
                ),
                "floor: python + C-loader parse": _whole(
                    [sys.executable, "-c", FLOOR, str(cases)], env
                ),
                "tutorbot cases list": _whole([*tutorbot, "list"], env),
                "tutorbot cases validate": _whole([*tutorbot, "validate"], env),
            }
            for name, seconds in figures.items():
                rows.setdefault(name, []).append(seconds)
        median = {name: statistics.median(values) for name, values in rows.items()}
        print(f"\n{size:,} cases ({reps} runs, median CPU seconds; ratio to the floor above it)")
        floor = 0.0
        for name, seconds in median.items():
            if name.startswith("floor"):
                floor = seconds
                print(f"  {name:34} {seconds:7.2f}s")
            else:
                print(f"  {name:34} {seconds:7.2f}s  {seconds / floor:5.2f}×")


def hostile_rows() -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", action="store_true", help="only the large library")
    parser.add_argument("--hostile", action="store_true", help="only the hostile files")
    parser.add_argument("--sizes", default="1000,10000", help="library sizes (default 1000,10000)")
    parser.add_argument("--reps", type=int, default=3, help="runs per figure (default 3)")
    args = parser.parse_args()
    if not args.library:
        hostile_rows()
    if not args.hostile:
        for size in (int(n) for n in args.sizes.split(",")):
            library_rows(size, args.reps)


if __name__ == "__main__":
    main()
