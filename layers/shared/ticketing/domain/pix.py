"""Pix BR Code "copia e cola" payloads (Banco Central "Manual do BR Code", EMV QRCPS-MPM).

A payload is a run of fields, each ID (2 digits) + length (2 digits) + value. This module builds
*static* payloads (the key itself in field 26-01, no URL): by default field 01 (Point of Initiation
Method) is omitted, as in the manual's own static example; callers may set it to "11" (reusable) or
"12" (single use), as some bank apps do. The charge is identified by the txid in field 62-05. Texts are
reduced to printable ASCII (accents stripped) so that characters and bytes coincide; their case
is kept ("Fulano de Tal" stays mixed case, as in the manual's example).
"""

from __future__ import annotations

import base64
import io
import re
import unicodedata
from typing import Any

GUI_PIX = "br.gov.bcb.pix"
_TXID = re.compile(r"[A-Za-z0-9]{1,25}")
# Template IDs whose values are themselves TLV lists: merchant account information 26-51,
# additional data 62, unreserved templates 80-99.
_TEMPLATE_IDS = frozenset({f"{i:02d}" for i in range(26, 52)} | {"62"} | {f"{i:02d}" for i in range(80, 100)})


def crc16_ccitt_false(data: bytes) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, no reflection, no final xor."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def _field(field_id: str, value: str) -> str:
    """One TLV field; ValueError when the value is empty or longer than 99 characters."""
    if not value:
        raise ValueError(f"field {field_id} must not be empty")
    if len(value) > 99:
        raise ValueError(f"field {field_id} is {len(value)} characters long, more than 99")
    return f"{field_id}{len(value):02d}{value}"


def _ascii_text(text: str) -> str:
    """Strip accents, keep printable ASCII only, collapse whitespace."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(c for c in decomposed if c.isascii() and c.isprintable())
    return " ".join(kept.split())


def _amount(amount_cents: int) -> str:
    """Cents as the BR Code amount: "10.00"."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int) or amount_cents <= 0:
        raise ValueError("amount_cents must be a positive integer")
    text = f"{amount_cents // 100}.{amount_cents % 100:02d}"
    if len(text) > 13:
        raise ValueError("amount is longer than 13 characters")
    return text


def build_pix_payload(
    key: str,
    amount_cents: int | None,
    merchant_name: str,
    merchant_city: str,
    txid: str | None = None,
    description: str | None = None,
    *,
    point_of_initiation: str | None = None,
) -> str:
    """Build a static Pix BR Code payload with its CRC; amount None leaves the amount to the payer."""
    key = key.strip()
    if not key or len(key) > 77:
        raise ValueError("Pix key must have 1 to 77 characters")
    account = _field("00", GUI_PIX) + _field("01", key)
    if description:
        account += _field("02", _ascii_text(description))
    name, city = _merchant(merchant_name, merchant_city)
    if txid is None or txid == "***":
        reference = "***"
    elif _TXID.fullmatch(txid):
        reference = txid
    else:
        raise ValueError("txid must be 1 to 25 letters and digits, or None / '***'")
    if point_of_initiation not in (None, "11", "12"):
        raise ValueError("point_of_initiation must be None, '11' or '12'")
    payload = _field("00", "01")
    if point_of_initiation:
        payload += _field("01", point_of_initiation)
    payload += _field("26", account)
    return _with_merchant_and_crc(payload, amount_cents, name, city, reference)


def build_dynamic_pix_payload(
    location: str, amount_cents: int | None, merchant_name: str, merchant_city: str
) -> str:
    """A *dynamic* BR Code (API Pix charge): field 01 = "12" (single use), field 26 with the GUI and, in 26-25,
    the charge's location without its scheme; 62-05 = "***" (the payer's app reads the txid at the location)."""
    location = location.strip()
    for scheme in ("https://", "http://"):
        if location.lower().startswith(scheme):
            location = location[len(scheme) :]
    if not location or len(location) > 77 or not location.isascii():
        raise ValueError("the location must have 1 to 77 ASCII characters")
    name, city = _merchant(merchant_name, merchant_city)
    payload = _field("00", "01") + _field("01", "12")
    payload += _field("26", _field("00", GUI_PIX) + _field("25", location))
    return _with_merchant_and_crc(payload, amount_cents, name, city, "***")


def _merchant(merchant_name: str, merchant_city: str) -> tuple[str, str]:
    """The merchant's name (1 to 25) and city (1 to 15) as the BR Code carries them: plain ASCII."""
    name = _ascii_text(merchant_name)
    if not 1 <= len(name) <= 25:
        raise ValueError("merchant name must have 1 to 25 characters")
    city = _ascii_text(merchant_city)
    if not 1 <= len(city) <= 15:
        raise ValueError("merchant city must have 1 to 15 characters")
    return name, city


def _with_merchant_and_crc(
    payload: str, amount_cents: int | None, name: str, city: str, reference: str
) -> str:
    """The fields after the account (52 category, 53 BRL, 54 amount, 58-60 merchant, 62-05 reference)
    and the CRC (63) that ends every BR Code, static or dynamic."""
    payload += _field("52", "0000") + _field("53", "986")
    if amount_cents is not None:
        payload += _field("54", _amount(amount_cents))
    payload += _field("58", "BR") + _field("59", name) + _field("60", city)
    payload += _field("62", _field("05", reference))
    payload += "6304"
    return payload + f"{crc16_ccitt_false(payload.encode('ascii')):04X}"


def parse_emv(payload: str) -> dict[str, Any]:
    """Read a TLV payload into {id: value}; template fields (26-51, 62, 80-99) become nested dicts."""
    return _parse(payload, nested=True)


def _parse(text: str, nested: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    position = 0
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4 or not header.isdigit():
            raise ValueError(f"malformed field header at position {position}")
        field_id, length = header[:2], int(header[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise ValueError(f"field {field_id} is truncated")
        if field_id in fields:
            raise ValueError(f"field {field_id} appears twice")
        fields[field_id] = _parse(value, nested=False) if nested and field_id in _TEMPLATE_IDS else value
        position += 4 + length
    return fields


def verify_crc(payload: str) -> bool:
    """True when the payload ends with field 63 holding the CRC16 of everything before its value."""
    if len(payload) < 8 or payload[-8:-4] != "6304":
        return False
    expected = payload[-4:].upper()
    try:
        body = payload[:-4].encode("ascii")
    except UnicodeEncodeError:
        return False
    return f"{crc16_ccitt_false(body):04X}" == expected


def pix_qr_png_data_url(payload: str, scale: int = 6) -> str:
    """A `data:image/png;base64,...` URL of the payload's QR code (error correction level M)."""
    import segno  # imported here: only needed when an image is wanted

    qr = segno.make(payload, error="m", micro=False, boost_error=False)
    buffer = io.BytesIO()
    qr.save(buffer, kind="png", scale=scale, border=4)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
