"""What every API function shares: who may call a route, the caller, and problem+json answers.

A route's role (see `ROLES`) decides everything about access: the checks of `ticketing.routes`, the caller
handed to the route (`caller_dependency`), and the 401/403 its OpenAPI document lists (`auth_statuses`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.event_handler.request import Request

from ticketing.auth import Caller, verify_access_token
from ticketing.errors import DomainError, Forbidden, Malformed, Unauthorized, ValidationFailed
from ticketing.paging import DEFAULT_LIMIT, MAX_CURSOR_LENGTH, MAX_LIMIT
from ticketing.problems import PROBLEM_JSON

# The optional Idempotency-Key header of the routes that create something (checked by the service: 1 to 255
# printable characters); declared as a parameter so /openapi.json documents it.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        pattern=r"^[\x20-\x7e\xa1-\xac\xae-\xff]+$",  # printable, as the service checks
        description="Any string up to 255 characters: a retry with the same key and body answers the first "
        "response; the same key with another body is 409 idempotency-conflict",
    ),
]
# The waiting room's admission token (POST /orders while the event's queue is enabled).
AdmissionToken = Annotated[
    str | None,
    Header(
        alias="X-Admission-Token",
        description="While the event's waiting room is enabled: the admission_token of the buyer's admitted "
        "queue entry (403 admission-required otherwise)",
    ),
]
# The query parameters of the lists that come in pages (see ticketing.paging).
Limit = Annotated[
    int | None, Query(ge=1, le=MAX_LIMIT, description=f"items per page (default {DEFAULT_LIMIT})")
]
Cursor = Annotated[
    str | None,
    Query(
        max_length=MAX_CURSOR_LENGTH,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="the `next_cursor` of the previous page",
    ),
]


def text_query(description: str, max_length: int | None = 100) -> Any:
    """An optional free-text query parameter: PostgreSQL text cannot hold the NUL character, so a value with
    one is a 422 naming the parameter (and /openapi.json says so), like a body's text."""
    return Annotated[str | None, Query(max_length=max_length, pattern=r"^[^\x00]*$", description=description)]


BEARER = [{"bearerAuth": []}]  # OpenAPI security requirement of the routes that need a token

# A plain mapping, not Powertools' HTTPBearer model: the document is the same (Powertools validates it into
# the model when it builds the OpenAPI document), and importing its OpenAPI models costs every function's
# cold start ~65 ms although only the document needs them.
SECURITY_SCHEMES: dict[str, Any] = {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
API_TITLE = "Ticketing API"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "Tickets for live events in Brazil. Errors are RFC 9457 problem documents whose `type` is "
    "https://ticketing.example.com/problems/<name>. Money is integer cents (BRL); times are RFC 3339 UTC."
)

Role = Literal["public", "buyer", "organizer", "admin"]


@dataclass(frozen=True)
class Access:
    """What a role asks of the caller: a valid bearer token (401 without), and maybe a group (403 without)."""

    signed_in: bool
    group: str | None = None
    forbidden: str = ""


ROLES: dict[str, Access] = {
    "public": Access(signed_in=False),
    "buyer": Access(signed_in=True),
    "organizer": Access(signed_in=True, group="organizer", forbidden="Only organizers may do this"),
    "admin": Access(signed_in=True, group="admin", forbidden="Only admins may do this"),
}


def auth_statuses(role: str) -> set[int]:
    """The statuses a caller of the wrong kind gets from a route of this role."""
    access = ROLES[role]
    return ({401} if access.signed_in else set()) | ({403} if access.group else set())


def _claims(event: Mapping[str, Any]) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    return ((ctx.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}


def caller_for(role: str, event: Mapping[str, Any]) -> Caller | None:
    """The caller a route of this role may serve, from the claims the JWT authorizer attached.

    Raises Unauthorized (401) or Forbidden (403) for a caller the role does not admit. On a public route:
    the caller when a valid bearer token is sent, else None (anonymous)."""
    access = ROLES[role]
    claims = _claims(event)
    if not access.signed_in:
        return Caller.from_claims(claims) if claims else _optional_bearer(event)
    if not claims:
        raise Unauthorized("A bearer token is required")
    found = Caller.from_claims(claims)
    if access.group and access.group not in found.groups:
        raise Forbidden(access.forbidden)
    return found


def _optional_bearer(event: Mapping[str, Any]) -> Caller | None:
    headers = event.get("headers") or {}
    header = next((value for name, value in headers.items() if name.lower() == "authorization"), "") or ""
    if not header.lower().startswith("bearer "):
        return None
    try:
        return Caller.from_claims(verify_access_token(header[7:].strip()))
    except Unauthorized:
        return None


def _caller_dependency(role: str) -> Any:
    def caller(request: Request) -> Caller | None:
        return caller_for(role, request.resolved_event.raw_event)

    caller.__name__ = f"{role}_caller"
    return caller


# What Powertools' Depends hands a route as its caller, per role (one function per role, so overrides in tests
# and the per-request cache work by identity).
CALLER_DEPENDENCIES = {role: _caller_dependency(role) for role in ROLES}


def problem_response(error: DomainError, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=error.status,
        content_type=PROBLEM_JSON,
        body=json.dumps(error.problem()),
        headers={**error.headers, **(headers or {})} or None,
    )


def validation_problem(exc: RequestValidationError) -> DomainError:
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return Malformed("The request body is not valid JSON")
    return ValidationFailed.from_pydantic(errors)


def json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=status, content_type="application/json", body=body, headers=headers)
