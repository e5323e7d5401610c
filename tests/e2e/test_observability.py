"""Logs and metrics of a whole journey: one correlation id per request (also sent back to the client),
no password, token, card data or full CPF in any line, and business metrics with their dimensions."""

from __future__ import annotations

import io
import json
import logging
import secrets
from datetime import UTC, datetime, timedelta

import pytest

from ticketing.metrics import DEFINITIONS, NAMESPACE


def json_lines(text: str) -> list[dict]:
    lines = []
    for raw in text.splitlines():
        raw = raw.strip()
        if raw.startswith("{"):
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue
    return lines


@pytest.fixture
def app_log():
    """The JSON lines the functions log, formatted by Powertools' own formatter."""
    target = logging.getLogger("ticketing")
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(target.handlers[0].formatter)
    target.addHandler(handler)
    yield buffer
    target.removeHandler(handler)


def test_a_journey_logs_one_correlation_id_per_request_and_no_secret(api, organizer_token, app_log, capsys):
    capsys.readouterr()
    email = f"log-{secrets.token_hex(4)}@example.com"
    password = "Segredo-" + secrets.token_hex(6) + "!"
    cpf = "111.444.777-35"
    assert (
        api.post("/users", json={"email": email, "password": password, "name": "Log", "cpf": cpf}).status
        == 201
    )
    token = api.post("/auth/token", json={"email": email, "password": password}).json
    starts = (datetime.now(UTC) + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = api.post(
        "/events", token=organizer_token, json={"name": "Obs", "venue": "V", "starts_at": starts}
    ).json
    sector = api.post(
        f"/events/{event['id']}/sectors",
        token=organizer_token,
        json={"name": "Pista", "kind": "general", "price_cents": 5000, "capacity": 10},
    ).json
    api.patch(f"/events/{event['id']}", token=organizer_token, json={"status": "on_sale"})
    seated = api.post(
        f"/events/{event['id']}/sectors",
        token=organizer_token,
        json={"name": "Cadeiras", "kind": "seated", "price_cents": 5000, "rows": [{"row": "A", "seats": 2}]},
    ).json
    api.get(f"/events/{event['id']}/sectors/{seated['id']}/seats")
    order = api.post(
        "/orders",
        token=token["access_token"],
        json={"event_id": event["id"], "tickets": [{"sector_id": sector["id"], "quantity": 1}]},
    )
    assert order.status == 201
    rejected = api.post(
        "/orders",
        token=token["access_token"],
        json={"event_id": event["id"], "tickets": [{"sector_id": sector["id"], "quantity": 50}]},
    )
    assert rejected.status == 409
    reason = rejected.json["type"].rsplit("/", 1)[1]
    correlation = order.headers["x-correlation-id"]
    output = capsys.readouterr()
    text = app_log.getvalue() + output.out + output.err

    for secret in (password, token["access_token"], token["refresh_token"], "11144477735", cpf):
        assert secret not in text

    lines = json_lines(text)
    requests = [line for line in lines if line.get("message") == "request"]
    assert {
        "POST /users",
        "POST /auth/token",
        "POST /orders",
        "GET /events/{event_id}/sectors/{sector_id}/seats",
    } <= {line["route"] for line in requests}
    for line in requests:
        assert line["correlation_id"], line
    hold_lines = [line for line in requests if line.get("correlation_id") == correlation]
    assert [(line["route"], line["status"]) for line in hold_lines] == [("POST /orders", 201)]
    assert len({line["correlation_id"] for line in requests}) == len(requests)

    metrics = [line for line in lines if "_aws" in line]
    emitted = {}
    for line in metrics:
        for directive in line["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == NAMESPACE
            for metric in directive["Metrics"]:
                emitted.setdefault(metric["Name"], []).append(
                    {name: line[name] for name in directive["Dimensions"][0]}
                )
    assert {"service": "ticketing", "to_status": "reserved"} in emitted["OrderTransitions"]
    assert {"service": "ticketing"} in emitted["HoldsCreated"]
    assert {"service": "ticketing", "reason": reason} in emitted["HoldsRejected"]
    assert {"service": "ticketing", "sector_id": seated["id"]} in emitted["SeatMapViews"]
    for name, dimension_sets in emitted.items():
        assert set(dimension_sets[0]) == {"service", *DEFINITIONS[name][1]}
