"""The invoice document and its access key, and the document links (pure code, no database, no AWS)."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime

import pytest

from ticketing import documents
from ticketing.domain import nfe
from ticketing.services import invoices

ISSUED = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


def source(fee_cents: int = 0) -> dict:
    return {
        "order_id": "0f0e0d0c-0000-4000-8000-000000000001",
        "event_id": "0f0e0d0c-0000-4000-8000-000000000002",
        "buyer_name": "Ana Souza",
        "buyer_cpf": "52998224725",
        "event_name": "Festival de Verão",
        "venue": "Arena",
        "starts_at": datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
        "doc": {
            "tickets": [
                {
                    "sector": "Pista",
                    "seat_label": None,
                    "quantity": 3,
                    "type": "full",
                    "half_category": None,
                    "unit_price_cents": 10000,
                    "unit_fee_cents": 1000,
                },
                {
                    "sector": "Plateia",
                    "seat_label": "B-12",
                    "quantity": 1,
                    "type": "half",
                    "half_category": "student",
                    "unit_price_cents": 5000,
                    "unit_fee_cents": 500,
                },
            ],
            "products": [{"product_id": "p1", "name": "Pipoca", "quantity": 2, "unit_price_cents": 1500}],
            "tickets_cents": 35000,
            "fee_cents": fee_cents,
            "products_cents": 3000,
            "total_cents": 38000 + fee_cents,
            "payment": {
                "method": "card",
                "installments": 3,
                "installment_cents": 12666 + fee_cents // 3,
                "amount_cents": 38000 + fee_cents,
            },
        },
    }


def company() -> invoices.Issuer:
    return invoices.Issuer(
        "Ticketing Eventos Ltda", "11222333000181", "SP", "Av. Paulista, 1000", "São Paulo", 1
    )


def test_the_default_issuer_is_valid_and_every_state_has_its_ibge_code():
    assert nfe.is_valid_cnpj(invoices.issuer().cnpj)
    assert set(invoices.UF_CODES.values()) == set(nfe.UF_CODES)
    assert len(invoices.UF_CODES) == 27 and company().uf_code == 35


@pytest.mark.parametrize("number", [1, 2, 9, 10, 123, 999_999, 999_999_999])
def test_access_keys_carry_their_fields_and_a_valid_check_digit(number):
    key = nfe.access_key(
        uf_code=35, year_month="2611", cnpj="11222333000181", series=1, number=number, random_code=12345678
    )
    assert len(key) == 44 and nfe.is_valid_access_key(key)
    parts = nfe.parse_access_key(key)
    assert (
        parts.uf_code,
        parts.year_month,
        parts.model,
        parts.series,
        parts.number,
        parts.emission_type,
    ) == (
        35,
        "2611",
        55,
        1,
        number,
        1,
    )
    wrong = key[:43] + str((int(key[43]) + 1) % 10)
    assert not nfe.is_valid_access_key(wrong)


def test_the_document_lists_tickets_fee_and_add_ons_that_add_up_to_the_total():
    document = invoices.invoice_document(source(fee_cents=3500), company(), 42, "3" * 44, ISSUED)
    assert [item["kind"] for item in document["items"]] == ["ticket", "ticket", "service_fee", "product"]
    assert (
        sum(item["total_cents"] for item in document["items"]) == document["totals"]["total_cents"] == 41500
    )
    general, seated, fee, product = document["items"]
    assert (general["quantity"], general["unit_cents"], general["total_cents"]) == (3, 10000, 30000)
    assert (seated["seat_label"], seated["type"], seated["half_category"]) == ("B-12", "half", "student")
    assert "estudante" in seated["description"]
    assert (fee["description"], fee["total_cents"]) == ("Taxa de conveniência", 3500)
    assert (product["description"], product["quantity"], product["total_cents"]) == ("Pipoca", 2, 3000)
    assert document["issuer"]["cnpj"] == "11222333000181" and document["buyer"] == {
        "name": "Ana Souza",
        "cpf": "52998224725",
    }
    assert (document["model"], document["series"], document["number"], document["issued_at"]) == (
        55,
        1,
        42,
        "2026-11-30T23:30:00Z",
    )
    assert document["payment"]["installments"] == 3


def test_no_fee_no_fee_line():
    document = invoices.invoice_document(source(), company(), 1, "3" * 44, ISSUED)
    assert "service_fee" not in [item["kind"] for item in document["items"]]


def test_document_links_are_presigned_sigv4_gets_valid_for_15_minutes(monkeypatch):
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_DEFAULT_REGION": "sa-east-1",
        "AWS_ENDPOINT_URL": "https://s3.example.test",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(documents, "_signers", {})
    monkeypatch.setattr(documents, "_bucket", lambda: "docs")

    url = documents.download_link(documents.invoice_key("e1", "o1"))

    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert parts.path.endswith("/invoices/e1/o1.json")
    assert query["X-Amz-Expires"] == "900" and query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256"
    assert "X-Amz-Signature" in query


def test_document_keys_are_predictable():
    assert documents.invoice_key("e", "o") == "invoices/e/o.json"
    assert documents.cancellation_key("e", "o") == "invoices/e/o.cancellation.json"
    assert documents.ticket_pdf_key("o", "t") == "tickets/o/t.pdf"
