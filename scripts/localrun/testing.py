"""What tests need to talk to a running LocalRuntime: a small JSON HTTP client, valid random CPFs and events
put on sale over HTTP."""

from __future__ import annotations

import http.client
import json
import random
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
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


def create_event_on_sale(
    api: ApiClient,
    token: str,
    *,
    sectors: Sequence[dict],
    products: Sequence[dict] = (),
    starts_in_days: int = 20,
    **fields: Any,
) -> dict:
    """An event put on sale over HTTP the way an organizer does it: POST /events (name, venue and a start
    `starts_in_days` from now unless `fields` say otherwise), its sectors, its own add-ons, then
    PATCH status on_sale. Returns {id, event (the draft as created), sectors, products} (the 201 bodies)."""
    starts = (datetime.now(UTC) + timedelta(days=starts_in_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    event = api.post(
        "/events", token=token, json={"name": "Evento", "venue": "Arena", "starts_at": starts, **fields}
    )
    assert event.status == 201, event.text
    event_id = event.json["id"]
    made_sectors = []
    for sector in sectors:
        made = api.post(f"/events/{event_id}/sectors", token=token, json=sector)
        assert made.status == 201, made.text
        made_sectors.append(made.json)
    made_products = []
    for product in products:
        made = api.post("/products", token=token, json={**product, "event_id": event_id})
        assert made.status == 201, made.text
        made_products.append(made.json)
    published = api.patch(f"/events/{event_id}", token=token, json={"status": "on_sale"})
    assert published.status == 200 and published.json["status"] == "on_sale", published.text
    return {"id": event_id, "event": event.json, "sectors": made_sectors, "products": made_products}
