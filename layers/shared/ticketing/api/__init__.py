"""Request bodies of the HTTP API as pydantic models: validation and the OpenAPI spec come from them."""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationInfo, field_validator

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

    @field_validator("*", mode="before")
    @classmethod
    def _no_true_or_false_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic reads `true`/`false` as 1/0 for a number; a client sending them meant something else."""
        if isinstance(value, bool) and not _admits_bool(cls.model_fields[info.field_name].annotation):
            raise ValueError("must not be true or false")
        return value


def _admits_bool(annotation: Any) -> bool:
    if annotation is bool or annotation is Any:
        return True
    if get_origin(annotation) is Literal:
        return any(isinstance(choice, bool) for choice in get_args(annotation))
    return any(_admits_bool(part) for part in get_args(annotation))
