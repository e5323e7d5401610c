"""Domain errors. Services raise them; ticketing.http maps each to one problem+json response."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ticketing.problems import problem_document

# Where pydantic says a value came from: not part of the field's name as the client sees it.
REQUEST_PARTS = ("body", "query", "path", "header")


class DomainError(Exception):
    """Base of every error a client may see. `name` is the last path segment of the problem type."""

    status = 400
    name = "malformed"
    title = "Bad request"
    headers: dict[str, str] = {}  # response headers the problem carries (Retry-After on a 503)

    def __init__(self, detail: str | None = None, **extra: object) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra

    def problem(self) -> dict:
        return problem_document(self.status, self.name, self.title, self.detail, **self.extra)


class Malformed(DomainError):
    status, name, title = 400, "malformed", "Malformed request"


class ValidationFailed(DomainError):
    status, name, title = 422, "validation", "Validation failed"

    def __init__(self, errors: list[dict[str, str]], detail: str | None = None) -> None:
        fields = ", ".join(e["field"] for e in errors)
        super().__init__(detail or f"Invalid field(s): {fields}", errors=errors)
        self.errors = errors

    @classmethod
    def field(cls, field: str, message: str) -> ValidationFailed:
        return cls([{"field": field, "message": message}])

    @classmethod
    def from_pydantic(cls, errors: Iterable[Mapping[str, Any]]) -> ValidationFailed:
        """The 422 for pydantic's errors (a request model's, or Powertools' request validation)."""
        return cls(
            [{"field": field_path(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in errors]
        )


def field_path(loc: Sequence[str | int]) -> str:
    """A pydantic location as the client names the field: `tickets[0].quantity`, `limit`, or `body`."""
    name = ""
    for part in loc:
        if part in REQUEST_PARTS:
            continue
        name += f"[{part}]" if isinstance(part, int) else ("." if name else "") + str(part)
    return name or "body"


class Unauthorized(DomainError):
    status, name, title = 401, "unauthorized", "Unauthorized"


class Forbidden(DomainError):
    status, name, title = 403, "forbidden", "Forbidden"


class AdmissionRequired(DomainError):
    """The event's waiting room is enabled and the request carries no valid admission token."""

    status, name, title = 403, "admission-required", "Admission required"


class NotFound(DomainError):
    status, name, title = 404, "not-found", "Not found"


class MethodNotAllowed(DomainError):
    status, name, title = 405, "method-not-allowed", "Method not allowed"


class UnsupportedMediaType(DomainError):
    status, name, title = 415, "unsupported-media-type", "Unsupported media type"


class Conflict(DomainError):
    status = 409


class SeatUnavailable(Conflict):
    name, title = "seat-unavailable", "Seat unavailable"


class SoldOut(Conflict):
    name, title = "sold-out", "Sold out"


class OutOfStock(Conflict):
    name, title = "out-of-stock", "Out of stock"


class InvalidState(Conflict):
    name, title = "invalid-state", "Invalid state"


class HoldExpired(Conflict):
    name, title = "hold-expired", "Hold expired"


class IdempotencyConflict(Conflict):
    name, title = "idempotency-conflict", "Idempotency key reused with another request"


class IdempotencyInProgress(Conflict):
    name, title = "idempotency-in-progress", "A request with this idempotency key is still running"


class LimitExceeded(Conflict):
    name, title = "limit-exceeded", "Limit exceeded"


class EmailTaken(Conflict):
    name, title = "email-taken", "E-mail already registered"


class AlreadyCheckedIn(Conflict):
    name, title = "already-checked-in", "Ticket already checked in"


class WrongEvent(Conflict):
    name, title = "wrong-event", "Ticket belongs to another event"


class ServiceUnavailable(DomainError):
    status, name, title = 503, "unavailable", "Service temporarily unavailable"
    headers = {"Retry-After": "1"}  # contract v2: a 503 says when to come back


CONFLICTS_BY_NAME: dict[str, type[Conflict]] = {
    cls.name: cls
    for cls in (
        SeatUnavailable,
        SoldOut,
        OutOfStock,
        InvalidState,
        HoldExpired,
        IdempotencyConflict,
        IdempotencyInProgress,
        LimitExceeded,
        EmailTaken,
        AlreadyCheckedIn,
        WrongEvent,
    )
}
