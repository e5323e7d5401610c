"""Boleto de cobrança (FEBRABAN layout): 44-digit barcode and 47-digit typeable line ("linha digitável").

Barcode positions: bank (3) | currency "9" (1) | general DV (1) | due-date factor (4) | amount in
cents (10) | free field (25, the bank's own layout). The typeable line regroups the same digits into
three fields with mod-10 check digits, the general DV, then factor + amount.

Due-date factor: days since 1997-10-07 for dates up to 2025-02-21 (factor 9999); from 2025-02-22 the
factor restarted at 1000 (factor = 1000 + days since 2025-02-22). A factor of 0 means "no due date".
Reading a factor back into a date is therefore ambiguous; `due_date_from_factor` picks the candidate
nearest to a reference date, as FEBRABAN recommends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

OLD_BASE = date(1997, 10, 7)
NEW_CYCLE_START = date(2025, 2, 22)  # factor 1000 of the second cycle
_LAST_OLD_DATE = NEW_CYCLE_START - timedelta(days=1)  # factor 9999 of the first cycle
_SEPARATORS = re.compile(r"[\s.\-]")
MAX_AMOUNT_CENTS = 9_999_999_999


@dataclass(frozen=True)
class BoletoInfo:
    """What a barcode or typeable line says: bank, amount, due date and the bank's free field."""

    bank: str
    currency: str
    amount_cents: int
    factor: int
    due_date: date | None
    free_field: str
    barcode: str


def _digits(text: str, length: int, what: str) -> str:
    """Strip separators (spaces, dots, dashes) and require exactly `length` digits."""
    value = _SEPARATORS.sub("", text)
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise ValueError(f"{what} must have {length} digits")
    return value


def mod10(digits: str) -> int:
    """FEBRABAN mod-10 check digit: weights 2,1 from the right, digits of each product summed."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        product = int(char) * (2 if position % 2 == 0 else 1)
        total += product // 10 + product % 10
    return (10 - total % 10) % 10


def mod11_barcode(digits: str) -> int:
    """General barcode DV: mod 11, weights 2..9 from the right; 0, 10 and 11 become 1."""
    total = sum(int(char) * (2 + position % 8) for position, char in enumerate(reversed(digits)))
    result = 11 - total % 11
    return 1 if result in (0, 10, 11) else result


def due_date_factor(due_date: date | None) -> int:
    """The 4-digit factor of a due date (0 when there is none), in the cycle the date belongs to."""
    if due_date is None:
        return 0
    if due_date >= NEW_CYCLE_START:
        factor = 1000 + (due_date - NEW_CYCLE_START).days
    else:
        factor = (due_date - OLD_BASE).days
    if not 1 <= factor <= 9999:
        raise ValueError(f"due date {due_date.isoformat()} has no due-date factor")
    return factor


def due_date_from_factor(factor: int, reference: date | None = None) -> date | None:
    """The due date a factor stands for: of the candidate dates, the one nearest `reference` (today)."""
    if factor == 0:
        return None
    if not 1 <= factor <= 9999:
        raise ValueError("factor must be 0 to 9999")
    reference = reference or date.today()
    candidates = [OLD_BASE + timedelta(days=factor)]
    if factor >= 1000:
        candidates.append(NEW_CYCLE_START + timedelta(days=factor - 1000))
    return min(candidates, key=lambda candidate: abs((candidate - reference).days))


def barcode(bank: str, amount_cents: int, due_date: date | None, free_field: str) -> str:
    """Build the 44-digit barcode from bank code, amount in cents, due date and 25-digit free field."""
    bank = _digits(bank, 3, "bank code")
    free_field = _digits(free_field, 25, "free field")
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise ValueError("amount_cents must be an integer")
    if not 0 <= amount_cents <= MAX_AMOUNT_CENTS:
        raise ValueError("amount_cents must be 0 to 9999999999")
    return barcode_from_parts(bank, due_date_factor(due_date), amount_cents, free_field)


def barcode_from_parts(
    bank: str, factor: int, amount_cents: int, free_field: str, currency: str = "9"
) -> str:
    """Build the barcode from an explicit due-date factor (for factors read off a published slip)."""
    bank = _digits(bank, 3, "bank code")
    free_field = _digits(free_field, 25, "free field")
    currency = _digits(currency, 1, "currency code")
    if not 0 <= factor <= 9999:
        raise ValueError("factor must be 0 to 9999")
    if not 0 <= amount_cents <= MAX_AMOUNT_CENTS:
        raise ValueError("amount_cents must be 0 to 9999999999")
    without_dv = f"{bank}{currency}{factor:04d}{amount_cents:010d}{free_field}"
    dv = mod11_barcode(without_dv)
    return f"{without_dv[:4]}{dv}{without_dv[4:]}"


def is_valid_barcode(code: str) -> bool:
    """True when `code` is 44 digits whose general DV (position 5) is right."""
    try:
        code = _digits(code, 44, "barcode")
    except ValueError:
        return False
    return int(code[4]) == mod11_barcode(code[:4] + code[5:])


def typeable_line(code: str) -> str:
    """The 47-digit typeable line of a 44-digit barcode (digits only; see `format_typeable_line`)."""
    code = _digits(code, 44, "barcode")
    if not is_valid_barcode(code):
        raise ValueError("barcode general check digit is wrong")
    field1 = code[0:4] + code[19:24]
    field2 = code[24:34]
    field3 = code[34:44]
    return f"{field1}{mod10(field1)}{field2}{mod10(field2)}{field3}{mod10(field3)}{code[4]}{code[5:19]}"


def barcode_from_typeable_line(line: str) -> str:
    """The 44-digit barcode encoded by a typeable line (ValueError when any check digit is wrong)."""
    line = _digits(line, 47, "typeable line")
    if not validate_typeable_line(line):
        raise ValueError("typeable line check digits are wrong")
    return _rebuild_barcode(line)


def _rebuild_barcode(line: str) -> str:
    return line[0:4] + line[32] + line[33:47] + line[4:9] + line[10:20] + line[21:31]


def validate_typeable_line(line: str) -> bool:
    """True when the line has 47 digits, right field check digits and a right general DV."""
    try:
        line = _digits(line, 47, "typeable line")
    except ValueError:
        return False
    for start, end in ((0, 9), (10, 20), (21, 31)):
        if int(line[end]) != mod10(line[start:end]):
            return False
    return is_valid_barcode(_rebuild_barcode(line))


def format_typeable_line(line: str) -> str:
    """Group a typeable line as printed: "AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D EEEEEEEEEEEEEE"."""
    d = _digits(line, 47, "typeable line")
    return f"{d[0:5]}.{d[5:10]} {d[10:15]}.{d[15:21]} {d[21:26]}.{d[26:32]} {d[32]} {d[33:47]}"


def describe(code: str, reference: date | None = None) -> BoletoInfo:
    """Decode a typeable line (47 digits) or barcode (44): bank, amount, due date, free field."""
    digits = _SEPARATORS.sub("", code)
    if len(digits) == 47:
        full = barcode_from_typeable_line(digits)
    elif len(digits) == 44:
        if not is_valid_barcode(digits):
            raise ValueError("barcode general check digit is wrong")
        full = digits
    else:
        raise ValueError("expected a 47-digit typeable line or a 44-digit barcode")
    factor = int(full[5:9])
    return BoletoInfo(
        bank=full[0:3],
        currency=full[3],
        amount_cents=int(full[9:19]),
        factor=factor,
        due_date=due_date_from_factor(factor, reference),
        free_field=full[19:44],
        barcode=full,
    )
