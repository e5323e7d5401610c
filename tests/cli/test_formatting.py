"""Brazilian formats of the CLI (no API needed)."""

import pytest

from ticketing_cli.client import describe_problem
from ticketing_cli.formatting import boleto_line, local_time, money, parse_money


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (0, "R$ 0,00"),
        (5, "R$ 0,05"),
        (123456, "R$ 1.234,56"),
        (100000000, "R$ 1.000.000,00"),
        (-990, "-R$ 9,90"),
    ],
)
def test_money(cents, text):
    assert money(cents) == text


@pytest.mark.parametrize(
    ("text", "cents"), [("180", 18000), ("180,00", 18000), ("1.234,56", 123456), ("12.5", 1250)]
)
def test_parse_money(text, cents):
    assert parse_money(text) == cents


@pytest.mark.parametrize("text", ["abc", "-1", "1,234"])
def test_parse_money_refuses(text):
    with pytest.raises(ValueError):
        parse_money(text)


def test_local_time_uses_the_event_time_zone():
    assert local_time("2027-01-24T23:00:00Z", "America/Sao_Paulo") == "24/01/2027 20:00 -03"
    assert local_time("2027-01-24T23:00:00Z", "America/Manaus") == "24/01/2027 19:00 -04"


def test_boleto_line_is_grouped_as_printed():
    printed = "23793.38128 60000.000003 00000.000400 1 84340000010000"
    digits = printed.replace(".", "").replace(" ", "")
    assert len(digits) == 47
    assert boleto_line(digits) == printed


def test_problem_is_one_line():
    body = {
        "type": "https://ticketing.example.com/problems/sold-out",
        "title": "Sold out",
        "status": 409,
        "detail": "Only 2 place(s)\\nleft in this sector",
    }
    assert describe_problem(409, body, "") == ("sold-out", "Only 2 place(s)\\nleft in this sector")
    body["errors"] = [{"field": "tickets[0].quantity", "message": "must be at least 1"}]
    assert describe_problem(422, body, "") == ("sold-out", "tickets[0].quantity: must be at least 1")
