"""One declaration per route: `@route(app, "POST /orders", role="buyer", status=201, problems=[...])` over
`def create_order(...) -> Order:` (the success body is the handler's return annotation).

That one call is all a handler states about its route. It drives:
- Powertools' decorator, with the OpenAPI `responses` (success status and body, the problems, 401/403 from
  the role, 409 from the conflicts) and `security` for a role that needs a token;
- the caller: a parameter `caller: Caller` (or `Caller | None` on a public route) is handed over with
  Powertools' `Depends`, by the role's dependency;
- the checks that must answer before the request is validated (`REQUEST_CHECKS`: today who may call). The
  contract orders the answers auth 401/403, then 400/422, then 404, then 409; Powertools validates a request
  before it resolves `Depends`, so these checks also run when validation fails, ahead of its 422;
- the success status: the route returns its body (a `Response` passes through unchanged).
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.depends import Depends
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import BaseModel

from ticketing.auth import Caller
from ticketing.errors import DomainError, Malformed, NotFound
from ticketing.http import (
    API_DESCRIPTION,
    API_TITLE,
    API_VERSION,
    BEARER,
    CALLER_DEPENDENCIES,
    ROLES,
    SECURITY_SCHEMES,
    auth_statuses,
    caller_for,
    json_response,
    problem_response,
    validation_problem,
)
from ticketing.observability import api_handler
from ticketing.problems import PROBLEM_JSON
from ticketing.request_body import accept_json_bodies_only
from ticketing.responses import answers

__all__ = ["Caller", "RouteDeclaration", "install", "lambda_handler_for", "route"]

log = logging.getLogger("ticketing.routes")
# "{order_id}" in a route key (API Gateway, OpenAPI) is "<order_id>" in a Powertools rule.
POWERTOOLS_PATH_PARAMETER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class RouteDeclaration:
    """What a route states once: method, path, who may call it, what it answers."""

    method: str
    path: str
    role: str
    status: int
    body: type[BaseModel] | None
    problems: frozenset[int] = field(default_factory=frozenset)
    conflicts: tuple[str, ...] = ()

    @property
    def documented_statuses(self) -> set[int]:
        return {self.status, *self.problems}


def check_access(event: Mapping[str, Any], declaration: RouteDeclaration) -> None:
    """401/403 for a caller the route's role does not admit."""
    if ROLES[declaration.role].signed_in:
        caller_for(declaration.role, event)


# Run in this order before the request is validated; each raises the DomainError it answers. A new check
# (e.g. of the content type) is one more entry here.
REQUEST_CHECKS: list[Callable[[Mapping[str, Any], RouteDeclaration], None]] = [check_access]


def _request_problem(app: APIGatewayHttpResolver) -> DomainError | None:
    """The problem the checks find with the current request, or None."""
    matched = app.context.get("_route")
    declaration = getattr(getattr(matched, "func", None), "declaration", None)
    if declaration is None:
        return None
    try:
        for check in REQUEST_CHECKS:
            check(app.current_event.raw_event, declaration)
    except DomainError as exc:
        return exc
    return None


def install(app: APIGatewayHttpResolver) -> APIGatewayHttpResolver:
    """Register the shared error handlers and the OpenAPI security scheme on a function's resolver (once)."""
    if getattr(app, "_ticketing_installed", False):
        return app
    app._ticketing_installed = True
    # Bodies that are not JSON (415) or nested too deep (422), answered after the checks above (auth first).
    accept_json_bodies_only(app, lambda: _request_problem(app))
    app.configure_openapi(
        title=API_TITLE, version=API_VERSION, description=API_DESCRIPTION, security_schemes=SECURITY_SCHEMES
    )

    @app.exception_handler(DomainError)
    def _domain_error(exc: DomainError) -> Response:
        return problem_response(exc)

    @app.exception_handler(UnicodeDecodeError)
    def _not_utf8(exc: UnicodeDecodeError) -> Response:
        # Powertools decodes the body while validating it: bytes that are not UTF-8 are a malformed request.
        return problem_response(_request_problem(app) or Malformed("The request body is not UTF-8 text"))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(exc: RequestValidationError) -> Response:
        return problem_response(_request_problem(app) or validation_problem(exc))

    @app.not_found
    def _no_route(exc: NotFoundError) -> Response:
        return problem_response(NotFound("No such route"))

    @app.exception_handler(Exception)
    def _unexpected(exc: Exception) -> Response:
        log.exception("unhandled error")
        return Response(
            status_code=HTTPStatus.INTERNAL_SERVER_ERROR,
            content_type=PROBLEM_JSON,
            body='{"type": "about:blank", "title": "Internal Server Error", "status": 500, '
            '"detail": "Something went wrong on our side; it has been logged"}',
        )

    return app


# What a route with a request body may answer besides its own problems: a body that is not JSON (400), or
# one its model refuses (422).
BODY_PROBLEMS = {400, 422}


def _takes_a_body(handler: Callable[..., Any]) -> bool:
    """Whether the handler takes a request body (a parameter typed with a pydantic model, maybe optional)."""
    return any(
        inspect.isclass(kind) and issubclass(kind, BaseModel)
        for annotation in handler.__annotations__.values()
        for kind in (annotation, *typing.get_args(annotation))
    )


def _hand_caller(handler: Callable[..., Any], role: str) -> None:
    """Give the handler's `caller` parameter the role's dependency (Powertools resolves it per request)."""
    if "caller" not in inspect.signature(handler).parameters:
        return
    declared = handler.__annotations__.get("caller")
    expected = (Caller, "Caller") if ROLES[role].signed_in else (Caller | None, "Caller | None")
    if declared not in expected:
        raise TypeError(f"{handler.__name__}: a {role} route takes `caller: {expected[1]}`, not {declared!r}")
    handler.__annotations__["caller"] = Annotated[expected[0], Depends(CALLER_DEPENDENCIES[role])]


def _success_body(handler: Callable[..., Any], declared: type[BaseModel] | None) -> type[BaseModel] | None:
    """The model of the route's success body: the handler's return annotation (`-> Order`), taken off the
    handler so that Powertools, which reads the signature, does not also serialize the answered Response;
    else `body=` given to route (routes declared before return annotations were used)."""
    returned = handler.__annotations__.pop("return", None)
    if isinstance(returned, str):
        raise TypeError(
            f"{handler.__name__}: a route module must not use `from __future__ import annotations`"
        )
    if returned is not None and declared is not None and returned is not declared:
        raise TypeError(f"{handler.__name__}: `-> {returned!r}` and body={declared!r} disagree")
    return returned if inspect.isclass(returned) and issubclass(returned, BaseModel) else declared


def route(
    app: APIGatewayHttpResolver,
    route_key: str,
    *,
    role: str = "public",
    status: int = 200,
    body: type[BaseModel] | None = None,
    problems: Iterable[int | str] = (),
    summary: str | None = None,
    database: bool = True,
    description: str | None = None,
    success_description: str | None = None,
    other_types: Mapping[str, dict[str, Any]] | None = None,
    notes: Mapping[int, str] | None = None,
    documented: bool = True,
    other_successes: Mapping[int, str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare a route of this function's resolver: see the module's docstring.

    `route_key` is written as in template.yaml: "POST /orders/{order_id}/payments". The success body is the
    handler's return annotation (`def get_order(...) -> Order:`). `problems` are what the route itself
    answers: statuses (404...) and the names of its conflicts ("sold-out", each a 409); a request body adds
    400 and 422, a parameter in the path 404, the role 401/403, `database` 503. The summary is the first
    line of the handler's docstring unless given. `success_description`, `other_types` and `notes` refine the OpenAPI answers (see
    ticketing.responses.answers); `description` is the operation's; `documented=False` leaves the route out
    of the OpenAPI document. `other_successes` documents another success status with the same body (the
    handler returns a `Response` for it), e.g. 200 for a repeated create that is 201 the first time."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    declared_body = body
    method, _, path = route_key.partition(" ")
    install(app)
    conflicts = tuple(problem for problem in problems if isinstance(problem, str))
    statuses = {problem for problem in problems if isinstance(problem, int)} | auth_statuses(role)
    if POWERTOOLS_PATH_PARAMETER.search(path):
        statuses.add(404)  # an id in the path may name nothing (or nothing the caller may see)

    def register(handler: Callable[..., Any]) -> Callable[..., Any]:
        _hand_caller(handler, role)
        # The success body is the handler's return annotation (a dict it returns is validated against it
        # here, not by Powertools: the route answers a Response, which Powertools passes through as is).
        body = _success_body(handler, declared_body)
        answered = answers(
            status,
            body,
            *sorted(statuses | (BODY_PROBLEMS if _takes_a_body(handler) else set())),
            conflicts=conflicts,
            database=database,
            other_types=other_types,
            description=success_description,
            notes=notes,
        )
        for code, text in (other_successes or {}).items():
            answered[code] = (
                {"description": text, "content": {"application/json": {"model": body}}}
                if body
                else {"description": text}
            )
        declaration = RouteDeclaration(
            method=method.upper(),
            path=path,
            role=role,
            status=status,
            body=body,
            problems=frozenset(code for code in answered if code != status),
            conflicts=conflicts,
        )

        @functools.wraps(handler)
        def answer(**arguments: Any) -> Response:
            for check in REQUEST_CHECKS:
                check(app.current_event.raw_event, declaration)
            result = handler(**arguments)
            return result if isinstance(result, Response) else json_response(status, result)

        answer.declaration = declaration  # type: ignore[attr-defined]
        extra: dict[str, Any] = {"description": description} if description else {}
        app.route(
            POWERTOOLS_PATH_PARAMETER.sub(r"<\1>", path),
            declaration.method,
            summary=summary or (inspect.getdoc(handler) or "").split("\n")[0] or None,
            security=BEARER if ROLES[role].signed_in else None,
            responses=answered,
            include_in_schema=documented,
            **extra,
        )(answer)
        return answer

    return register


def lambda_handler_for(app: APIGatewayHttpResolver) -> Callable[[dict, Any], dict]:
    """The Lambda entry point of an API function: its resolver, with the shared logging and tracing."""

    def resolve(event: dict, context: Any) -> dict:
        # Powertools keeps the current event on the resolver class (Lambda runs one invocation per process);
        # the local runtime serves a function's invocations in threads, each on a resolver of its own, so
        # the event is pinned on this resolver, where the validation, the routes and the callers read it.
        app.current_event = APIGatewayProxyEventV2(event)
        app.lambda_context = context
        return app.resolve(event, context)

    return api_handler(resolve)
