"""What a request body may be before Powertools validates it: JSON only (415), an object, shallow (422).

Powertools' request validation runs before any middleware a function registers, and it reads
`application/x-www-form-urlencoded` and `multipart/form-data` bodies as forms (a JSON body sent with
a form type was applied as an empty change). So the check lives in a subclass of its validation
middleware, which the resolver calls first, and the contract's order still holds: auth (401, 403),
then the media type (415), then the body itself (400, 422).
"""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType

from ticketing.api.bounds import check_nesting, too_deep
from ticketing.errors import DomainError, UnsupportedMediaType, ValidationFailed

JSON_MEDIA_TYPE = "application/json"


def media_type(content_type: str | None) -> str:
    """`application/json` of `Application/JSON; charset=utf-8`; "" when there is none."""
    return (content_type or "").split(";", 1)[0].strip().lower()


class JsonRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, after two checks of the body: JSON media type and nesting depth."""

    def __init__(self, access_problem: Callable[[], DomainError | None]) -> None:
        super().__init__()
        self._access_problem = access_problem

    def handler(self, app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
        problem = self._body_problem(app)
        if problem is not None:
            raise self._access_problem() or problem
        try:
            return super().handler(app, next_middleware)
        except RequestUnsupportedContentType:  # not reached after the check above; kept as a safety net
            raise self._access_problem() or unsupported_media_type(None) from None

    def _get_body(self, app: APIGatewayHttpResolver) -> dict:
        # Only JSON gets here (the check above); Powertools would compare the media type case-sensitively.
        return self._parse_json_data(app)

    def _body_problem(self, app: APIGatewayHttpResolver) -> DomainError | None:
        event = app.current_event
        if not event.body:
            return None
        content_type = event.headers.get("content-type")
        if media_type(content_type) != JSON_MEDIA_TYPE:
            return unsupported_media_type(content_type)
        try:
            parsed = event.json_body  # cached on the event: Powertools reuses this parse
        except RecursionError:
            return too_deep()
        except (ValueError, UnicodeDecodeError):
            return None  # Powertools answers it (400 malformed through ticketing.http)
        if not isinstance(parsed, dict):  # every body of this API is an object (a list was read as no body)
            return ValidationFailed.field("body", "must be a JSON object")
        try:
            check_nesting(parsed)
        except DomainError as exc:
            return exc
        return None


def unsupported_media_type(content_type: str | None) -> UnsupportedMediaType:
    sent = f"{content_type!r}" if content_type else "no Content-Type"
    return UnsupportedMediaType(f"The body must be sent as {JSON_MEDIA_TYPE} (got {sent})")


def accept_json_bodies_only(
    app: APIGatewayHttpResolver, access_problem: Callable[[], DomainError | None]
) -> None:
    """Make the resolver's request validation refuse non-JSON (415) and deeply nested (422) bodies."""
    app._request_validation_middleware = JsonRequestValidation(access_problem)  # noqa: SLF001 (Powertools' slot for it)


__all__ = ["JSON_MEDIA_TYPE", "JsonRequestValidation", "accept_json_bodies_only", "media_type"]
