"""Payment card numbers: Luhn check, brand from the BIN, last four digits, normalisation.

Never log a full card number: use `last_four`.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[ \-]")

# Elo and Hiper/Hipercard BIN ranges as published in braintree/credit-card-type
# (src/lib/card-types.ts), the list most payment front ends use. Inclusive (low, high) 6-digit ranges.
_ELO_RANGES: tuple[tuple[int, int], ...] = (
    (401178, 401179),
    (431274, 431274),
    (438935, 438935),
    (451416, 451416),
    (457393, 457393),
    (457631, 457632),
    (504175, 504175),
    (506699, 506778),
    (509000, 509999),
    (627780, 627780),
    (636297, 636297),
    (636368, 636368),
    (650031, 650033),
    (650035, 650051),
    (650405, 650439),
    (650485, 650538),
    (650541, 650598),
    (650700, 650718),
    (650720, 650727),
    (650901, 650978),
    (651652, 651679),
    (655000, 655019),
    (655021, 655058),
)
# Hipercard (606282, and the 3841xx 19-digit cards) plus Hiper, the newer brand of the same issuer:
# both are reported as "hipercard".
_HIPERCARD_PREFIXES: tuple[str, ...] = (
    "606282",
    "384100",
    "384140",
    "384160",
    "637095",
    "63737423",
    "63743358",
    "637568",
    "637599",
    "637609",
    "637612",
)


def normalize_card_number(number: str) -> str:
    """Strip spaces and dashes; ValueError unless what is left is 12 to 19 digits."""
    if not isinstance(number, str):
        raise ValueError("card number must be a string")
    digits = _SEPARATORS.sub("", number.strip())
    if not digits.isascii() or not digits.isdigit():
        raise ValueError("card number must contain only digits, spaces and dashes")
    if not 12 <= len(digits) <= 19:
        raise ValueError("card number must have 12 to 19 digits")
    return digits


def luhn_valid(number: str) -> bool:
    """True when the normalised number passes the Luhn (mod 10) check."""
    try:
        digits = normalize_card_number(number)
    except ValueError:
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def card_brand(number: str) -> str:
    """Brand from the BIN: "visa", "mastercard", "amex", "elo", "hipercard" or "unknown"."""
    try:
        digits = normalize_card_number(number)
    except ValueError:
        return "unknown"
    bin6 = int(digits[:6])
    # Elo BINs overlap Visa (4xxxxx) and Maestro/Discover ranges, so Elo is checked first.
    if any(low <= bin6 <= high for low, high in _ELO_RANGES):
        return "elo"
    if digits.startswith(_HIPERCARD_PREFIXES):
        return "hipercard"
    if digits.startswith(("34", "37")) and len(digits) == 15:
        return "amex"
    if digits.startswith("4"):
        return "visa"
    two, four = int(digits[:2]), int(digits[:4])
    if 51 <= two <= 55 or 2221 <= four <= 2720:
        return "mastercard"
    return "unknown"


def last_four(number: str) -> str:
    """The last four digits of a card number (safe to show and log)."""
    return normalize_card_number(number)[-4:]
