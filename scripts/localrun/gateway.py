"""API Gateway (HTTP API) in front of the in-process functions: route, authorize, CORS, event in, response out."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from localrun.events import http_api_event
from localrun.functions import Function
from localrun.routes import DEFAULT_ROUTE, MethodNotAllowed, RouteMatch, RouteTable
from ticketing.problems import PROBLEM_JSON, problem_document

log = logging.getLogger("localrun.gateway")

DEFAULT_CORS_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
DEFAULT_CORS_HEADERS = (
    "authorization",
    "content-type",
    "idempotency-key",
    "x-admission-token",
    "x-correlation-id",
)


@dataclass(frozen=True)
class GatewayRequest:
    """One HTTP request as the gateway received it (target: path and query string)."""

    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    request_id: str


@dataclass
class HttpResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None


def problem(status: int, name: str, title: str, detail: str, **extra: Any) -> HttpResponse:
    body = problem_document(status, name, title, detail, **extra)
    return HttpResponse(status, [("Content-Type", PROBLEM_JSON)], json.dumps(body).encode())


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(item) for item in value]


@dataclass
class CorsPolicy:
    """What the HttpApi CorsConfiguration would answer, for the origins allowed locally."""

    allowed_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = DEFAULT_CORS_METHODS
    allow_headers: tuple[str, ...] = DEFAULT_CORS_HEADERS
    expose_headers: tuple[str, ...] = ("x-correlation-id",)
    max_age: int = 600
    allow_credentials: bool = False

    @classmethod
    def from_configuration(cls, origins: list[str], configuration: dict) -> CorsPolicy:
        def pick(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            values = _as_list(configuration.get(key))
            return tuple(values) if values else default

        return cls(
            allowed_origins=tuple(origins),
            allow_methods=pick("AllowMethods", DEFAULT_CORS_METHODS),
            allow_headers=pick("AllowHeaders", DEFAULT_CORS_HEADERS),
            expose_headers=pick("ExposeHeaders", ("x-correlation-id",)),
            max_age=int(configuration.get("MaxAge", 600)),
            allow_credentials=str(configuration.get("AllowCredentials", "false")).lower() == "true",
        )

    def allows(self, origin: str | None) -> bool:
        return bool(origin) and (origin in self.allowed_origins or "*" in self.allowed_origins)

    def preflight_headers(self, origin: str) -> list[tuple[str, str]]:
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Allow-Methods", ",".join(self.allow_methods)),
            ("Access-Control-Allow-Headers", ",".join(self.allow_headers)),
            ("Access-Control-Max-Age", str(self.max_age)),
            *self._credentials(),
            ("Vary", "Origin"),
        ]

    def response_headers(self, origin: str) -> list[tuple[str, str]]:
        return [
            ("Access-Control-Allow-Origin", origin),
            ("Access-Control-Expose-Headers", ",".join(self.expose_headers)),
            *self._credentials(),
            ("Vary", "Origin"),
        ]

    def _credentials(self) -> list[tuple[str, str]]:
        return [("Access-Control-Allow-Credentials", "true")] if self.allow_credentials else []


def unauthorized(detail: str) -> HttpResponse:
    # API Gateway answers {"message":"Unauthorized"}; the contract wants problem+json, so both keys.
    response = problem(401, "unauthorized", "Unauthorized", detail, message="Unauthorized")
    response.headers.append(("WWW-Authenticate", "Bearer"))
    return response


def response_from_result(result: Any) -> HttpResponse:
    """A Lambda proxy result (payload 2.0) as the HTTP response API Gateway would send."""
    if not (isinstance(result, dict) and "statusCode" in result):
        body = result if isinstance(result, str) else json.dumps(result)
        return HttpResponse(200, [("Content-Type", "application/json")], body.encode())
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        headers.append((name, str(value)))
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers += [(name, str(value)) for value in values]
    headers += [("Set-Cookie", cookie) for cookie in result.get("cookies") or []]
    if not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    body = result.get("body")
    if body is None:
        raw = b""
    elif result.get("isBase64Encoded"):
        raw = base64.b64decode(body)
    else:
        raw = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode()
    return HttpResponse(int(result["statusCode"]), headers, raw)


class Gateway:
    """Turns one HTTP request into a v2.0 event for the function of its route, and the result back."""

    def __init__(
        self,
        routes: RouteTable,
        functions: dict[str, Function],
        cors: CorsPolicy,
        verify_token: Callable[[str], dict] | None = None,
        storefront: Any = None,
    ) -> None:
        self.storefront = storefront  # localrun.storefront.Storefront: static files for unmatched GETs
        self.routes = routes
        self.functions = functions
        self.cors = cors
        self._verify_token = verify_token

    def verify_token(self, token: str) -> dict:
        if self._verify_token is None:
            from ticketing.auth import verify_access_token

            return verify_access_token(token)
        return self._verify_token(token)

    def handle(
        self, method: str, target: str, headers: list[tuple[str, str]], body: bytes, source_ip: str
    ) -> HttpResponse:
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        origin = next((value for name, value in headers if name.lower() == "origin"), None)
        request = GatewayRequest(method, target, headers, body, source_ip, request_id)
        response = self._respond(request, origin)
        names = {name.lower() for name, _ in response.headers}
        if "x-correlation-id" not in names:
            response.headers.append(("X-Correlation-Id", request_id))
        response.headers.append(("Apigw-Requestid", request_id))
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "request",
                extra={
                    "method": method,
                    "target": target,
                    "status": response.status,
                    "ms": round((time.perf_counter() - started) * 1000, 2),
                    "request_id": request_id,
                },
            )
        return response

    def _respond(self, request: GatewayRequest, origin: str | None) -> HttpResponse:
        header_names = {name.lower() for name, _ in request.headers}
        if request.method == "OPTIONS" and origin and "access-control-request-method" in header_names:
            if self.cors.allows(origin):
                return HttpResponse(204, self.cors.preflight_headers(origin))
            return HttpResponse(204, [])
        response = self._route(request)
        # API Gateway's CORS configuration overrides whatever CORS headers the function set.
        response.headers = [
            (n, v) for n, v in response.headers if not n.lower().startswith("access-control-")
        ]
        if self.cors.allows(origin):
            response.headers += self.cors.response_headers(origin)
        return response

    def _route(self, request: GatewayRequest) -> HttpResponse:
        method, headers, request_id = request.method, request.headers, request.request_id
        path, _, raw_query = request.target.partition("?")
        found = self.routes.match(method, path)
        if found is None or (isinstance(found, RouteMatch) and found.route.path == DEFAULT_ROUTE):
            # The storefront's files come before the $default route (in AWS CloudFront serves them).
            static = self.storefront.response(method, path) if self.storefront is not None else None
            if static is not None:
                return static
        if found is None:
            return problem(404, "not-found", "Not found", f"No route for {path}")
        if isinstance(found, MethodNotAllowed):
            response = problem(
                405, "method-not-allowed", "Method not allowed", f"{method} is not allowed on {path}"
            )
            response.headers.append(("Allow", ", ".join(found.allowed)))
            return response
        route = found.route
        claims = None
        if not route.public:
            authorization = next((v for n, v in headers if n.lower() == "authorization"), "")
            scheme, _, token = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return unauthorized("A bearer token is required")
            try:
                claims = self.verify_token(token.strip())
            except Exception as exc:  # any failure of the check is a 401, as at API Gateway
                log.debug("token rejected", extra={"reason": str(exc)})
                return unauthorized("The token is invalid or expired")
            if route.scopes and not set(route.scopes) & set(str(claims.get("scope", "")).split()):
                return problem(403, "forbidden", "Forbidden", "The token lacks a required scope")
        event = http_api_event(
            method=method,
            raw_path=path,
            raw_query=raw_query,
            headers=headers,
            body=request.body,
            route_key=route.route_key,
            path_parameters=found.path_parameters,
            source_ip=request.source_ip,
            claims=claims,
            request_id=request_id,
        )
        function = self.functions[route.function]
        try:
            result = function.invoke(event, request_id)
        except Exception:
            log.exception("function raised", extra={"function": route.function, "request_id": request_id})
            return problem(
                500,
                "internal",
                "Internal Server Error",
                "The function failed; the traceback is in the local log",
                message="Internal Server Error",
            )
        try:
            return response_from_result(result)
        except Exception:
            log.exception("malformed function response", extra={"function": route.function})
            return problem(502, "bad-gateway", "Bad Gateway", "The function returned a malformed response")
