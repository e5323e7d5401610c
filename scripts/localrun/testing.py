"""What tests need to talk to a running LocalRuntime: a small JSON HTTP client and valid random CPFs."""

from __future__ import annotations

import http.client
import json
import random
import threading
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urlsplit


def random_cpf() -> str:
    """Eleven digits with correct check digits (never all the same digit)."""
    while True:
        digits = [random.randint(0, 9) for _ in range(9)]
        if len(set(digits)) > 1:
            break
    for length in (9, 10):
        total = sum(d * w for d, w in zip(digits, range(length + 1, 1, -1), strict=True))
        remainder = total * 10 % 11
        digits.append(0 if remainder == 10 else remainder)
    return "".join(map(str, digits))


@dataclass
class ApiResponse:
    status: int
    headers: Message  # case-insensitive: response.headers["content-type"]
    text: str

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.text) if self.text else None
        except ValueError:
            return None


class ApiClient:
    """JSON over keep-alive HTTP/1.1, one connection per thread."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        self._local = threading.local()

    def _connection(self) -> http.client.HTTPConnection:
        found = getattr(self._local, "connection", None)
        if found is None:
            found = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._local.connection = found
        return found

    def close(self) -> None:
        found = getattr(self._local, "connection", None)
        if found is not None:
            found.close()
            self._local.connection = None

    def request(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> ApiResponse:
        sent = dict(headers or {})
        body: bytes | None = None
        if raw is not None:
            body = raw.encode() if isinstance(raw, str) else raw
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        if token:
            sent["Authorization"] = f"Bearer {token}"
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, path, body=body, headers=sent)
                response = connection.getresponse()
                text = response.read().decode("utf-8", errors="replace")
                return ApiResponse(response.status, response.headers, text)
            except (http.client.RemoteDisconnected, ConnectionError, http.client.CannotSendRequest):
                self.close()  # the server closed an idle keep-alive connection: retry once on a new one
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def get(self, path: str, token: str | None = None, headers: dict[str, str] | None = None) -> ApiResponse:
        return self.request("GET", path, token=token, headers=headers)

    def delete(
        self, path: str, token: str | None = None, headers: dict[str, str] | None = None
    ) -> ApiResponse:
        return self.request("DELETE", path, token=token, headers=headers)

    def post(
        self,
        path: str,
        json: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> ApiResponse:
        return self.request("POST", path, json, token, headers, raw)

    def put(
        self,
        path: str,
        json: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> ApiResponse:
        return self.request("PUT", path, json, token, headers, raw)

    def patch(
        self,
        path: str,
        json: Any = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
    ) -> ApiResponse:
        return self.request("PATCH", path, json, token, headers, raw)
