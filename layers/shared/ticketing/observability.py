"""Logger and tracer shared by every function (Powertools), and the handler decorators.

Every API request writes one JSON log line (method, route, status, duration) carrying the API Gateway
request id as correlation id; the same id goes back to the client in `X-Correlation-Id`. Request and
response bodies are never logged (they may hold passwords, card data, tokens or CPFs)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools import Logger, Tracer

logger = Logger(service="ticketing")
# Powertools' Tracer imports the X-Ray SDK (~190 ms of a cold start) even when it is disabled, so it is
# made only where tracing is on: in Lambda with POWERTOOLS_TRACE_DISABLED unset. Locally, in tests and in
# the benchmark there is no tracer at all.
tracer: Tracer | None = None if Tracer._is_tracer_disabled() else Tracer(service="ticketing")


def _captured(handler: Callable[[dict, Any], Any]) -> Callable[[dict, Any], Any]:
    """The handler inside an X-Ray segment when tracing is on; unchanged otherwise."""
    return handler if tracer is None else tracer.capture_lambda_handler(capture_response=False)(handler)


CORRELATION_HEADER = "X-Correlation-Id"


def _with_correlation_header(response: dict, correlation_id: str | None) -> dict:
    if correlation_id and isinstance(response, dict):
        headers = response.setdefault("headers", {}) or {}
        if not any(k.lower() == CORRELATION_HEADER.lower() for k in headers):
            headers[CORRELATION_HEADER] = correlation_id
        response["headers"] = headers
    return response


_cold = {"start": True}


def _request_keys(event: dict, context: Any) -> dict:
    """Keys of every log line of this invocation. They are kept per thread (Powertools' thread-safe
    keys), so concurrent invocations in one process (the local runtime) never mix them."""
    cold_start, _cold["start"] = _cold["start"], False
    return {
        "correlation_id": ((event or {}).get("requestContext") or {}).get("requestId"),
        "function_name": getattr(context, "function_name", None),
        "function_request_id": getattr(context, "aws_request_id", None),
        "cold_start": cold_start,
    }


def api_handler(resolve: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """Wrap an API function's handler: correlation id (the API Gateway request id) in every log line and
    in the response, one access log line per request, an X-Ray segment in AWS."""

    @_captured
    def handler(event: dict, context: Any) -> dict:
        started = time.perf_counter()
        keys = _request_keys(event, context)
        logger.thread_safe_append_keys(**keys)
        try:
            response = resolve(event, context)
            http = (event.get("requestContext") or {}).get("http") or {}
            logger.info(
                "request",
                extra={
                    "method": http.get("method"),
                    "route": event.get("routeKey"),
                    "status": response.get("statusCode") if isinstance(response, dict) else None,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )
            return _with_correlation_header(response, keys["correlation_id"])
        finally:
            logger.thread_safe_clear_keys()

    return handler


def job_handler(run: Callable[[dict, Any], Any]) -> Callable[[dict, Any], Any]:
    """Wrap a scheduled or queue-driven function's handler."""

    @_captured
    def handler(event: dict, context: Any) -> Any:
        logger.thread_safe_append_keys(**_request_keys(event, context))
        try:
            return run(event, context)
        finally:
            logger.thread_safe_clear_keys()

    return handler


def time_budget(context: Any, margin_seconds: float = 5.0) -> float:
    """Seconds a scheduled job may go on taking batches: the invocation's remaining time less a margin to
    log and return before the timeout (at least one second)."""
    return max(1.0, context.get_remaining_time_in_millis() / 1000 - margin_seconds)


def batch_job(run: Callable[..., dict[str, int]], done: str) -> Callable[[dict, Any], dict[str, int]]:
    """The handler of a scheduled batch job: `run(time_budget_seconds=...)` within the invocation's time
    (see ticketing.batches), its counts logged under the message `done` and returned."""

    @job_handler
    def handler(event: dict, context: Any) -> dict[str, int]:
        counts = run(time_budget_seconds=time_budget(context))
        logger.info(done, extra=counts)
        return counts

    return handler


@contextmanager
def traced(name: str) -> Iterator[None]:
    """An X-Ray subsegment around a database or AWS call (nothing when tracing is off, e.g. locally)."""
    if tracer is None or tracer.disabled:
        yield
        return
    with tracer.provider.in_subsegment(name):
        yield
