"""Accounts for tests that call the services directly: a user row, and the caller its token would make."""

from __future__ import annotations

import random
import uuid

from ticketing import db
from ticketing.auth import Caller
from ticketing.domain.cpf import generate_cpf

_rng = random.Random()


def make_user(organizer: bool = False, name: str | None = None) -> Caller:
    """A new user (a buyer with a CPF, or an organizer without one) and their caller."""
    sub = str(uuid.uuid4())
    db.fetch_one(
        "INSERT INTO users (email, name, cognito_sub, cpf) VALUES (%s, %s, %s, %s) RETURNING id",
        (
            f"{sub}@example.com",
            name or ("Organizer" if organizer else "Buyer"),
            sub,
            None if organizer else generate_cpf(_rng),
        ),
    )
    return Caller(sub=sub, username=f"{sub}@example.com", groups=("organizer",) if organizer else ())
