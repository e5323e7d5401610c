"""What CPF and CNPJ share: written plain or formatted, and ending with two check digits of what comes before."""

from __future__ import annotations

import re
from collections.abc import Callable


def digits_of(text: str, plain: re.Pattern[str], formatted: re.Pattern[str], refusal: str) -> str:
    """The digits of a number written plain (`plain` matches) or `formatted` (its groups joined); ValueError
    with `refusal` otherwise."""
    if not isinstance(text, str):
        raise ValueError(refusal)
    value = text.strip()
    if plain.fullmatch(value):
        return value
    match = formatted.fullmatch(value)
    if match:
        return "".join(match.groups())
    raise ValueError(refusal)


def has_check_digits(text: str, normalize: Callable[[str], str], check_digit: Callable[[str], int]) -> bool:
    """True when `normalize` accepts `text` and its digits are not one digit repeated and end with the two
    check digits `check_digit` computes (the second over the body and the first)."""
    try:
        digits = normalize(text)
    except ValueError:
        return False
    if len(set(digits)) == 1:
        return False
    body = digits[:-2]
    first = check_digit(body)
    return digits[-2:] == f"{first}{check_digit(body + str(first))}"
