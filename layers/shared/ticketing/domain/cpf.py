"""CPF (Cadastro de Pessoas Físicas): normalise, validate, mask, format and generate."""

from __future__ import annotations

import random
import re

from ticketing.domain.check_digits import digits_of, has_check_digits

_FORMATTED = re.compile(r"(\d{3})\.(\d{3})\.(\d{3})-(\d{2})")
_DIGITS = re.compile(r"\d{11}")


def _check_digit(digits: str) -> int:
    """Mod-11 check digit over `digits`, weights counting down from len(digits) + 1 to 2."""
    weight = len(digits) + 1
    total = sum(int(d) * (weight - i) for i, d in enumerate(digits))
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def normalize_cpf(text: str) -> str:
    """Return the 11 digits of a CPF written as "123.456.789-09" or "12345678909"; ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError("CPF must be a string")
    return digits_of(text, _DIGITS, _FORMATTED, "CPF must be 11 digits or formatted as 000.000.000-00")


def is_valid_cpf(text: str) -> bool:
    """True when `text` is a well-formed CPF whose two check digits are right (repeated digits rejected)."""
    return has_check_digits(text, normalize_cpf, _check_digit)


def mask_cpf(text: str) -> str:
    """Hide the first three and the last two digits, for logs: "12345678909" -> "***.456.789-**"."""
    digits = normalize_cpf(text)
    return f"***.{digits[3:6]}.{digits[6:9]}-**"


def format_cpf(text: str) -> str:
    """Format a CPF as "000.000.000-00"."""
    digits = normalize_cpf(text)
    return f"{digits[:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:]}"


def generate_cpf(rng: random.Random) -> str:
    """Return a random valid CPF (11 digits) drawn from `rng`, for tests and demo data."""
    while True:
        base = "".join(str(rng.randrange(10)) for _ in range(9))
        if len(set(base)) > 1:
            break
    first = _check_digit(base)
    second = _check_digit(base + str(first))
    return f"{base}{first}{second}"
