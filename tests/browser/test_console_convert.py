"""The console's pure conversions (static/console/convert.js and chart.js's series), run in Chromium as the
page runs them: wall-clock times in an event's time zone, reais typed the Brazilian way, seat rows, CSV."""

from __future__ import annotations

import pytest


@pytest.fixture
def convert(open_page):
    """convert("parseMoney", "1,00"): a function of convert.js (or chart.js's chartSeries) called in the page."""
    page = open_page(path="/console.html")

    def run(name: str, *args):
        module = "/static/console/chart.js" if name == "chartSeries" else "/static/console/convert.js"
        return page.evaluate(
            "async ([module, name, args]) => (await import(module))[name](...args)",
            [module, name, list(args)],
        )

    return run


@pytest.mark.parametrize(
    ("local", "zone", "utc"),
    [
        ("2027-03-10T20:30", "America/Sao_Paulo", "2027-03-10T23:30:00Z"),
        ("2027-03-10T20:30", "America/Manaus", "2027-03-11T00:30:00Z"),
        ("2027-12-31T23:59", "America/Noronha", "2028-01-01T01:59:00Z"),
        ("2018-12-01T20:00", "America/Sao_Paulo", "2018-12-01T22:00:00Z"),  # summer time, abolished in 2019
    ],
)
def test_a_time_typed_in_the_events_zone_becomes_utc_and_back(convert, local, zone, utc):
    assert convert("zonedToUtc", local, zone) == utc
    assert convert("utcToZoned", utc, zone) == local


@pytest.mark.parametrize(
    ("typed", "cents"),
    [
        ("150,00", 15000),
        ("1.234,56", 123456),
        ("R$ 90", 9000),
        ("90.5", 9050),
        ("1.000", 100000),
        ("", None),
        ("12,345", None),
        ("-5", None),
        ("abc", None),
    ],
)
def test_reais_typed_the_brazilian_way_become_cents(convert, typed, cents):
    assert convert("parseMoney", typed) == cents


def test_rows_become_the_seats_the_api_will_label(convert):
    rows = [{"row": "A", "seats": 3}, {"row": "", "seats": 2}, {"row": "B", "seats": 1}]
    seats = convert("seatsOfRows", rows)
    assert [[s["label"] for s in r["seats"]] for r in seats] == [["A-1", "A-2", "A-3"], ["B-1"]]
    names = [convert("nextRowName", r) for r in ("", "A", "Y", "Z", "ZZ", "9")]
    assert names == ["A", "B", "Z", "AA", "AAA", "10"]


def test_the_order_desk_csv_is_portuguese_and_spreadsheet_friendly(convert):
    rows = [["e-mail", "total (R$)"], ["ana@example.com", "1234,56"], ['diz "oi"; tchau', ""]]
    assert (
        convert("csvText", rows)
        == '\ufeffe-mail;total (R$)\r\nana@example.com;1234,56\r\n"diz ""oi""; tchau";\r\n'
    )


def test_the_chart_counts_days_without_sales_as_zero(convert):
    days = [
        {"date": "2027-01-03", "tickets": 2, "revenue_cents": 5000},
        {"date": "2027-01-01", "tickets": 1, "revenue_cents": 1000},
    ]
    x, tickets, reais = convert("chartSeries", days)
    assert [b - a for a, b in zip(x, x[1:], strict=False)] == [86400, 86400]
    assert (tickets, reais) == ([1, 0, 2], [10, 0, 50])
