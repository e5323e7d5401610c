"""The local API Pix simulator, and our adapter's requests to it, against the official OpenAPI document of
API Pix (bacen/pix-api 2.9.0, kept in docs/specs/) with a maintained validator (openapi-schema-validator):
every request body the adapter sends and every response the simulator gives, for every operation we use,
and the webhook body the simulator notifies. A payment flow runs through the real services, over HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker

from localrun.pix_simulator import PixSimulator
from ticketing import payments_provider
from ticketing.api.orders import OrderIn
from ticketing.api.payments import PaymentIn
from ticketing.config import reload_settings
from ticketing.services import orders, payments, pix_payments, refunds
from ticketing.webhook import forget_pix_secret

SPEC_PATH = Path(__file__).resolve().parents[2] / "docs" / "specs" / "bacen-pix-api-2.9.0.yaml"
SPEC = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
# A defect of the official document: PessoaFisica's CPF pattern is written with JavaScript slashes
# ("/^\\d{11}$/"), which as an ECMA-262 pattern matches no CPF at all. Corrected here, and only here.
CPF_PATTERN_AS_PUBLISHED = "/^\\d{11}$/"
assert (
    SPEC["components"]["schemas"]["PessoaFisica"]["properties"]["cpf"]["pattern"] == CPF_PATTERN_AS_PUBLISHED
)
SPEC["components"]["schemas"]["PessoaFisica"]["properties"]["cpf"]["pattern"] = "^\\d{11}$"
# Another: DadosRecebedor requires the receiver's address fields of the charge itself as well as of its
# `recebedor` (where they belong, and where they stay required).
RECEIVER_SCHEMA = SPEC["components"]["schemas"]["DadosRecebedor"]
assert RECEIVER_SCHEMA.pop("required") == ["logradouro", "cidade", "uf", "cep"]
assert {"required": ["logradouro", "cidade", "uf", "cep"]} in RECEIVER_SCHEMA["properties"]["recebedor"][
    "allOf"
]
USED = {
    ("PUT", "/cob/{txid}"),
    ("GET", "/cob/{txid}"),
    ("PUT", "/cobv/{txid}"),
    ("GET", "/cobv/{txid}"),
    ("GET", "/pix/{e2eid}"),
    ("PUT", "/pix/{e2eid}/devolucao/{id}"),
    ("GET", "/pix/{e2eid}/devolucao/{id}"),
    ("PUT", "/webhook/{chave}"),
    ("GET", "/webhook/{chave}"),
}


def resolved(node: dict) -> dict:
    """A `$ref` to another part of the document, followed (request bodies and responses are referenced)."""
    while "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def check(schema: dict, instance: Any, validator: type) -> None:
    # The schema's own `$ref`s point into the document's components: give it them at its root.
    validator({**schema, "components": SPEC["components"]}, format_checker=oas30_format_checker).validate(
        instance
    )


def check_exchange(exchange: dict) -> None:
    operation = SPEC["paths"][exchange["path"]][exchange["method"].lower()]
    if "requestBody" in operation:
        body = resolved(operation["requestBody"])
        check(body["content"]["application/json"]["schema"], exchange["request"], OAS30WriteValidator)
    response = resolved(operation["responses"][str(exchange["status"])])
    content = response.get("content")
    if content is None:
        assert exchange["response"] is None, exchange
        return
    media = "application/problem+json" if exchange["status"] >= 400 else "application/json"
    check(content[media]["schema"], exchange["response"], OAS30ReadValidator)


@pytest.fixture
def bank(database_url: str, moto_server: str, pix_simulator: PixSimulator):
    notices: list[bytes] = []

    def deliver(raw: bytes, signature: str) -> int:
        notices.append(raw)
        pix_payments.handle_webhook(raw, signature)
        return 200

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PIX_WEBHOOK_SECRET", "local-pix-secret")
        patch.setattr(pix_simulator, "deliver", deliver)
        reload_settings()
        forget_pix_secret()
        pix_simulator.control({"foraDoAr": False, "recusarDevolucoes": False})
        yield pix_simulator, notices
    reload_settings()


def test_the_spec_copy_is_the_official_release():
    assert SPEC["info"]["version"] == "2.9.0"
    assert "Apache" in SPEC["info"]["license"]["name"]


def test_every_exchange_of_a_payment_and_its_refund_follows_the_official_openapi(
    bank, make_event, new_user, organizer
):
    sim, notices = bank
    first = sim.exchange_count
    ev = make_event()
    buyer = new_user()
    provider = payments_provider.provider()
    provider.register_webhook(
        "pagamentos@ticketing.example.com", "https://api.example.com/payments/pix/webhook"
    )
    provider.call("GET", "/webhook/pagamentos%40ticketing.example.com")

    tickets = [{"sector_id": ev["general"]["id"], "quantity": 1}]
    order = orders.hold_order(buyer, OrderIn(event_id=ev["event"]["id"], tickets=tickets)).order
    payment = payments.create_payment(buyer, order["id"], PaymentIn(method="pix")).payment
    provider.call("GET", f"/cob/{payment['pix_txid']}")
    pix = sim.pay({"pixCopiaECola": payment["pix_copy_paste"]})
    provider.get_pix(pix["endToEndId"])
    provider.call("GET", f"/cob/{payment['pix_txid']}")  # now CONCLUIDA, with its pix
    refunds.refund_order(organizer, order["id"])
    devolution_id = "D" + payment["id"].replace("-", "")
    provider.get_devolution(pix["endToEndId"], devolution_id)
    sim.settle_devolutions()
    provider.get_pix(pix["endToEndId"])

    boleto_buyer = new_user()
    boleto_order = orders.hold_order(boleto_buyer, OrderIn(event_id=ev["event"]["id"], tickets=tickets)).order
    boleto = payments.create_payment(boleto_buyer, boleto_order["id"], PaymentIn(method="boleto")).payment
    provider.call("GET", f"/cobv/{boleto['pix_txid']}")
    provider.call("GET", "/cob/NoSuchChargeNoSuchCharge0000")  # a 404 problem

    exchanges = [e for e in sim.exchanges if e["seq"] > first]
    assert {(e["method"], e["path"]) for e in exchanges} >= USED
    for exchange in exchanges:
        check_exchange(exchange)
    assert any(e["status"] == 404 for e in exchanges)

    webhook_schema = resolved(SPEC["components"]["requestBodies"]["WebhookPixBody"])["content"][
        "application/json"
    ]
    assert len(notices) >= 2  # the payment, then its devolution's final status
    for raw in notices:
        check(webhook_schema["schema"], json.loads(raw), OAS30ReadValidator)
    assert any("devolucoes" in item for raw in notices for item in json.loads(raw)["pix"])
