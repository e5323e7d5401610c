"""Logger, tracer and metrics shared by every function (Powertools), and the handler decorator."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging import correlation_paths

logger = Logger(service="ticketing")
tracer = Tracer(service="ticketing")
metrics = Metrics(namespace="Ticketing", service="ticketing")


def api_handler(resolve: Callable[[dict, Any], dict]) -> Callable[[dict, Any], dict]:
    """Wrap an API function's handler: correlation id from the API Gateway request id in every log line."""
    return logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)(resolve)


def job_handler(run: Callable[[dict, Any], Any]) -> Callable[[dict, Any], Any]:
    """Wrap a scheduled or queue-driven function's handler."""
    return logger.inject_lambda_context(run)
