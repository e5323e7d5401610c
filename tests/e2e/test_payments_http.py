"""Payments through the local runtime: the three methods over HTTP, the settle script, the signed webhook,
the paid order on the template's SNS topic (also across a publish failure), and the card-data scan."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from http_problems import assert_problem

from localrun.testing import database_text, held_order, logged_text, pista_on_sale
from ticketing.config import reload_settings

ROOT = Path(__file__).resolve().parents[2]
SETTLE = ROOT / "scripts" / "settle_payment.py"
CARD_NUMBER = "4111111111111111"
DECLINED_NUMBER = "4000000000000002"
CVV = "987"


@pytest.fixture
def event_on_sale(api, organizer_token):
    def create(**fields) -> dict:
        return pista_on_sale(api, organizer_token, 8000, 50, name="Samba na Praça", venue="Praça", **fields)

    return create


def hold(api, buyer, event: dict, quantity: int = 2) -> dict:
    return held_order(
        api, buyer.token, event["id"], [{"sector_id": event["sector_id"], "quantity": quantity}]
    )


def card(number: str = CARD_NUMBER, cvv: str = CVV) -> dict:
    return {"number": number, "holder": "Maria da Silva", "exp_month": 7, "exp_year": 2032, "cvv": cvv}


def webhook_secret(runtime) -> str:
    return runtime.environment["PAYMENT_WEBHOOK_SECRET"]


def settle(runtime, payment_id: str, action: str, secret: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own script
        [
            sys.executable,
            str(SETTLE),
            payment_id,
            action,
            "--api",
            runtime.base_url,
            "--secret",
            secret or webhook_secret(runtime),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_card_payments_over_http(api, new_buyer, event_on_sale, deliveries):
    event = event_on_sale(max_installments=4)
    buyer = new_buyer()
    order = hold(api, buyer, event)
    bad = api.post(
        f"/orders/{order['id']}/payments",
        token=buyer.token,
        json={"method": "card", "card": card("4111111111111112")},
    )
    assert assert_problem(bad, 422, "validation")["errors"][0]["field"] == "card.number"
    too_many = api.post(
        f"/orders/{order['id']}/payments",
        token=buyer.token,
        json={"method": "card", "installments": 5, "card": card()},
    )
    assert assert_problem(too_many, 422, "validation")["errors"][0]["field"] == "installments"
    declined = api.post(
        f"/orders/{order['id']}/payments",
        token=buyer.token,
        json={"method": "card", "card": card(DECLINED_NUMBER)},
    )
    assert declined.status == 201, declined.text
    assert (declined.json["status"], declined.json["card_last4"]) == ("declined", "0002")
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "reserved"
    approved = api.post(
        f"/orders/{order['id']}/payments",
        token=buyer.token,
        headers={"Idempotency-Key": "card-" + order["id"]},
        json={"method": "card", "installments": 4, "card": card()},
    )
    assert approved.status == 201, approved.text
    assert approved.json == {
        **approved.json,
        "order_id": order["id"],
        "method": "card",
        "status": "approved",
        "amount_cents": 16000,
        "installments": 4,
        "installment_cents": 4000,
        "card_brand": "visa",
        "card_last4": "1111",
    }
    replay = api.post(
        f"/orders/{order['id']}/payments",
        token=buyer.token,
        headers={"Idempotency-Key": "card-" + order["id"]},
        json={"method": "card", "installments": 4, "card": card()},
    )
    assert (replay.status, replay.json) == (201, approved.json)
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json
    assert shown["status"] == "paid" and shown["payment"]["id"] == approved.json["id"]
    again = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"})
    assert_problem(again, 409, "invalid-state")
    assert len(deliveries(order["id"])) == 1


def test_pix_and_boleto_over_http_settled_by_the_script(api, runtime, new_buyer, event_on_sale, deliveries):
    event = event_on_sale()
    buyer = new_buyer()
    order = hold(api, buyer, event)
    pix = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"})
    assert pix.status == 201, pix.text
    assert pix.json["status"] == "pending"
    assert pix.json["pix_copy_paste"].startswith("000201")
    assert pix.json["pix_qr_png"].startswith("data:image/png;base64,")
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "awaiting_payment"
    second = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "boleto"})
    assert_problem(second, 409, "invalid-state")

    wrong = settle(runtime, pix.json["id"], "approve", secret="not-the-secret")
    assert wrong.returncode != 0 and "401" in wrong.stderr
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "awaiting_payment"

    done = settle(runtime, pix.json["id"], "approve")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "payment_id": pix.json["id"],
        "status": "approved",
        "order_status": "paid",
    }
    assert settle(runtime, pix.json["id"], "approve").returncode == 0
    assert settle(runtime, pix.json["id"], "expire").returncode == 0
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "paid"
    assert len(deliveries(order["id"])) == 1
    assert settle(runtime, str(uuid.uuid4()), "approve").returncode != 0

    other = hold(api, buyer, event, quantity=1)
    slip = api.post(f"/orders/{other['id']}/payments", token=buyer.token, json={"method": "boleto"})
    assert slip.status == 201, slip.text
    assert len(slip.json["boleto_line"]) == 47 and len(slip.json["boleto_barcode"]) == 44
    assert slip.json["due_date"] and "pix_qr_png" not in slip.json
    declined = settle(runtime, slip.json["id"], "decline")
    assert json.loads(declined.stdout)["order_status"] == "reserved"
    retry = api.post(f"/orders/{other['id']}/payments", token=buyer.token, json={"method": "boleto"})
    assert retry.status == 201, retry.text
    expired = settle(runtime, retry.json["id"], "expire")
    assert json.loads(expired.stdout) == {
        "payment_id": retry.json["id"],
        "status": "expired",
        "order_status": "expired",
    }


def test_webhook_rejects_bad_signatures_over_http(api, runtime, new_buyer, event_on_sale):
    event = event_on_sale()
    buyer = new_buyer()
    order = hold(api, buyer, event)
    payment = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"}).json
    raw = json.dumps({"payment_id": payment["id"], "status": "approved"}).encode()
    good = "sha256=" + hmac.new(webhook_secret(runtime).encode(), raw, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json"}
    assert_problem(api.post("/payments/webhook", raw=raw, headers=headers), 401, "unauthorized")
    for signature in ("sha256=" + "f" * 64, good.replace("sha256=", ""), good + "00"):
        answer = api.post("/payments/webhook", raw=raw, headers={**headers, "X-Signature": signature})
        assert_problem(answer, 401, "unauthorized")
    tampered = raw.replace(b"approved", b"declined")
    assert_problem(
        api.post("/payments/webhook", raw=tampered, headers={**headers, "X-Signature": good}),
        401,
        "unauthorized",
    )
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "awaiting_payment"
    ok = api.post("/payments/webhook", raw=raw, headers={**headers, "X-Signature": good})
    assert (ok.status, ok.json["order_status"]) == (200, "paid")
    replay = api.post("/payments/webhook", raw=raw, headers={**headers, "X-Signature": good})
    assert (replay.status, replay.json) == (200, ok.json)


def test_a_paid_order_reaches_the_topic_across_a_publish_failure(
    api, runtime, new_buyer, event_on_sale, deliveries, monkeypatch
):
    event = event_on_sale()
    buyer = new_buyer()
    order = hold(api, buyer, event)
    monkeypatch.setenv("PAID_ORDERS_TOPIC_ARN", runtime.physical("PaidOrdersTopic").ref + "-unreachable")
    reload_settings()
    try:
        paid = api.post(
            f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "card", "card": card()}
        )
        assert (paid.status, paid.json["status"]) == (201, "approved")
        assert runtime.run_schedule_now("PublishOutboxFunction").succeeded
        assert deliveries(order["id"]) == []
    finally:
        monkeypatch.undo()
        reload_settings()
    assert runtime.run_schedule_now("PublishOutboxFunction").succeeded
    assert runtime.run_schedule_now("PublishOutboxFunction").succeeded
    assert len(deliveries(order["id"])) == 1


def _mentions_card_data(text: str) -> list[str]:
    found = []
    compact = re.sub(r"[ \-]", "", text)
    for number in (CARD_NUMBER, DECLINED_NUMBER):
        if number in compact:
            found.append(number)
    # The field name alone is fine (Powertools logs the parsed body masked: cvv=SecretStr('****')).
    if re.search(r"cvv[\"']?\s*[:=]\s*[\"']?\d", text, re.IGNORECASE):
        found.append("cvv")
    if re.search(rf"(?:^|[\"'=:\s]){CVV}(?:$|[\"'\s,}}])", text):
        found.append(CVV)
    return found


def test_card_data_is_never_stored_or_logged(api, new_buyer, event_on_sale, database_url, capfd, caplog):
    from ticketing.observability import logger as app_logger

    caplog.set_level(logging.DEBUG)
    previous = app_logger.log_level
    app_logger.setLevel("DEBUG")
    try:
        event = event_on_sale(max_installments=2)
        buyer = new_buyer()
        for number, key in ((DECLINED_NUMBER, "scan-1"), (CARD_NUMBER, "scan-2")):
            order = hold(api, buyer, event, quantity=1)
            answer = api.post(
                f"/orders/{order['id']}/payments",
                token=buyer.token,
                headers={"Idempotency-Key": key},
                json={"method": "card", "installments": 2, "card": card(number)},
            )
            assert answer.status == 201, answer.text
            assert _mentions_card_data(answer.text) == []
            invalid = api.post(
                f"/orders/{order['id']}/payments",
                token=buyer.token,
                json={"method": "card", "card": {**card(number), "cvv": CVV + "99"}},
            )
            assert invalid.status in (409, 422), invalid.text
            assert CARD_NUMBER not in invalid.text and CVV not in invalid.text
    finally:
        app_logger.setLevel(previous)
    logs = logged_text(capfd, caplog)
    assert logs.strip(), "nothing was logged: the log scan would prove nothing"
    assert _mentions_card_data(logs) == []
    stored = [v for v in database_text(database_url) if _mentions_card_data(v) or '"cvv"' in v.lower()]
    assert stored == []
    # The scanner itself finds card data where there is some.
    assert _mentions_card_data(json.dumps(card())) == [CARD_NUMBER, "cvv", CVV]
