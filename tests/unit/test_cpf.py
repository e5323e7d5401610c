"""CPF rules, checked against CPFs published in documentation, not produced by this code."""

from __future__ import annotations

import random

import pytest

from ticketing.domain.cpf import format_cpf, generate_cpf, is_valid_cpf, mask_cpf, normalize_cpf

# 529.982.247-25 and 111.444.777-35 are the worked examples used across CPF-algorithm tutorials;
# 123.456.789-09 is the textbook sequential example (check digits 0 and 9).
PUBLISHED_VALID = ["529.982.247-25", "52998224725", "111.444.777-35", "123.456.789-09"]


@pytest.mark.parametrize("cpf", PUBLISHED_VALID)
def test_published_cpfs_are_valid(cpf: str) -> None:
    assert is_valid_cpf(cpf)


@pytest.mark.parametrize(
    "cpf",
    [
        "529.982.247-24",  # last check digit off by one
        "529.982.247-15",  # first check digit wrong
        "111.444.777-53",  # check digits swapped
        "111.111.111-11",  # repeated digits pass the arithmetic but are not issued
        "000.000.000-00",
        "99999999999",
        "5299822472",  # 10 digits
        "529982247255",  # 12 digits
        "529.982.24725",  # half formatted
        "52998224725a",
        "",
    ],
)
def test_invalid_cpfs_are_rejected(cpf: str) -> None:
    assert not is_valid_cpf(cpf)


def test_every_repeated_digit_sequence_is_rejected() -> None:
    for digit in "0123456789":
        assert not is_valid_cpf(digit * 11)


def test_normalize_accepts_both_forms_and_rejects_others() -> None:
    assert normalize_cpf("529.982.247-25") == "52998224725"
    assert normalize_cpf(" 52998224725 ") == "52998224725"
    for bad in ("529-982-247.25", "5299822472", "529 982 247 25", "abc"):
        with pytest.raises(ValueError):
            normalize_cpf(bad)


def test_mask_hides_first_three_and_last_two_digits() -> None:
    assert mask_cpf("12345678909") == "***.456.789-**"
    masked = mask_cpf("529.982.247-25")
    assert masked == "***.982.247-**"
    assert "529" not in masked and "25" not in masked


def test_format() -> None:
    assert format_cpf("52998224725") == "529.982.247-25"
    assert format_cpf("111.444.777-35") == "111.444.777-35"


def test_generated_cpfs_are_valid_and_reproducible() -> None:
    first = [generate_cpf(random.Random(7)) for _ in range(3)]
    assert len(set(first)) == 1  # same seed, same CPF
    rng = random.Random(2024)
    generated = [generate_cpf(rng) for _ in range(500)]
    assert len(set(generated)) > 490
    for cpf in generated:
        assert len(cpf) == 11 and cpf.isdigit()
        assert is_valid_cpf(cpf), cpf
        # the generator's check digits agree with an independent, explicit computation
        body = [int(c) for c in cpf[:9]]
        d1 = (sum(v * w for v, w in zip(body, range(10, 1, -1), strict=True)) * 10) % 11 % 10
        d2 = (sum(v * w for v, w in zip([*body, d1], range(11, 1, -1), strict=True)) * 10) % 11 % 10
        assert cpf[9:] == f"{d1}{d2}"
