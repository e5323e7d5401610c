"""$default: every request no route serves. 405 `method-not-allowed` with `Allow` when the path exists
for other methods (TRACE, CONNECT and made-up methods included), else 404 `not-found`; always problem+json.

API Gateway's HTTP API would answer these itself with a bare 404 `{"message":"Not Found"}`; the catch-all
route gives the contract's answers in AWS exactly as the local runtime does (it runs this same function)."""

import json
import re
from functools import lru_cache
from pathlib import Path

from aws_lambda_powertools.utilities.typing import LambdaContext

from ticketing.errors import DomainError, MethodNotAllowed, NotFound
from ticketing.observability import api_handler
from ticketing.openapi import api_merge
from ticketing.problems import PROBLEM_JSON

FUNCTIONS_ROOT = Path(__file__).resolve().parents[2]
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Routes the published document leaves out: the meta functions (see ticketing.openapi.MERGE_OPTIONS).
UNDOCUMENTED_ROUTES = {"/health": ("GET",), "/openapi.json": ("GET",), "/docs": ("GET",)}


@lru_cache(maxsize=1)
def route_table() -> list[tuple[re.Pattern[str], tuple[str, ...]]]:
    """(path pattern, methods) of every route, from the same merged document GET /openapi.json serves."""
    paths = api_merge(FUNCTIONS_ROOT).get_openapi_schema().get("paths", {})
    table = {
        path: tuple(sorted(method.upper() for method in operations if method in HTTP_METHODS))
        for path, operations in paths.items()
    }
    table.update(UNDOCUMENTED_ROUTES)
    return [
        (re.compile("^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)) + "$"), methods)
        for path, methods in table.items()
    ]


def problem_for(method: str, path: str) -> DomainError:
    allowed = sorted({m for pattern, methods in route_table() if pattern.match(path) for m in methods})
    if allowed and method.upper() not in allowed:
        return MethodNotAllowed(f"{method} is not allowed on {path}", allow=allowed)
    return NotFound(f"No route for {path}")


@api_handler
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    http = (event.get("requestContext") or {}).get("http") or {}
    problem = problem_for(str(http.get("method") or ""), str(event.get("rawPath") or http.get("path") or "/"))
    headers = {"Content-Type": PROBLEM_JSON}
    allow = problem.extra.pop("allow", None)
    if allow:
        headers["Allow"] = ", ".join(allow)
    return {"statusCode": problem.status, "headers": headers, "body": json.dumps(problem.problem())}
