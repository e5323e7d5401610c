"""Request bodies of the HTTP API as pydantic models: validation and the OpenAPI spec come from them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator

NUL = "\x00"
NO_NUL = "must not contain the NUL character (\\u0000)"


class RequestModel(BaseModel):
    """The base of every request body: text may hold any character PostgreSQL can store.

    PostgreSQL text cannot hold the NUL character, so a body carrying one is refused here, as a 422 naming
    the field, rather than failing later in the database."""

    @field_validator("*")
    @classmethod
    def _no_nul_character(cls, value: Any) -> Any:
        if isinstance(value, str) and NUL in value:
            raise ValueError(NO_NUL)
        return value
