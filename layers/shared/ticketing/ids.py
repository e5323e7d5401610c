"""Ids in request paths."""

from __future__ import annotations

from uuid import UUID

from ticketing.errors import NotFound


def parse_id(value: str, what: str = "resource") -> UUID:
    """Path ids that are not UUIDs name nothing: 404, as for an unknown id."""
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"No such {what}") from None
