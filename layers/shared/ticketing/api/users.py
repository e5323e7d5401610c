from __future__ import annotations

from pydantic import BaseModel, Field

from ticketing.api import RequestModel


class SignUpRequest(RequestModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=256)
    name: str = Field(min_length=1, max_length=200)
    cpf: str = Field(min_length=11, max_length=14, description="11 digits, with or without punctuation")


class TokenRequest(RequestModel):
    """Either e-mail and password (sign in) or a refresh token (refresh grant)."""

    email: str | None = Field(default=None, max_length=254)
    password: str | None = Field(default=None, max_length=256)
    refresh_token: str | None = Field(default=None, max_length=8192)


class UserOut(BaseModel):
    id: str
    email: str
    name: str


class ProfileOut(UserOut):
    cpf: str | None
    roles: list[str]


class TokenOut(BaseModel):
    access_token: str
    refresh_token: str | None = None
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 (a token type, not a secret)
