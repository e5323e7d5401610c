"""API Pix (issue 20) through the local runtime over HTTP: a PIX payment's charge and dynamic BR Code, paid
at the simulator's "bank app", which notifies POST /payments/pix/webhook/pix over HTTP (signed); an
organizer's refund as a devolution that ends DEVOLVIDO; the settle script paying through the simulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from http_problems import assert_problem

from localrun.pix_simulator import PixSimulator, post_json
from localrun.testing import held_order, pista_on_sale, post_signed
from ticketing import payments_provider
from ticketing.domain import pix

ROOT = Path(__file__).resolve().parents[2]
SETTLE = ROOT / "scripts" / "settle_payment.py"


@pytest.fixture
def bank(runtime, pix_simulator: PixSimulator) -> PixSimulator:
    """The simulator notifies this runtime (registered as a provider's webhook is: PUT /webhook/{chave})."""
    pix_simulator.control({"foraDoAr": False, "recusarDevolucoes": False})
    payments_provider.provider().register_webhook(
        runtime.environment.get("PIX_KEY", "pagamentos@ticketing.example.com"),
        f"{runtime.base_url}/payments/pix/webhook",
    )
    return pix_simulator


@pytest.fixture
def held(api, organizer_token, new_buyer):
    def hold() -> tuple[object, dict, dict]:
        event = pista_on_sale(api, organizer_token, 6000, 20, name="Forró no Parque", venue="Parque")
        buyer = new_buyer()
        order = held_order(api, buyer.token, event["id"], [{"sector_id": event["sector_id"], "quantity": 2}])
        return buyer, order, event

    return hold


def test_a_pix_paid_at_the_bank_pays_the_order_through_the_api_pix_webhook(api, bank, held):
    buyer, order, _ = held()
    payment = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"})
    assert payment.status == 201, payment.text
    body = payment.json
    assert 26 <= len(body["pix_txid"]) <= 35 and body["pix_location"]
    fields = pix.parse_emv(body["pix_copy_paste"])
    assert fields["01"] == "12" and fields["26"]["25"] == body["pix_location"] and fields["62"]["05"] == "***"
    assert pix.verify_crc(body["pix_copy_paste"])
    status, paid = post_json(bank.base_url + "/simulador/pagar", {"pixCopiaECola": body["pix_copy_paste"]})
    assert status == 201, paid
    assert bank.webhook_answers[-1] == 200
    shown = api.get(f"/orders/{order['id']}", token=buyer.token)
    assert shown.json["status"] == "paid" and shown.json["payment"]["status"] == "approved"


def test_a_badly_signed_api_pix_notice_is_401(api, bank):
    raw = json.dumps({"pix": []}).encode()
    answer = api.post(
        "/payments/pix/webhook/pix",
        raw=raw,
        headers={"Content-Type": "application/json", "X-Signature": "sha256=" + "0" * 64},
    )
    assert_problem(answer, 401, "unauthorized")


def test_an_empty_batch_correctly_signed_is_422_naming_the_field(api, bank, runtime):
    raw = json.dumps({"pix": []}).encode()
    answer = post_signed(api, "/payments/pix/webhook/pix", raw, runtime.environment["PIX_WEBHOOK_SECRET"])
    assert_problem(answer, 422, "validation")
    assert [e["field"] for e in answer.json["errors"]] == ["pix"]


def test_an_organizer_refund_of_a_pix_is_a_devolution_that_ends_devolvido(api, bank, held, organizer_token):
    buyer, order, _ = held()
    payment = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"}).json
    post_json(bank.base_url + "/simulador/pagar", {"pixCopiaECola": payment["pix_copy_paste"]})
    refunded = api.post(f"/orders/{order['id']}/refund", token=organizer_token)
    assert refunded.status == 200, refunded.text
    assert refunded.json["status"] == "refunded"
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json["payment"]
    assert shown["status"] == "refund_due"
    assert shown["refund"]["status"] == "EM_PROCESSAMENTO"
    assert shown["refund"]["id"] == "D" + payment["id"].replace("-", "")
    status, settled = post_json(bank.base_url + "/simulador/devolucoes/liquidar", {})
    assert status == 200 and settled["e2eids"]
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json["payment"]
    assert shown["status"] == "refunded" and shown["refund"]["status"] == "DEVOLVIDO"


def test_the_settle_script_pays_a_pix_through_the_simulator(api, bank, held):
    buyer, order, _ = held()
    payment = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"}).json
    done = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(SETTLE), payment["id"], "pay", "--pix-api", bank.base_url],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "paid"


def test_refunds_asked_while_the_provider_is_down_are_devolved_once_by_the_scheduled_publisher(
    api, bank, held, organizer_token, runtime
):
    buyer, order, _ = held()
    payment = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"}).json
    _, paid = post_json(bank.base_url + "/simulador/pagar", {"pixCopiaECola": payment["pix_copy_paste"]})
    e2eid = paid["endToEndId"]
    post_json(bank.base_url + "/simulador/estado", {"foraDoAr": True})
    try:
        refunded = api.post(f"/orders/{order['id']}/refund", token=organizer_token)
        assert refunded.status == 200 and refunded.json["status"] == "refunded"  # the refund stands
        runtime.run_schedule_now("PublishOutboxFunction")  # still down: nothing reaches the provider
        assert "devolucoes" not in bank.get_pix(e2eid)
    finally:
        post_json(bank.base_url + "/simulador/estado", {"foraDoAr": False})
    for _ in range(3):  # back: the next runs ask once; later runs find nothing more to ask
        runtime.run_schedule_now("PublishOutboxFunction")
    assert [d["id"] for d in bank.get_pix(e2eid)["devolucoes"]] == ["D" + payment["id"].replace("-", "")]
    post_json(bank.base_url + "/simulador/devolucoes/liquidar", {})
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json["payment"]
    assert shown["status"] == "refunded" and shown["refund"]["status"] == "DEVOLVIDO"
