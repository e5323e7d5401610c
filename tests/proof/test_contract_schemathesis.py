"""Proves, with schemathesis over the running API's own /openapi.json, that generated requests (valid and
invalid, anonymous, buyer and organizer) never get a 5xx, that every error is a problem+json document,
and that responses match what the spec documents."""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from proof_support import PROBLEMS, card, future, random_id, sign
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from localrun.testing import random_cpf

EXAMPLES = 15
# Routes that change shared state outside the test's own data, or send mail: excluded from fuzzing.
# DELETE /users/me deletes the very account the fuzzer signs in with (its own tests: tests/integration/
# test_personal_data.py and tests/e2e/test_transfers_and_personal_data_http.py).
NOT_FUZZED: set[tuple[str, str]] = {("DELETE", "/users/me")}


def problem_json_on_errors(ctx, response, case) -> None:
    """Every 4xx/5xx is an RFC 9457 document: problem+json, type under the documented base, matching status."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(f"{response.status_code} answered as {content_type!r}, not problem+json")
    body = response.json()
    missing = [k for k in ("type", "title", "status", "detail") if k not in body]
    if missing:
        raise AssertionError(f"problem document lacks {missing}: {body}")
    if body["status"] != response.status_code:
        raise AssertionError(f"problem status {body['status']} differs from HTTP {response.status_code}")
    if not str(body["type"]).startswith(PROBLEMS):
        raise AssertionError(f"problem type {body['type']!r} is not under {PROBLEMS}")


@pytest.fixture(scope="module")
def schema(api):
    spec = api.get("/openapi.json").json
    assert spec["paths"], "the spec documents no operation"
    return schemathesis.openapi.from_dict(spec)


def fuzz(
    schema, base_url: str, token: str | None, checks: list, modes=(GenerationMode.POSITIVE,)
) -> list[str]:
    """Run every operation for EXAMPLES generated cases per mode; returns one line per failing operation."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: list[str] = []
    calls = 0
    last_failure: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in NOT_FUZZED:
            continue
        for mode in modes:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                nonlocal calls
                calls += 1
                response = case.call(base_url=base_url, headers=headers, timeout=15)
                try:
                    case.validate_response(response, checks=checks)
                except Exception:
                    last_failure[:] = [
                        f"{case.as_curl_command(headers=headers)} -> {response.status_code} {response.text[:300]}"
                    ]
                    raise

            last_failure.clear()
            try:
                run()
            except Unsatisfiable:
                continue  # nothing of this operation can be made invalid (e.g. only free-text path parameters)
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # one entry per operation and mode: what failed and the case that did
                details = str(exc)
                failures.append(
                    f"{operation.method.upper()} {operation.path} [{mode.value}]: {details} :: {last_failure}"[
                        :1500
                    ]
                )
    assert calls >= EXAMPLES, "schemathesis made almost no request: the run would prove nothing"
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("who", ["anonymous", "buyer", "organizer"])
def test_no_server_errors_and_problem_json_on_every_error(schema, runtime, who, new_buyer, organizer_token):
    token = {"anonymous": None, "buyer": None, "organizer": organizer_token}[who]
    if who == "buyer":
        token = new_buyer().token
    failures = fuzz(
        schema,
        runtime.base_url,
        token,
        [not_a_server_error, problem_json_on_errors],
        modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    )
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
@pytest.mark.parametrize("who", ["anonymous", "buyer", "organizer"])
def test_responses_match_the_documented_status_codes_types_and_schemas(
    schema, runtime, who, new_buyer, organizer_token
):
    token = {"anonymous": None, "buyer": new_buyer().token, "organizer": organizer_token}[who]
    failures = fuzz(
        schema,
        runtime.base_url,
        token,
        [status_code_conformance, content_type_conformance, response_schema_conformance],
        modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    )
    assert not failures, "\n\n".join(failures)


class Documented:
    """Calls the running API and checks each answer against what /openapi.json documents for its operation:
    the status code, the content type and the body's schema (the fuzzing above rarely reaches paid orders)."""

    CHECKS = [status_code_conformance, content_type_conformance, response_schema_conformance]

    def __init__(self, schema, base_url: str) -> None:
        self.schema = schema
        self.base_url = base_url
        self.session = requests.Session()

    def __call__(self, method: str, template: str, status: int, token: str | None = None, **kwargs):
        ids = kwargs.pop("ids", {})
        headers = dict(kwargs.pop("headers", {}))
        if token:
            headers["Authorization"] = f"Bearer {token}"
        response = self.session.request(
            method, self.base_url + template.format(**ids), headers=headers, timeout=15, **kwargs
        )
        assert response.status_code == status, f"{method} {template}: {response.status_code} {response.text}"
        operation = self.schema[template][method]
        operation.Case(path_parameters=ids).validate_response(response, checks=self.CHECKS)
        return response


def test_a_whole_journey_answers_as_documented(schema, runtime, organizer_token, webhook_secret):
    """Every success body of the contract, and a problem of each kind, against the documented schemas."""
    call = Documented(schema, runtime.base_url)
    organizer = organizer_token
    event = call(
        "POST",
        "/events",
        201,
        organizer,
        json={"name": "Jornada", "venue": "Arena", "starts_at": future(), "service_fee_percent": 10},
    ).json()
    eid = {"event_id": event["id"]}
    general = call(
        "POST",
        "/events/{event_id}/sectors",
        201,
        organizer,
        ids=eid,
        json={
            "name": "Pista",
            "kind": "general",
            "price_cents": 10000,
            "capacity": 50,
            "tiers": [{"name": "Lote 1", "price_cents": 8000, "quantity": 10}],
        },
    ).json()
    seated = call(
        "POST",
        "/events/{event_id}/sectors",
        201,
        organizer,
        ids=eid,
        json={"name": "Cadeiras", "kind": "seated", "price_cents": 20000, "rows": [{"row": "A", "seats": 4}]},
    ).json()
    product = call(
        "POST",
        "/products",
        201,
        organizer,
        json={"name": "Água", "price_cents": 500, "event_id": event["id"]},
    ).json()
    call("POST", "/products", 201, organizer, json={"name": "Boné", "price_cents": 3000, "stock": 5})
    call("PATCH", "/events/{event_id}", 200, organizer, ids=eid, json={"status": "on_sale"})
    call("GET", "/events", 200, params={"limit": 1})
    call("GET", "/events/{event_id}", 200, ids=eid)
    seats = call(
        "GET", "/events/{event_id}/sectors/{sector_id}/seats", 200, ids={**eid, "sector_id": seated["id"]}
    ).json()["items"]
    call("GET", "/products", 200, params={"event_id": event["id"]})

    email, password = f"jornada-{uuid.uuid4().hex[:8]}@example.com", "Jornada-2026!"
    call(
        "POST", "/users", 201, json={"email": email, "password": password, "name": "Ana", "cpf": random_cpf()}
    )
    tokens = call("POST", "/auth/token", 200, json={"email": email, "password": password}).json()
    call("POST", "/auth/token", 200, json={"refresh_token": tokens["refresh_token"]})
    buyer = tokens["access_token"]
    call("GET", "/users/me", 200, buyer)

    def hold(**lines) -> dict:
        tickets = [{"sector_id": general["id"], "quantity": 2}]
        return call(
            "POST", "/orders", 201, buyer, json={"event_id": event["id"], "tickets": tickets, **lines}
        )

    first = hold(products=[{"product_id": product["id"], "quantity": 1}]).json()
    oid = {"order_id": first["id"]}
    call("PUT", "/orders/{order_id}/products", 200, buyer, ids=oid, json={"products": []})
    call("POST", "/orders/{order_id}/payments", 201, buyer, ids=oid, json={"method": "card", "card": card()})
    call("GET", "/orders/{order_id}", 200, buyer, ids=oid)
    call("GET", "/orders", 200, buyer)
    tickets: list = []
    deadline = time.monotonic() + 20
    while not (tickets and all(t["pdf_url"] for t in tickets)) and time.monotonic() < deadline:
        time.sleep(0.2)
        tickets = call("GET", "/orders/{order_id}/tickets", 200, buyer, ids=oid).json()["items"]
    assert tickets, "the tickets of a paid order were never issued"
    call("GET", "/orders/{order_id}/invoice", 200, buyer, ids=oid)
    call("POST", "/checkins", 200, organizer, json={"code": tickets[0]["code"], "event_id": event["id"]})
    call("POST", "/checkins", 409, organizer, json={"code": tickets[0]["code"]})
    call("GET", "/events/{event_id}/orders", 200, organizer, ids=eid, params={"status": "paid"})
    call("GET", "/events/{event_id}/report", 200, organizer, ids=eid)
    report = call("GET", "/events/{event_id}/report", 200, organizer, ids=eid, params={"format": "csv"})
    assert report.headers["content-type"].startswith("text/csv")
    call("POST", "/orders/{order_id}/refund", 200, organizer, ids=oid)

    seat_line = [{"sector_id": seated["id"], "seat_id": seats[0]["id"]}]
    pix = hold(tickets=seat_line).json()
    payment = call(
        "POST", "/orders/{order_id}/payments", 201, buyer, ids={"order_id": pix["id"]}, json={"method": "pix"}
    ).json()
    assert payment["pix_qr_png"].startswith("data:image/png;base64,")
    raw = json.dumps({"payment_id": payment["id"], "status": "approved"}).encode()
    headers = {"Content-Type": "application/json", "X-Signature": sign(raw, webhook_secret)}
    call("POST", "/payments/webhook", 200, data=raw, headers=headers)
    call("POST", "/payments/webhook", 401, data=raw, headers={"Content-Type": "application/json"})
    call("POST", "/orders/{order_id}/withdrawal", 200, buyer, ids={"order_id": pix["id"]})

    boleto = hold().json()
    bid = {"order_id": boleto["id"]}
    call("POST", "/orders/{order_id}/payments", 201, buyer, ids=bid, json={"method": "boleto"})
    call("POST", "/orders/{order_id}/cancel", 200, buyer, ids=bid)
    call("POST", "/orders/{order_id}/cancel", 409, buyer, ids=bid)

    # A problem of each kind: 400, 401, 403, 404 and 422.
    malformed = {"data": b"{", "headers": {"Content-Type": "application/json"}}
    call("POST", "/orders", 400, buyer, **malformed)
    call("GET", "/orders", 401)
    call("POST", "/events", 403, buyer, json={"name": "X", "venue": "Y", "starts_at": future()})
    call("GET", "/orders/{order_id}", 404, buyer, ids={"order_id": random_id()})
    call("POST", "/orders", 422, buyer, json={"event_id": event["id"], "tickets": []})
    call("PATCH", "/events/{event_id}", 200, organizer, ids=eid, json={"status": "cancelled"})
    call("GET", "/events/{event_id}", 200, ids=eid)
