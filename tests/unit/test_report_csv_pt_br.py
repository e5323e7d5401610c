"""The pt-BR CSV of the report, without a database: separators, amounts, headers, BOM."""

from __future__ import annotations

import csv
import io

import pytest

from ticketing.domain.statuses import ORDER_STATUS_WORDS_PT_BR, ORDER_STATUSES
from ticketing.services.reports import brazilian_amount, report_csv, report_csv_pt_br

REPORT = {
    "event_id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "tickets_sold": 7,
    "revenue_cents": 123300,
    "fees_cents": 3300,
    "net_cents": 120000,
    "by_sector": [
        {
            "sector_id": "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f",
            "name": "Pista; Premium",
            "capacity": 1000,
            "available": 993,
            "tickets_sold": 7,
            "revenue_cents": 123300,
            "fees_cents": 3300,
            "seat_map_views": 0,
            "tiers": [{"name": "1º lote", "price_cents": 15000, "sold": 7}],
        }
    ],
    "orders_by_status": {"paid": 3, "awaiting_payment": 1},
    "products_sold": [],
    "sales_by_day": [{"date": "2027-01-31", "tickets": 7, "revenue_cents": 123300}],
}


@pytest.mark.parametrize(
    ("cents", "text"),
    [(0, "0,00"), (5, "0,05"), (123300, "1.233,00"), (123456789, "1.234.567,89"), (-150, "-1,50")],
)
def test_amounts_have_a_thousands_dot_and_a_decimal_comma(cents, text):
    assert brazilian_amount(cents) == text


def test_the_pt_br_csv_is_utf8_with_bom_semicolons_and_portuguese_words():
    text = report_csv_pt_br(REPORT)
    assert text.encode("utf-8").startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0] == [
        "tipo",
        "id",
        "nome",
        "capacidade",
        "disponíveis",
        "ingressos vendidos",
        "quantidade",
        "receita (R$)",
        "taxas (R$)",
        "líquido (R$)",
        "visualizações do mapa",
        "pedidos",
    ]
    assert rows[1][0] == "evento" and rows[1][7:10] == ["1.233,00", "33,00", "1.200,00"]
    assert rows[2][:3] == [
        "setor",
        REPORT["by_sector"][0]["sector_id"],
        "Pista; Premium",
    ]  # quoted, kept whole
    assert ";" in text.splitlines()[2] and '"Pista; Premium"' in text
    assert rows[3][0] == "lote" and rows[3][5] == "7"
    assert rows[4][:3] == ["dia", "", "31/01/2027"] and rows[4][7] == "1.233,00"
    assert [row[2] for row in rows[5:]] == ["aguardando pagamento", "pago"]


def test_the_machine_csv_stays_in_cents_with_commas():
    text = report_csv(REPORT)
    assert text.splitlines()[0].startswith("kind,id,name,capacity")
    assert ",123300," in text and "\ufeff" not in text


def test_every_order_status_has_its_portuguese_word():
    assert set(ORDER_STATUS_WORDS_PT_BR) == set(ORDER_STATUSES)
    assert all(ORDER_STATUS_WORDS_PT_BR.values())
