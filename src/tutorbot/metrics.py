"""Counters, gauges and histograms of one process, and their Prometheus text exposition.

One :class:`Metrics` per process (``METRICS``); ``tutorbot run --metrics-port N``
serves :meth:`Metrics.exposition` at ``GET /metrics``
(https://prometheus.io/docs/instrumenting/exposition_formats/, text format 0.0.4).
Any layer may feed it: it imports nothing of ours and does no I/O. The families
are declared once below, with their help text; feeding an undeclared name is a
``KeyError``, so a typo never makes a new series.

Written here rather than taken from ``prometheus_client``: the product needs a
handful of families in one process (each process serves its own port, so no
multi-process mode), and the format is a few lines of text; a runtime dependency
for that is not worth it. The tests parse the output with ``prometheus_client``'s
own parser, so the text is checked against the reference implementation.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["counter", "gauge", "histogram"]
Labels = tuple[tuple[str, str], ...]

#: Handling time buckets, in seconds: an update is handled in milliseconds to seconds.
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


@dataclass
class _Histogram:
    buckets: tuple[float, ...]
    counts: list[int]
    total: float = 0.0
    count: int = 0

    def observe(self, value: float) -> None:
        self.count += 1
        self.total += value
        for i, bound in enumerate(self.buckets):
            if value <= bound:
                self.counts[i] += 1


@dataclass
class Family:
    """One metric name: its kind, its help text, and a value per label set."""

    name: str
    kind: Kind
    help: str
    buckets: tuple[float, ...] = SECONDS_BUCKETS
    values: dict[Labels, float] = field(default_factory=dict)
    histograms: dict[Labels, _Histogram] = field(default_factory=dict)


class Metrics:
    """The process's metrics. Thread-safe (the SQLite backend works in threads)."""

    def __init__(self) -> None:
        self._families: dict[str, Family] = {}
        self._lock = threading.Lock()

    def declare(
        self, name: str, kind: Kind, help: str, buckets: tuple[float, ...] = SECONDS_BUCKETS
    ) -> None:
        """Make a family known (again: nothing changes)."""
        with self._lock:
            self._families.setdefault(name, Family(name, kind, help, buckets))

    def inc(self, name: str, amount: float = 1.0, **labels: str) -> None:
        """Add to a counter."""
        family = self._family(name, "counter")
        key = _labels(labels)
        with self._lock:
            family.values[key] = family.values.get(key, 0.0) + amount

    def set(self, name: str, value: float, **labels: str) -> None:
        """Set a gauge."""
        family = self._family(name, "gauge")
        with self._lock:
            family.values[_labels(labels)] = value

    def add(self, name: str, amount: float, **labels: str) -> None:
        """Move a gauge up (or down, with a negative amount)."""
        family = self._family(name, "gauge")
        key = _labels(labels)
        with self._lock:
            family.values[key] = family.values.get(key, 0.0) + amount

    def observe(self, name: str, value: float, **labels: str) -> None:
        """Count one observation (a duration in seconds) in a histogram."""
        family = self._family(name, "histogram")
        key = _labels(labels)
        with self._lock:
            histogram = family.histograms.get(key)
            if histogram is None:
                histogram = family.histograms[key] = _Histogram(
                    family.buckets, [0] * len(family.buckets)
                )
            histogram.observe(value)

    def value(self, name: str, **labels: str) -> float:
        """A counter's or gauge's current value (0 if never fed); for tests and logs."""
        family = self._families[name]
        with self._lock:
            return family.values.get(_labels(labels), 0.0)

    def exposition(self) -> str:
        """Every family in Prometheus text format."""
        lines: list[str] = []
        with self._lock:
            families = list(self._families.values())
        for family in families:
            with self._lock:
                values = dict(family.values)
            lines.append(f"# HELP {family.name} {_escape_help(family.help)}")
            lines.append(f"# TYPE {family.name} {family.kind}")
            if family.kind == "histogram":
                with self._lock:
                    histograms = [(k, _copy(h)) for k, h in family.histograms.items()]
                for key, histogram in sorted(histograms):
                    lines.extend(_histogram_lines(family.name, key, histogram))
            else:
                for key, value in sorted(values.items()):
                    lines.append(f"{family.name}{_format_labels(key)} {_number(value)}")
        return "\n".join(lines) + "\n"

    def _family(self, name: str, kind: Kind) -> Family:
        family = self._families[name]
        if family.kind != kind:
            raise TypeError(f"{name} is a {family.kind}, not a {kind}")
        return family


def _labels(labels: Mapping[str, str]) -> Labels:
    return tuple(sorted((k, str(v)) for k, v in labels.items()))


def _copy(histogram: _Histogram) -> _Histogram:
    return _Histogram(histogram.buckets, list(histogram.counts), histogram.total, histogram.count)


def _histogram_lines(name: str, key: Labels, histogram: _Histogram) -> Iterable[str]:
    for bound, count in zip(histogram.buckets, histogram.counts, strict=True):
        # Bounds as floats ("1.0", not "1"), as Prometheus's own clients write them.
        yield f"{name}_bucket{_format_labels((*key, ('le', repr(float(bound)))))} {count}"
    yield f"{name}_bucket{_format_labels((*key, ('le', '+Inf')))} {histogram.count}"
    yield f"{name}_sum{_format_labels(key)} {_number(histogram.total)}"
    yield f"{name}_count{_format_labels(key)} {histogram.count}"


def _format_labels(key: Labels) -> str:
    if not key:
        return ""
    inner = ",".join(f'{k}="{_escape_value(v)}"' for k, v in key)
    return "{" + inner + "}"


def _escape_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return repr(float(value)) if value != int(value) else str(int(value))


def standard() -> Metrics:
    """The families tutorbot feeds (one place lists them all; docs/deploy.md explains them)."""
    metrics = Metrics()
    metrics.declare("tutorbot_updates_total", "counter", "Updates handled, by kind.")
    metrics.declare(
        "tutorbot_update_seconds",
        "histogram",
        "Time from an update's arrival in the process to the end of its handling.",
    )
    metrics.declare(
        "tutorbot_webhook_requests_total",
        "counter",
        "Webhook POSTs by answer: kept, forbidden (secret), malformed, unavailable.",
    )
    metrics.declare(
        "tutorbot_bot_api_calls_total",
        "counter",
        "Bot API calls by method and result (ok, an HTTP error code, or network).",
    )
    metrics.declare(
        "tutorbot_bot_api_retries_total",
        "counter",
        "Bot API calls tried again, by reason (retry_after, network).",
    )
    metrics.declare("tutorbot_jobs_total", "counter", "Jobs run, by kind and outcome.")
    metrics.declare(
        "tutorbot_jobs", "gauge", "Jobs in the database by state (due, running, failed)."
    )
    metrics.declare("tutorbot_active_sessions", "gauge", "Sessions changed in the last hour.")
    metrics.declare(
        "tutorbot_broadcast_sent",
        "gauge",
        "Messages of a broadcast (a push to a class) sent so far, by broadcast.",
    )
    metrics.declare(
        "tutorbot_broadcast_total",
        "gauge",
        "Messages a broadcast will send in all, by broadcast.",
    )
    return metrics


#: This process's metrics.
METRICS = standard()
