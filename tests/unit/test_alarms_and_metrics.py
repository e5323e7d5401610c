"""The template's alarms and dashboard watch metrics that exist: our own (ticketing.metrics.DEFINITIONS, each
emitted somewhere in the code) with their exact dimensions, or metrics AWS really publishes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from localrun.template import load_template
from ticketing.metrics import DEFINITIONS, NAMESPACE, SERVICE

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = load_template(ROOT / "template.yaml")

# Metrics AWS publishes, with the dimensions we use them with (AWS documentation of each service).
AWS_METRICS = {
    ("AWS/ApiGateway", "5xx"): {"ApiId", "Stage"},
    ("AWS/ApiGateway", "Count"): {"ApiId", "Stage"},
    ("AWS/ApiGateway", "Latency"): {"ApiId", "Stage"},
    ("AWS/Lambda", "Errors"): {"FunctionName"},
    ("AWS/Lambda", "Throttles"): set(),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"): {"QueueName"},
    ("AWS/RDS", "CPUUtilization"): {"DBInstanceIdentifier"},
    ("AWS/RDS", "FreeStorageSpace"): {"DBInstanceIdentifier"},
    ("AWS/RDS", "DatabaseConnections"): {"DBInstanceIdentifier"},
    ("AWS/RDS", "ClientConnections"): {"ProxyName"},
}
REQUIRED_ALARMS = {
    ("AWS/ApiGateway", "5xx"),
    ("AWS/ApiGateway", "Latency"),
    ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
    ("AWS/Lambda", "Errors"),
    ("AWS/Lambda", "Throttles"),
    ("AWS/RDS", "CPUUtilization"),
    ("AWS/RDS", "FreeStorageSpace"),
    ("AWS/RDS", "DatabaseConnections"),
    ("AWS/RDS", "ClientConnections"),
}


def alarm_metrics() -> list[tuple[str, str, dict]]:
    """(namespace, metric, {dimension: value}) of every metric an alarm watches."""
    found = []
    for _, resource in TEMPLATE["Resources"].items():
        if resource["Type"] != "AWS::CloudWatch::Alarm":
            continue
        props = resource["Properties"]
        stats = [m["MetricStat"]["Metric"] for m in props.get("Metrics", []) if "MetricStat" in m]
        if "MetricName" in props:
            stats.append(props)
        for metric in stats:
            dims = {d["Name"]: d["Value"] for d in metric.get("Dimensions", [])}
            found.append((metric["Namespace"], metric["MetricName"], dims))
    return found


def check(namespace: str, name: str, dimensions: dict) -> None:
    if namespace == NAMESPACE:
        assert name in DEFINITIONS, name
        assert set(dimensions) == {"service", *DEFINITIONS[name][1]}, (name, dimensions)
        assert dimensions["service"] == SERVICE
    else:
        assert (namespace, name) in AWS_METRICS, (namespace, name)
        assert set(dimensions) == AWS_METRICS[(namespace, name)], (namespace, name, dimensions)


def test_every_alarm_watches_a_metric_that_exists_with_its_dimensions():
    metrics = alarm_metrics()
    assert metrics
    for namespace, name, dimensions in metrics:
        check(namespace, name, dimensions)
    assert {(n, m) for n, m, _ in metrics} >= REQUIRED_ALARMS
    assert {m for n, m, _ in metrics if n == NAMESPACE} >= {"WebhookSignatureFailures", "InvoiceLag"}


def test_every_alarm_notifies_the_alarm_topic():
    for logical_id, resource in TEMPLATE["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            assert {"Ref": "AlarmTopic"} in resource["Properties"]["AlarmActions"], logical_id


def test_every_defined_metric_is_emitted_by_the_code_and_shown_on_the_dashboard():
    code = "\n".join(p.read_text() for p in (ROOT / "layers/shared/ticketing").rglob("*.py"))
    emitted = set(re.findall(r'emit\(\s*"([A-Za-z]+)"', code))
    assert emitted == set(DEFINITIONS)
    body = TEMPLATE["Resources"]["OperationsDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    shown = set()
    for widget in dashboard["widgets"]:
        for line in widget["properties"]["metrics"]:
            if isinstance(line[0], dict):
                search = re.search(r"\{(\w+),([\w,]+)\} MetricName=\"(\w+)\"", line[0]["expression"])
                namespace, dimensions, name = search.group(1), search.group(2).split(","), search.group(3)
                check(namespace, name, dict.fromkeys(dimensions, SERVICE))
            else:
                namespace, name, *rest = [part for part in line if not isinstance(part, dict)]
                dims = dict(zip(rest[0::2], rest[1::2], strict=True))
                if namespace == NAMESPACE:
                    check(namespace, name, dims)
                else:
                    assert (namespace, name) in AWS_METRICS
            shown.add(name)
    assert set(DEFINITIONS) <= shown
