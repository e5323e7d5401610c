"""What tests need to talk to a running LocalRuntime: a small JSON HTTP client, valid random CPFs and events
put on sale over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import random
import threading
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")


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


def _sends_json(method: str) -> Callable[..., ApiResponse]:
    """ApiClient.post/put/patch: `method` with an optional JSON (or raw) body."""

    def send(self: ApiClient, path: str, json: Any = None, **options: Any) -> ApiResponse:
        return self.request(method, path, json, **options)  # options: token, headers, raw

    send.__name__ = method.lower()
    return send


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

    post = _sends_json("POST")
    put = _sends_json("PUT")
    patch = _sends_json("PATCH")


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


def pista_sector(price_cents: int, capacity: int, lote: tuple[int, int] | None = None) -> dict:
    """A general sector "Pista" as POST /events/{id}/sectors takes it; with `lote` (price, quantity), its
    one tier "1º lote"."""
    sector: dict = {"name": "Pista", "kind": "general", "price_cents": price_cents, "capacity": capacity}
    if lote:
        sector["tiers"] = [{"name": "1º lote", "price_cents": lote[0], "quantity": lote[1]}]
    return sector


def pista_on_sale(api: ApiClient, token: str, price_cents: int, capacity: int, **fields: Any) -> dict:
    """An event on sale with one general sector "Pista" (and the add-ons `fields` may list as `products`):
    {id, sector_id, product_id (of the first add-on, if any)}."""
    made = create_event_on_sale(api, token, sectors=[pista_sector(price_cents, capacity)], **fields)
    products = made["products"]
    return {
        "id": made["id"],
        "sector_id": made["sectors"][0]["id"],
        "product_id": products and products[0]["id"],
    }


def general_and_seated_on_sale(
    api: ApiClient,
    token: str,
    *,
    general: tuple[int, int],
    seated: tuple[int, list[dict]],
    add_on: dict,
    **fields: Any,
) -> dict:
    """An event on sale with a general sector "Pista" (price, capacity), a seated sector "Cadeiras" (price,
    rows) and one add-on, in the shape order tests hold from: {id, event (the draft as created), general,
    seated, product, seats (the seated sector's seat map)}."""
    made = create_event_on_sale(
        api,
        token,
        sectors=[
            pista_sector(*general),
            {"name": "Cadeiras", "kind": "seated", "price_cents": seated[0], "rows": seated[1]},
        ],
        products=[add_on],
        **fields,
    )
    pista, cadeiras = made["sectors"]
    seats = api.get(f"/events/{made['id']}/sectors/{cadeiras['id']}/seats").json["items"]
    return {
        "id": made["id"],
        "event": made["event"],
        "general": pista,
        "seated": cadeiras,
        "product": made["products"][0],
        "seats": seats,
    }


def general_or_seat(event: dict, buyer: int, seats: int) -> dict:
    """Buyer number `buyer`'s ticket line in a race on an event from general_and_seated_on_sale: a general
    place for an even number, else one of the first `seats` seats, in turn (two buyers per seat)."""
    if buyer % 2 == 0:
        return {"sector_id": event["general"]["id"], "quantity": 1}
    return {"sector_id": event["seated"]["id"], "seat_id": event["seats"][(buyer // 2) % seats]["id"]}


def post_order(api: ApiClient, token: str, event_id: str, tickets: list[dict], **fields: Any) -> ApiResponse:
    """POST /orders for these ticket lines (and any other body fields, such as products)."""
    return api.post("/orders", token=token, json={"event_id": event_id, "tickets": tickets, **fields})


def held_order(api: ApiClient, token: str, event_id: str, tickets: list[dict], **fields: Any) -> dict:
    """An order held by POST /orders, which must answer 201: the order's body."""
    order = post_order(api, token, event_id, tickets, **fields)
    assert order.status == 201, order.text
    return order.json


def post_signed(api: ApiClient, path: str, raw: bytes, secret: str | bytes) -> ApiResponse:
    """POST these raw JSON bytes as a provider's webhook does: with `X-Signature: sha256=<HMAC-SHA256 hex>`."""
    key = secret.encode() if isinstance(secret, str) else secret
    signature = "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
    return api.post(path, raw=raw, headers={"Content-Type": "application/json", "X-Signature": signature})


def card_details(number: str = "4111111111111111", holder: str = "Maria da Silva", cvv: str = "987") -> dict:
    """Card details for POST /orders/{id}/payments; the local gateway approves 4111111111111111."""
    return {"number": number, "holder": holder, "exp_month": 7, "exp_year": 2032, "cvv": cvv}


def paid_order(
    api: ApiClient, token: str, event_id: str, tickets: list[dict], card: dict | None = None
) -> dict:
    """An order held and paid by card at once (the local gateway approves the card): the order's 201 body."""
    order = held_order(api, token, event_id, tickets)
    paid = api.post(
        f"/orders/{order['id']}/payments",
        token=token,
        json={"method": "card", "card": card or card_details()},
    )
    assert paid.status == 201 and paid.json["status"] == "approved", paid.text
    return order


def fetch(url: str) -> bytes:
    """The body at a URL of the local stand-ins (a pre-signed S3 link, moto's data)."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - moto's local endpoint
        return response.read()


def eventually(check: Callable[[], T], seconds: float = 20.0, every: float = 0.2) -> T:
    """The first truthy value of check(), or its last value once `seconds` have passed: for what the
    runtime's background functions do after a request (tickets issued, e-mails sent)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(every)


def database_text(database_url: str) -> list[str]:
    """Every value of every text-like, JSON or bytea column of every table, as text (what pg_dump would
    show): for tests that prove a secret (a card number, a CVV) is stored nowhere."""
    import psycopg
    from psycopg import sql

    values: list[str] = []
    with psycopg.connect(database_url) as conn:
        columns = conn.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public'"
            "   AND data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'bytea')"
        ).fetchall()
        assert columns
        for table, column in columns:
            query = sql.SQL("SELECT {}::text FROM {} WHERE {} IS NOT NULL").format(
                sql.Identifier(column), sql.Identifier(table), sql.Identifier(column)
            )
            values.extend(row[0] for row in conn.execute(query))
    return values


def logged_text(capfd: Any, caplog: Any) -> str:
    """All a test's process printed and logged (pytest's capfd and caplog): for scans for secrets."""
    captured = capfd.readouterr()
    records = "\n".join(f"{r.getMessage()} {json.dumps(r.__dict__, default=str)}" for r in caplog.records)
    return captured.out + captured.err + records
