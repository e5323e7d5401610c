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


class OrganizerIn(RequestModel):
    email: str = Field(min_length=3, max_length=254, description="the e-mail of an existing account")


class PasswordResetRequest(RequestModel):
    email: str = Field(min_length=3, max_length=254)


class PasswordResetConfirmation(RequestModel):
    email: str = Field(min_length=3, max_length=254)
    code: str = Field(min_length=1, max_length=64, description="the code e-mailed to the account")
    new_password: str = Field(min_length=1, max_length=256)


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


class AccountRoles(BaseModel):
    email: str
    roles: list[str] = Field(description='"buyer" for everyone, "organizer" and "admin" by appointment')


class Organizer(AccountRoles):
    id: str
    name: str
    organizer_since: str = Field(description="when the account was appointed (RFC 3339, UTC)")


class OrganizerPage(BaseModel):
    items: list[Organizer]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")
