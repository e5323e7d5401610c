"""Calling a function's `lambda_handler` with an API Gateway HTTP API (payload 2.0) event, as API Gateway
would, without the local runtime."""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path
from typing import Any

from localrun.events import http_api_event

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"
BUYER = {"sub": "0b6c5ad2-5d7d-4b0e-9e4e-2f3a1c9d8e71", "username": "ana@example.com"}
ORGANIZER = {**BUYER, "cognito:groups": "[organizer]"}


def load_function(name: str, instance: int = 0) -> types.ModuleType:
    """A function's app.py, as Lambda imports it (e.g. "orders/create_order"); another `instance` is another
    import of the same file, as the local runtime makes for concurrent invocations."""
    module_name = "handler_under_test_" + name.replace("/", "_") + f"_{instance}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS / name / "app.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


class Context:
    function_name = "handler-test"
    aws_request_id = "handler-test-request"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def call(
    module: types.ModuleType,
    method: str,
    path: str,
    *,
    route: str | None = None,
    body: Any = None,
    raw_body: bytes | None = None,
    query: str = "",
    headers: dict[str, str] | None = None,
    claims: dict[str, Any] | None = None,
) -> tuple[int, dict[str, str], Any]:
    """(status, headers, body) of the function's answer; a JSON body comes back parsed."""
    data = raw_body if raw_body is not None else (b"" if body is None else json.dumps(body).encode())
    pairs = [("content-type", "application/json"), *(headers or {}).items()]
    event = http_api_event(
        method=method,
        raw_path=path,
        raw_query=query,
        headers=pairs,
        body=data,
        route_key=f"{method} {route or path}",
        claims=claims,
        request_id="req-123",
    )
    answer = module.lambda_handler(event, Context())
    answer_headers = {k.lower(): v for k, v in (answer.get("headers") or {}).items()}
    text = answer.get("body") or ""
    content_type = answer_headers.get("content-type", "")
    parsed = json.loads(text) if text and "json" in content_type else text
    return answer["statusCode"], answer_headers, parsed
