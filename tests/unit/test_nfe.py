"""NF-e access keys and CNPJs, checked against keys published outside this code."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from ticketing.domain.nfe import (
    access_key,
    access_key_check_digit,
    is_valid_access_key,
    is_valid_cnpj,
    parse_access_key,
)

# 1. The worked example of the NF-e "Manual de Orientação do Contribuinte" (weighted sum 644, DV 5),
#    also the valid key in Respect/Validation tests/unit/Rules/NfeAccessKeyTest.php. It predates the
#    tpEmis field: position 35 is the first digit of the old 9-digit cNF, read here as tpEmis 0.
# 2. ajuda.maino.com.br "Como é formada a chave de acesso de uma NF-e...":
#    33-1503-08370779000149-55-001-000110093-1-00241077-5
# 3. invoisys.com.br/blog/como-e-formada-a-chave-de-acesso (an NFC-e, model 65, tpEmis 9, DV 0):
#    13-1810-17921427000125-65-001-000000030-9-88725117-0
PUBLISHED = [
    pytest.param(
        "52060433009911002506550120000007800267301615",
        {"uf_code": 52, "year_month": "0604", "cnpj": "33009911002506", "model": 55, "series": 12,
         "number": 780, "emission_type": 0, "random_code": 26730161},
        id="moc-example",
    ),
    pytest.param(
        "33150308370779000149550010001100931002410775",
        {"uf_code": 33, "year_month": "1503", "cnpj": "08370779000149", "model": 55, "series": 1,
         "number": 110093, "emission_type": 1, "random_code": 241077},
        id="maino",
    ),
    pytest.param(
        "13181017921427000125650010000000309887251170",
        {"uf_code": 13, "year_month": "1810", "cnpj": "17921427000125", "model": 65, "series": 1,
         "number": 30, "emission_type": 9, "random_code": 88725117},
        id="invoisys-nfce",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("key", "parts"), PUBLISHED)
def test_published_keys_validate(key: str, parts: dict) -> None:
    assert is_valid_access_key(key)
    assert is_valid_access_key(" ".join(key[i : i + 4] for i in range(0, 44, 4)))  # as printed on a DANFE


@pytest.mark.parametrize(("key", "parts"), PUBLISHED)
def test_published_keys_are_rebuilt_from_their_parts(key: str, parts: dict) -> None:
    assert access_key(**parts) == key


@pytest.mark.parametrize(("key", "parts"), PUBLISHED)
def test_parse_splits_published_keys(key: str, parts: dict) -> None:
    parsed = parse_access_key(key)
    assert {name: getattr(parsed, name) for name in parts} == parts
    assert parsed.check_digit == int(key[-1])


def test_moc_worked_example_check_digit() -> None:
    assert access_key_check_digit("5206043300991100250655012000000780026730161") == 5


def test_parse_rejects_invalid_key() -> None:
    with pytest.raises(ValueError):
        parse_access_key("52060433009911002506550120000007800267301614")


def test_access_key_validates_its_fields() -> None:
    good = {"uf_code": 35, "year_month": "2503", "cnpj": "11.222.333/0001-81", "series": 1,
            "number": 1, "random_code": 12345678}  # fmt: skip
    key = access_key(**good)
    assert key.startswith("352503112223330001815500100000000111234567")
    assert is_valid_access_key(key)
    for change in (
        {"uf_code": 34},  # no state has IBGE code 34
        {"year_month": "2513"},
        {"year_month": "253"},
        {"cnpj": "1122233300018"},
        {"series": 1000},
        {"number": 0},
        {"number": 1_000_000_000},
        {"random_code": 100_000_000},
        {"emission_type": 10},
    ):
        with pytest.raises(ValueError):
            access_key(**{**good, **change})


@pytest.mark.parametrize(
    "cnpj",
    [
        "11.222.333/0001-81",  # the usual documentation example
        "11222333000181",
        # CNPJs of the issuers of the published keys above
        "33009911002506",
        "08370779000149",
        "17921427000125",
    ],
)
def test_valid_cnpjs(cnpj: str) -> None:
    assert is_valid_cnpj(cnpj)


INVALID_ACCESS_KEYS = [
    # Invalid keys listed in Respect/Validation tests/unit/Rules/NfeAccessKeyTest.php
    "31841136830118868211870485416765268625116906",
    "21470801245862435081451225624565260861852679",
    "45644318091447671194616059650873352394885852",
    # A published key with its check digit changed, and wrong lengths
    "52060433009911002506550120000007800267301614",
    "5206043300991100250655012000000780026730161",
    "520604330099110025065501200000078002673016150",
    "5206043300991100250655012000000780026730161X",
]
INVALID_CNPJS = [
    "11.222.333/0001-80",
    "11222333000191",
    "00000000000000",
    "11111111111111",
    "1122233300018",
    "11.222.333/000181",
    "",
]


@pytest.mark.parametrize(
    ("is_valid", "value"),
    [(is_valid_access_key, key) for key in INVALID_ACCESS_KEYS]
    + [(is_valid_cnpj, cnpj) for cnpj in INVALID_CNPJS],
)
def test_invalid_access_keys_and_cnpjs_are_rejected(is_valid: Callable[[str], bool], value: str) -> None:
    assert not is_valid(value)
