"""Card numbers: Luhn and brand, checked against gateway test numbers and published BIN lists."""

from __future__ import annotations

import pytest

from ticketing.domain.card import card_brand, last_four, luhn_valid, normalize_card_number


@pytest.mark.parametrize(
    "number",
    [
        "4111111111111111",  # Visa test card (Stripe, Braintree, Cielo sandboxes)
        "4000000000000002",  # Visa test card
        "5555555555554444",  # Mastercard test card
        "378282246310005",  # Amex test card
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
    ],
)
def test_published_test_cards_pass_luhn(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize(
    "number", ["4111111111111112", "5555555555554445", "378282246310006", "4111111111111", "abcd"]
)
def test_luhn_rejects_wrong_numbers(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4111111111111111", "visa"),
        ("4000000000000002", "visa"),
        ("5555555555554444", "mastercard"),
        ("5454545454545454", "mastercard"),
        ("2223000048400011", "mastercard"),  # 2-series BIN
        ("378282246310005", "amex"),
        ("371449635398431", "amex"),
        # From braintree/credit-card-type src/__tests__/index.ts:
        ("5066991111111118", "elo"),
        ("6277809990229178", "elo"),
        ("6500331111111111", "elo"),
        ("4576321111111111", "elo"),  # an Elo BIN inside the Visa "4" range
        ("6062820524845321", "hipercard"),
        ("6370950000000005", "hipercard"),  # Hiper, reported as hipercard
        ("6011111111111117", "unknown"),  # Discover is not accepted here
        ("3530111333300000", "unknown"),  # JCB
    ],
)
def test_brand(number: str, brand: str) -> None:
    assert card_brand(number) == brand


def test_brand_of_garbage_is_unknown() -> None:
    assert card_brand("not a card") == "unknown"
    assert card_brand("4111") == "unknown"


def test_normalize_strips_separators_and_checks_length() -> None:
    assert normalize_card_number(" 4111-1111 1111-1111 ") == "4111111111111111"
    assert normalize_card_number("4" * 12) == "4" * 12
    assert normalize_card_number("4" * 19) == "4" * 19
    for bad in (
        "4" * 11,
        "4" * 20,
        "4111.1111.1111.1111",
        "4111x11111111111",
        "４１１１１１１１１１１１１１１１",
    ):
        with pytest.raises(ValueError):
            normalize_card_number(bad)


def test_last_four() -> None:
    assert last_four("4111 1111 1111 1234") == "1234"
    assert last_four("378282246310005") == "0005"
