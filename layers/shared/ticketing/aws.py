"""boto3 clients, built once per process. The endpoint comes from configuration only:
AWS_ENDPOINT_URL (read by boto3 itself) points every client at moto locally and in tests."""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

_clients: dict[str, Any] = {}
_lock = threading.Lock()
_CONFIG = Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=3, read_timeout=10)


def client(service: str) -> Any:
    """A shared boto3 client for `service` (thread-safe once created)."""
    found = _clients.get(service)
    if found is None:
        with _lock:
            found = _clients.get(service)
            if found is None:
                found = boto3.session.Session().client(service, config=_CONFIG)
                _clients[service] = found
    return found


def reset_clients() -> None:
    """Forget the clients (tests switch endpoints between runs)."""
    with _lock:
        _clients.clear()
