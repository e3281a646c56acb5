"""The metrics registry and its Prometheus text, read back with the reference parser."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tutorbot.metrics import Metrics, standard


def parsed(metrics: Metrics) -> dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    """family -> (sample name, labels) -> value, as prometheus_client reads the text."""
    families = {}
    for family in text_string_to_metric_families(metrics.exposition()):
        families[family.name] = {
            (s.name, tuple(sorted(s.labels.items()))): s.value for s in family.samples
        }
    return families


def test_counters_gauges_and_histograms_read_back() -> None:
    metrics = Metrics()
    metrics.declare("t_calls_total", "counter", "Calls by method.")
    metrics.declare("t_sent", "gauge", 'Sent, with "quotes" and a \\ backslash.')
    metrics.declare("t_seconds", "histogram", "Durations.", buckets=(0.1, 1.0))
    metrics.inc("t_calls_total", method="sendMessage", result="ok")
    metrics.inc("t_calls_total", 2, method="sendMessage", result="ok")
    metrics.inc("t_calls_total", method="sendPhoto", result="429")
    metrics.set("t_sent", 7, broadcast='week "3"\n')
    metrics.add("t_sent", -2, broadcast='week "3"\n')
    for value in (0.05, 0.5, 0.5, 3.0):
        metrics.observe("t_seconds", value)
    families = parsed(metrics)
    calls = families["t_calls"]  # the parser names a counter without _total
    assert calls[("t_calls_total", (("method", "sendMessage"), ("result", "ok")))] == 3
    assert calls[("t_calls_total", (("method", "sendPhoto"), ("result", "429")))] == 1
    assert families["t_sent"] == {("t_sent", (("broadcast", 'week "3"\n'),)): 5}
    durations = families["t_seconds"]
    assert durations[("t_seconds_bucket", (("le", "0.1"),))] == 1
    assert durations[("t_seconds_bucket", (("le", "1.0"),))] == 3  # cumulative
    assert durations[("t_seconds_bucket", (("le", "+Inf"),))] == 4
    assert durations[("t_seconds_count", ())] == 4
    assert durations[("t_seconds_sum", ())] == pytest.approx(4.05)
    assert metrics.value("t_calls_total", method="sendPhoto", result="429") == 1


def test_a_name_never_declared_or_of_another_kind_is_refused() -> None:
    metrics = Metrics()
    metrics.declare("t_total", "counter", "A counter.")
    with pytest.raises(KeyError):
        metrics.inc("t_typo_total")
    with pytest.raises(TypeError, match="counter, not a gauge"):
        metrics.set("t_total", 1)


def test_the_standard_families_parse_before_anything_is_fed() -> None:
    names = set(parsed(standard()))
    assert {
        "tutorbot_updates",
        "tutorbot_update_seconds",
        "tutorbot_bot_api_calls",
        "tutorbot_bot_api_retries",
        "tutorbot_jobs",
        "tutorbot_active_sessions",
        "tutorbot_broadcast_sent",
        "tutorbot_broadcast_total",
        "tutorbot_webhook_requests",
    } <= names
