"""The package's shape: no import cycle, the domain free of front ends and storage, argparse
only in cli/, and modules a reader can hold in mind.

The import graph is read with :mod:`ast` from the source, every import counted
(those inside functions and under ``TYPE_CHECKING`` too: a cycle hidden there is
still a cycle in the design).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "tutorbot"
DOMAIN = (
    "tutorbot.tutor",
    "tutorbot.grading",
    "tutorbot.cases",
    "tutorbot.schedules",
    "tutorbot.rounds",
)
# What the domain may not import: the front ends, storage, the application layer, the
# command line's errors and settings, and python-telegram-bot.
NOT_FOR_THE_DOMAIN = (
    "tutorbot.telegram",
    "tutorbot.console",
    "tutorbot.storage",
    "tutorbot.cli",
    "tutorbot.app",
    "tutorbot.errors",
    "tutorbot.settings",
    "telegram",
)
MAX_LINES = 500
ADAPTER_MAX_LINES = 400  # the Telegram adapter stays thin
# The grader is split into modules by the grading issue, not by this rule.
SIZE_EXEMPT = ("tutorbot.grading",)


def module_files() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its ``__init__.py``)."""
    modules: dict[str, Path] = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def imported_names(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """Every dotted name the module ``name`` imports; ``from a import b`` gives ``a.b``
    when that is one of the package's modules, else ``a``."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield full if full in modules else base


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules it imports (a parent package's ``__init__`` that
    Python runs on the way is not counted: only what the import statement names)."""
    modules = module_files()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for imported in imported_names(name, path, modules):
            parts = imported.split(".")
            while parts and ".".join(parts) not in modules:
                parts.pop()
            if parts and ".".join(parts) != name:
                targets.add(".".join(parts))
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_graph_sees_the_package() -> None:
    graph = import_graph()
    assert "tutorbot.cli" in graph and "tutorbot.cases.loader" in graph
    assert "tutorbot.cases.yaml_nodes" in graph["tutorbot.cases.loader"]
    assert "tutorbot.cli.options" in graph["tutorbot.cli.cases"]


def test_cycles_are_found() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


def test_the_domain_imports_no_front_end_storage_or_cli() -> None:
    modules = module_files()
    wrong = sorted(
        f"{name} imports {imported}"
        for name, path in modules.items()
        if within(name, DOMAIN)
        for imported in set(imported_names(name, path, modules))
        if within(imported, NOT_FOR_THE_DOMAIN)
    )
    assert not wrong, "\n".join(wrong)


def test_argparse_only_in_cli() -> None:
    modules = module_files()
    wrong = sorted(
        name
        for name, path in modules.items()
        if not within(name, ("tutorbot.cli",))
        and any(within(i, ("argparse",)) for i in imported_names(name, path, modules))
    )
    assert not wrong, f"argparse outside tutorbot.cli: {wrong}"


def test_no_module_outside_grading_over_500_lines() -> None:
    long = sorted(
        f"{path.relative_to(SRC)}: {lines} lines"
        for name, path in module_files().items()
        if not within(name, SIZE_EXEMPT)
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    )
    assert not long, f"modules over {MAX_LINES} lines:\n" + "\n".join(long)


def test_no_telegram_adapter_module_over_400_lines() -> None:
    adapter = "tutorbot.telegram"
    long = sorted(
        f"{path.relative_to(SRC)}: {lines} lines"
        for name, path in module_files().items()
        if within(name, (adapter,))
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > ADAPTER_MAX_LINES
    )
    assert not long, f"Telegram adapter modules over {ADAPTER_MAX_LINES} lines:\n" + "\n".join(long)
