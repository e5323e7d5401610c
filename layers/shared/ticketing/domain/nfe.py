"""NF-e access key ("chave de acesso", 44 digits) and CNPJ check digits.

Key layout: cUF(2) AAMM(4) CNPJ(14) mod(2) serie(3) nNF(9) tpEmis(1) cNF(8) cDV(1). cDV is mod 11
with weights 2..9 from the right: DV = 11 - (sum mod 11), and 0 when that gives 10 or 11.
CNPJs are numeric only here (the alphanumeric CNPJ announced for 2026 is not supported).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ticketing.domain.check_digits import digits_of, has_check_digits

# IBGE codes of the 27 federative units.
UF_CODES = frozenset([*range(11, 18), *range(21, 30), 31, 32, 33, 35, 41, 42, 43, 50, 51, 52, 53])
_CNPJ_DIGITS = re.compile(r"[0-9]{14}")
_CNPJ_FORMATTED = re.compile(r"(\d{2})\.(\d{3})\.(\d{3})/(\d{4})-(\d{2})")
_YEAR_MONTH = re.compile(r"\d{2}(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class AccessKeyParts:
    """The fields of an access key."""

    uf_code: int
    year_month: str
    cnpj: str
    model: int
    series: int
    number: int
    emission_type: int
    random_code: int
    check_digit: int


def access_key_check_digit(first_43: str) -> int:
    """cDV of the first 43 digits: mod 11, weights 2..9 from the right; 10 and 11 become 0."""
    if len(first_43) != 43 or not first_43.isascii() or not first_43.isdigit():
        raise ValueError("the key without its check digit must have 43 digits")
    total = sum(int(char) * (2 + position % 8) for position, char in enumerate(reversed(first_43)))
    result = 11 - total % 11
    return 0 if result >= 10 else result


def normalize_cnpj(cnpj: str) -> str:
    """The 14 digits of a CNPJ given as "12345678000195" or "12.345.678/0001-95"; ValueError otherwise."""
    return digits_of(
        cnpj, _CNPJ_DIGITS, _CNPJ_FORMATTED, "CNPJ must be 14 digits or formatted as 00.000.000/0000-00"
    )


def _cnpj_digit(digits: str) -> int:
    weights = [2, 3, 4, 5, 6, 7, 8, 9]
    total = sum(int(char) * weights[position % 8] for position, char in enumerate(reversed(digits)))
    remainder = total % 11
    return 0 if remainder < 2 else 11 - remainder


def is_valid_cnpj(cnpj: str) -> bool:
    """True when the CNPJ is well formed, not one repeated digit, and both check digits are right."""
    return has_check_digits(cnpj, normalize_cnpj, _cnpj_digit)


def _ranged(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an integer from {low} to {high}")
    return value


def access_key(
    *,
    uf_code: int,
    year_month: str,
    cnpj: str,
    series: int,
    number: int,
    random_code: int,
    model: int = 55,
    emission_type: int = 1,
) -> str:
    """Build the 44-digit NF-e access key from its fields (keyword arguments), check digit included."""
    if uf_code not in UF_CODES:
        raise ValueError(f"unknown IBGE state code {uf_code}")
    if not _YEAR_MONTH.fullmatch(year_month):
        raise ValueError("year_month must be AAMM, e.g. '2503'")
    digits = normalize_cnpj(cnpj)
    _ranged("model", model, 1, 99)
    _ranged("series", series, 0, 999)
    _ranged("number", number, 1, 999_999_999)
    _ranged("emission_type", emission_type, 0, 9)
    _ranged("random_code", random_code, 0, 99_999_999)
    first_43 = (
        f"{uf_code:02d}{year_month}{digits}{model:02d}{series:03d}{number:09d}"
        f"{emission_type}{random_code:08d}"
    )
    return first_43 + str(access_key_check_digit(first_43))


def is_valid_access_key(key: str) -> bool:
    """True when `key` (spaces allowed) is 44 digits whose last digit is the right check digit."""
    digits = "".join(key.split())
    if len(digits) != 44 or not digits.isascii() or not digits.isdigit():
        return False
    return int(digits[43]) == access_key_check_digit(digits[:43])


def parse_access_key(key: str) -> AccessKeyParts:
    """Split a valid access key into its fields (ValueError when the check digit is wrong)."""
    digits = "".join(key.split())
    if not is_valid_access_key(digits):
        raise ValueError("not a valid NF-e access key")
    return AccessKeyParts(
        uf_code=int(digits[0:2]),
        year_month=digits[2:6],
        cnpj=digits[6:20],
        model=int(digits[20:22]),
        series=int(digits[22:25]),
        number=int(digits[25:34]),
        emission_type=int(digits[34]),
        random_code=int(digits[35:43]),
        check_digit=int(digits[43]),
    )
