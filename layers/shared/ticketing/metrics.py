"""Business metrics (CloudWatch EMF, namespace Ticketing). Each metric is written at once as its own EMF
line, so concurrent requests never mix dimensions. Names and dimensions are listed here once: the
template's alarms and dashboard use them, and a test checks both sides agree."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "Ticketing"
SERVICE = "ticketing"

# name -> (unit, dimension names besides "service")
DEFINITIONS: dict[str, tuple[MetricUnit, tuple[str, ...]]] = {
    "OrderTransitions": (MetricUnit.Count, ("to_status",)),
    "HoldsCreated": (MetricUnit.Count, ()),
    "HoldsRejected": (MetricUnit.Count, ("reason",)),
    "HoldsExpired": (MetricUnit.Count, ()),
    "SeatMapViews": (MetricUnit.Count, ("sector_id",)),
    "Payments": (MetricUnit.Count, ("method", "outcome")),
    "WebhookSignatureFailures": (MetricUnit.Count, ()),
    "InvoiceLag": (MetricUnit.Seconds, ()),
    "InvoicesIssued": (MetricUnit.Count, ()),
    "CheckIns": (MetricUnit.Count, ("outcome",)),
    "DatabasePoolTimeouts": (MetricUnit.Count, ()),  # requests shed with 503: no connection within a second
    "QueueAdmissions": (MetricUnit.Count, ()),
    "QueueOldestWaitSeconds": (MetricUnit.Seconds, ()),
    "QueueAdmissionLagSeconds": (MetricUnit.Seconds, ()),
    "TicketTransfers": (MetricUnit.Count, ("outcome",)),
    "AccountsDeleted": (MetricUnit.Count, ()),
    "FiscalRecordsPurged": (MetricUnit.Count, ()),
    "PixProviderFailures": (MetricUnit.Count, ("operation",)),  # the API Pix provider did not answer
    "PixDevolutionsNotRealized": (MetricUnit.Count, ()),  # a refund the provider could not pay back (alarm)
}


def emit(name: str, value: float = 1, **dimensions: str) -> None:
    """Write one metric with its dimensions (which must be exactly the ones DEFINITIONS lists)."""
    unit, expected = DEFINITIONS[name]
    if set(dimensions) != set(expected):
        raise ValueError(f"{name} takes dimensions {expected}, got {tuple(dimensions)}")
    with single_metric(
        name=name, unit=unit, value=value, namespace=NAMESPACE, default_dimensions={"service": SERVICE}
    ) as metric:
        for key in expected:
            metric.add_dimension(name=key, value=str(dimensions[key]))
