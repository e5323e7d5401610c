"""Brazilian formats for people: money as `R$ 1.234,56`, times in the event's time zone, boleto lines."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "America/Sao_Paulo"


def money(cents: int | None) -> str:
    """`123456` -> `R$ 1.234,56` (None -> `-`)."""
    if cents is None:
        return "-"
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(int(cents)), 100)
    return f"{sign}R$ {whole:,}".replace(",", ".") + f",{fraction:02d}"


def parse_money(text: str) -> int:
    """A price typed by a person (`180`, `180,00`, `1.234,56`, `1234.56`) in cents."""
    cleaned = text.strip().removeprefix("R$").strip().replace(" ", "")
    if "," in cleaned:
        cleaned = cleaned.replace(".", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise ValueError(f"not a price: {text!r} (write it like 180,00)") from exc
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"not a price: {text!r} (at most two decimals, not negative)")
    return int(value * 100)


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_time(text: str | None, timezone: str | None = None, seconds: bool = False) -> str:
    """An RFC 3339 UTC time as `24/01/2027 20:00 -03` in the event's time zone."""
    moment = parse_time(text)
    if moment is None:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    here = moment.astimezone(zone(timezone))
    pattern = "%d/%m/%Y %H:%M:%S" if seconds else "%d/%m/%Y %H:%M"
    return f"{here.strftime(pattern)} {here.strftime('%Z')}"


def local_date(text: str | None) -> str:
    """`2026-12-03` -> `03/12/2026`."""
    if not text:
        return "-"
    try:
        return datetime.strptime(text[:10], "%Y-%m-%d").strftime("%d/%m/%Y")
    except ValueError:
        return text


def boleto_line(digits: str | None) -> str:
    """The 47-digit typeable line as printed on a boleto: `AAAAA.AAAAA BBBBB.BBBBBB CCCCC.CCCCCC D E…`."""
    if not digits:
        return "-"
    only = re.sub(r"\D", "", digits)
    if len(only) != 47:
        return digits
    return (
        f"{only[0:5]}.{only[5:10]} {only[10:15]}.{only[15:21]} "
        f"{only[21:26]}.{only[26:32]} {only[32]} {only[33:47]}"
    )


def cpf(digits: str | None) -> str:
    if not digits or len(digits) != 11 or not digits.isdigit():
        return digits or "-"
    return f"{digits[0:3]}.{digits[3:6]}.{digits[6:9]}-{digits[9:11]}"
