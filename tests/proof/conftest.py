"""Fixtures of the proof suite: buyers and events shared by a module, on top of the session runtime."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import pytest
from proof_support import event_on_sale

from localrun.testing import random_cpf


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    password: str
    token: str


def sign_up(api) -> Account:
    email = f"proof-{secrets.token_hex(6)}@example.com"
    password = "Proof-" + secrets.token_hex(4) + "!A1"
    created = api.post(
        "/users", json={"email": email, "password": password, "name": "Prova", "cpf": random_cpf()}
    )
    assert created.status == 201, created.text
    token = api.post("/auth/token", json={"email": email, "password": password})
    assert token.status == 200, token.text
    return Account(created.json["id"], email, password, token.json["access_token"])


@pytest.fixture(scope="module")
def make_account(api):
    return lambda: sign_up(api)


@pytest.fixture(scope="module")
def event_factory(api, organizer_token):
    return lambda **kw: event_on_sale(api, organizer_token, **kw)


@pytest.fixture(scope="module")
def webhook_secret(runtime) -> str:
    return runtime.environment["PAYMENT_WEBHOOK_SECRET"]
