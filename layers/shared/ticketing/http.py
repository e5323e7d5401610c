"""What every API function shares: problem+json errors, the caller, and response helpers.

Each function declares `app = APIGatewayHttpResolver(enable_validation=True)` (so Powertools' OpenAPI
merge finds it) and calls `install(app)`; this module is the one place that maps errors to responses.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.params import Header

from ticketing.auth import Caller, verify_access_token
from ticketing.errors import DomainError, Forbidden, Malformed, NotFound, Unauthorized
from ticketing.request_body import accept_json_bodies_only

PROBLEM_JSON = "application/problem+json"
# The optional Idempotency-Key header of the routes that create something (checked by the service: 1 to 255
# printable characters); declared as a parameter so /openapi.json documents it.
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Any string up to 255 characters: a retry with the same key and body answers the first "
        "response; the same key with another body is 409 idempotency-conflict",
    ),
]
BEARER = [{"bearerAuth": []}]  # OpenAPI security requirement of the routes that need a token

SECURITY_SCHEMES = {"bearerAuth": HTTPBearer(scheme="bearer", bearerFormat="JWT")}
API_TITLE = "Ticketing API"
API_VERSION = "1.0.0"
API_DESCRIPTION = (
    "Tickets for live events in Brazil. Errors are RFC 9457 problem documents whose `type` is "
    "https://ticketing.example.com/problems/<name>. Money is integer cents (BRL); times are RFC 3339 UTC."
)

log = logging.getLogger("ticketing.http")


def problem_response(error: DomainError, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status_code=error.status,
        content_type=PROBLEM_JSON,
        body=json.dumps(error.problem()),
        headers={**error.headers, **(headers or {})} or None,
    )


def _field_name(loc: tuple | list) -> str:
    parts = [p for p in loc if p not in ("body", "query", "path", "header")]
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += ("." if name else "") + str(part)
    return name or "body"


def validation_problem(exc: RequestValidationError) -> DomainError:
    from ticketing.errors import ValidationFailed

    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):
        return Malformed("The request body is not valid JSON")
    return ValidationFailed(
        [{"field": _field_name(e.get("loc", ())), "message": str(e.get("msg", "invalid"))} for e in errors]
    )


def _access_problem(app: APIGatewayHttpResolver, role: str) -> DomainError | None:
    """The 401/403 the route would give this caller, or None when the caller may call it."""
    try:
        if role == "organizer":
            organizer(app)
        elif role == "buyer":
            caller(app)
    except DomainError as exc:
        return exc
    return None


def install(app: APIGatewayHttpResolver, role: str = "public") -> APIGatewayHttpResolver:
    """Register the shared error handlers and the OpenAPI security scheme on a function's resolver.

    `role` ("public", "buyer" or "organizer") is who may call the route: Powertools validates the request
    before the route runs, and the contract wants auth (401, 403) checked before the request (400, 422)."""
    if role not in ("public", "buyer", "organizer"):
        raise ValueError(f"unknown role {role!r}")
    accept_json_bodies_only(app, lambda: _access_problem(app, role))
    app.configure_openapi(
        title=API_TITLE, version=API_VERSION, description=API_DESCRIPTION, security_schemes=SECURITY_SCHEMES
    )

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response:
        return problem_response(exc)

    @app.exception_handler(UnicodeDecodeError)
    def _not_utf8(exc: UnicodeDecodeError) -> Response:
        # Powertools decodes the body while validating it: bytes that are not UTF-8 are a malformed request.
        return problem_response(_access_problem(app, role) or Malformed("The request body is not UTF-8 text"))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        return problem_response(_access_problem(app, role) or validation_problem(exc))

    @app.not_found
    def _no_route(exc: NotFoundError) -> Response:
        return problem_response(NotFound("No such route"))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return Response(
            status_code=HTTPStatus.INTERNAL_SERVER_ERROR,
            content_type=PROBLEM_JSON,
            body=json.dumps(
                {
                    "type": "about:blank",
                    "title": "Internal Server Error",
                    "status": 500,
                    "detail": "Something went wrong on our side; it has been logged",
                }
            ),
        )

    return app


def _claims(app: APIGatewayHttpResolver) -> dict[str, Any]:
    ctx = app.current_event.raw_event.get("requestContext") or {}
    return ((ctx.get("authorizer") or {}).get("jwt") or {}).get("claims") or {}


def caller(app: APIGatewayHttpResolver) -> Caller:
    """The signed-in caller, from the claims the JWT authorizer attached (401 without them)."""
    claims = _claims(app)
    if not claims:
        raise Unauthorized("A bearer token is required")
    return Caller.from_claims(claims)


def organizer(app: APIGatewayHttpResolver) -> Caller:
    """The caller, who must be in the organizer group (403 otherwise)."""
    found = caller(app)
    if not found.is_organizer:
        raise Forbidden("Only organizers may do this")
    return found


def optional_caller(app: APIGatewayHttpResolver) -> Caller | None:
    """On a public route: the caller when a valid bearer token is sent, else None (anonymous)."""
    claims = _claims(app)
    if claims:
        return Caller.from_claims(claims)
    header = app.current_event.headers.get("authorization") or ""
    if not header.lower().startswith("bearer "):
        return None
    try:
        return Caller.from_claims(verify_access_token(header[7:].strip()))
    except Unauthorized:
        return None


def created(body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=201, content_type="application/json", body=body, headers=headers)


def ok(body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status_code=200, content_type="application/json", body=body, headers=headers)


def header(app: APIGatewayHttpResolver, name: str) -> str | None:
    return app.current_event.headers.get(name)
