"""The dynamic BR Code of an API Pix charge (issue 20), checked by a decoder written here, independent of
ticketing.domain.pix: a TLV reader and CRC16-CCITT (poly 0x1021, init 0xFFFF) from the Manual do BR Code."""

from __future__ import annotations

import pytest

from ticketing.domain.pix import build_dynamic_pix_payload

LOCATION = "pix.example.com/qr/v2/9d36b84fc70b478fb95c12729b90ca25"


def tlv(text: str) -> dict[str, str]:
    """ID (2 digits) + length (2 digits) + value, to the end; fails on anything else."""
    fields: dict[str, str] = {}
    i = 0
    while i < len(text):
        tag, size = text[i : i + 2], int(text[i + 2 : i + 4])
        value = text[i + 4 : i + 4 + size]
        assert len(value) == size, f"field {tag} truncated"
        assert tag not in fields, f"field {tag} twice"
        fields[tag] = value
        i += 4 + size
    return fields


def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def test_the_independent_crc_matches_the_standard_check_value():
    assert crc16(b"123456789") == 0x29B1  # CRC-16/CCITT-FALSE's published check value


def test_a_dynamic_br_code_points_at_the_charge_location_and_has_a_valid_crc():
    code = build_dynamic_pix_payload("https://" + LOCATION, 12345, "Ticketing Eventos", "São Paulo")
    fields = tlv(code)
    assert fields["00"] == "01"
    assert fields["01"] == "12"  # single use: a charge
    merchant = tlv(fields["26"])
    assert merchant == {"00": "br.gov.bcb.pix", "25": LOCATION}  # the location without https://, no key
    assert tlv(fields["62"]) == {"05": "***"}
    assert (fields["52"], fields["53"], fields["54"], fields["58"]) == ("0000", "986", "123.45", "BR")
    assert fields["60"] == "Sao Paulo"
    assert list(fields)[-1] == "63" and len(fields["63"]) == 4
    assert f"{crc16(code[:-4].encode('ascii')):04X}" == fields["63"]


def test_one_changed_character_breaks_the_crc():
    code = build_dynamic_pix_payload(LOCATION, 1000, "Ticketing Eventos", "SAO PAULO")
    tampered = code.replace("10.00", "90.00")
    assert f"{crc16(tampered[:-4].encode('ascii')):04X}" != tampered[-4:]


@pytest.mark.parametrize("location", ["", "x" * 78, "pix.example.com/qr/ção"])
def test_a_location_that_cannot_go_in_field_26_25_is_refused(location: str):
    with pytest.raises(ValueError):
        build_dynamic_pix_payload(location, 1000, "Ticketing Eventos", "SAO PAULO")
