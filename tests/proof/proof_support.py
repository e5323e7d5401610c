"""Helpers shared by the proof tests: problem checks, route discovery, events on sale, signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from localrun.routes import routes_from_template
from localrun.template import load_template
from localrun.testing import ApiClient, card_details, general_and_seated_on_sale

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PROBLEMS = "https://ticketing.example.com/problems/"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
APPROVED_CARD = "4111111111111111"
DECLINED_CARD = "4000000000000002"
CVV = "987"


def assert_problem(response, status: int, name: str | None = None) -> dict:
    """The response is an RFC 9457 problem with this status (and this problem name when given)."""
    assert response.status == status, f"{response.status} {response.text[:500]}"
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body = response.json
    assert isinstance(body, dict), response.text[:500]
    assert body["status"] == status and body["title"] and body["detail"], body
    assert body["type"].startswith(PROBLEMS), body
    if name is not None:
        assert body["type"] == PROBLEMS + name, body
    return body


def template_routes() -> list:
    """Every HTTP route template.yaml declares (method, path, public)."""
    return list(routes_from_template(load_template(PROJECT_ROOT / "template.yaml")).routes)


def documented_operations(api: ApiClient) -> set[tuple[str, str]]:
    """(METHOD, path) of every operation the running API documents in /openapi.json."""
    spec = api.get("/openapi.json").json
    return {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}


def require_route(api: ApiClient, method: str, path: str) -> None:
    """Skip (naming the route) while a route that is still being built is missing from /openapi.json."""
    if (method, path) not in documented_operations(api):
        pytest.skip(f"{method} {path} is not in /openapi.json yet (being built); this test runs once it is")


def future(days: int = 20) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def event_on_sale(
    api: ApiClient,
    token: str,
    capacity: int = 50,
    seats: int = 6,
    stock: int | None = 20,
    **fields,
) -> dict:
    """An event on sale over HTTP: a general sector, a seated sector (row A) and one add-on."""
    return general_and_seated_on_sale(
        api,
        token,
        general=(10000, capacity),
        seated=(20000, [{"row": "A", "seats": seats}]),
        add_on={"name": "Água", "price_cents": 500, "stock": stock},
        name="Prova",
        **fields,
    )


def hold(api: ApiClient, token: str, event: dict, quantity: int = 1, product: int = 0) -> dict:
    body: dict = {
        "event_id": event["id"],
        "tickets": [{"sector_id": event["general"]["id"], "quantity": quantity}],
    }
    if product:
        body["products"] = [{"product_id": event["product"]["id"], "quantity": product}]
    answer = api.post("/orders", token=token, json=body)
    assert answer.status == 201, answer.text
    return answer.json


def card(number: str = APPROVED_CARD, cvv: str = CVV) -> dict:
    return card_details(number=number, cvv=cvv)


def sign(raw: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def send_webhook(api: ApiClient, secret: str, payment_id: str, status: str):
    raw = json.dumps({"payment_id": payment_id, "status": status}).encode()
    return api.post(
        "/payments/webhook",
        raw=raw,
        headers={"Content-Type": "application/json", "X-Signature": sign(raw, secret)},
    )


def random_id() -> str:
    return str(uuid.uuid4())
