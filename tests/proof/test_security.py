"""Proves the API's security promises: every protected route refuses missing, expired, tampered, unsigned
and foreign-key tokens; buyers cannot see each other's orders nor use organizer routes; the webhook needs
its signature and a replay is harmless; hostile text is refused or stored verbatim, never a 5xx; card data
never reaches logs or the database; no secret is committed."""

from __future__ import annotations

import base64
import gzip
import json
import logging
import re
import subprocess
import time
from pathlib import Path

import jwt
import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from proof_support import (
    APPROVED_CARD,
    CVV,
    PROJECT_ROOT,
    UNKNOWN_ID,
    assert_problem,
    card,
    future,
    hold,
    require_route,
    send_webhook,
    sign,
    template_routes,
)

from localrun.testing import database_text, logged_text

ORGANIZER_ROUTES = {
    ("POST", "/events"),
    ("PATCH", "/events/{event_id}"),
    ("POST", "/events/{event_id}/sectors"),
    ("POST", "/products"),
    ("GET", "/events/{event_id}/orders"),
    ("GET", "/events/{event_id}/report"),
    ("POST", "/orders/{order_id}/refund"),
    ("POST", "/checkins"),
    ("POST", "/events/{event_id}/image"),
    ("GET", "/events/{event_id}/queue"),
}
# Admins appoint organizers: buyers and organizers get 403.
ADMIN_ROUTES = {("POST", "/organizers"), ("GET", "/organizers")}
BUYER_OWNED_ROUTES = {
    ("GET", "/orders/{order_id}"),
    ("PUT", "/orders/{order_id}/products"),
    ("POST", "/orders/{order_id}/cancel"),
    ("POST", "/orders/{order_id}/payments"),
    ("GET", "/orders/{order_id}/invoice"),
    ("GET", "/orders/{order_id}/tickets"),
    ("POST", "/orders/{order_id}/withdrawal"),
    ("POST", "/tickets/{ticket_id}/transfer"),
}
# The waiting room's entry is its buyer's: another buyer's read is 404 (tests/e2e/test_waiting_room_http.py).
QUEUE_ROUTES = {("POST", "/events/{event_id}/queue"), ("GET", "/events/{event_id}/queue/{entry_id}")}
# A waiting-list entry is its buyer's: another buyer's leave is 404 (tests/e2e/test_waitlist_http.py).
WAITLIST_ROUTES = {
    ("POST", "/events/{event_id}/waitlist"),
    ("GET", "/waitlist"),
    ("DELETE", "/waitlist/{entry_id}"),
}
# Routes about the caller alone (no id of anyone else's to try).
BUYER_ROUTES = (
    {
        ("GET", "/users/me"),
        ("POST", "/orders"),
        ("GET", "/orders"),
        ("GET", "/tickets"),
        ("GET", "/users/me/export"),
        ("DELETE", "/users/me"),
    }
    | BUYER_OWNED_ROUTES
    | QUEUE_ROUTES
    | WAITLIST_ROUTES
)
HOSTILE = {
    "sql": "'; DROP TABLE orders; --",
    "script": "<script>alert(1)</script>",
    "nul": "a\x00b",
    "long": "x" * 10_000,
    "emoji": "🎟️🇧🇷 Show 😀",
    "rtl": "\u202eمرحبا\u202c עברית",
    "megabyte": "y" * (1024 * 1024),
}


def protected_routes() -> list[tuple[str, str]]:
    return sorted({(r.method, r.path) for r in template_routes() if not r.public})


def concrete(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), UNKNOWN_ID), path)


def body_for(method: str, path: str, event: dict) -> dict | None:
    """A request body that would be valid for the route (so only the token decides)."""
    bodies = {
        ("POST", "/events"): {"name": "X", "venue": "Y", "starts_at": future()},
        ("PATCH", "/events/{event_id}"): {"name": "Z"},
        ("POST", "/events/{event_id}/sectors"): {
            "name": "S",
            "kind": "general",
            "price_cents": 100,
            "capacity": 1,
        },
        ("POST", "/products"): {"name": "P", "price_cents": 100},
        ("POST", "/organizers"): {"email": "someone@example.com"},
        ("POST", "/events/{event_id}/image"): {"content_type": "image/png"},
        ("POST", "/orders"): {
            "event_id": event["id"],
            "tickets": [{"sector_id": event["general"]["id"], "quantity": 1}],
        },
        ("PUT", "/orders/{order_id}/products"): {"products": []},
        ("POST", "/orders/{order_id}/payments"): {"method": "pix"},
        ("POST", "/checkins"): {"code": "x" * 30},
        ("POST", "/tickets/{ticket_id}/transfer"): {"email": "someone@example.com"},
    }
    return bodies.get((method, path), {} if method in ("POST", "PUT", "PATCH") else None)


# ---------- tokens ----------


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _moto_private_key():
    import moto

    path = Path(moto.__file__).parent / "cognitoidp" / "resources" / "jwks-private.json.gz"
    return jwt.algorithms.RSAAlgorithm.from_jwk(gzip.decompress(path.read_bytes()).decode())


def forged_tokens(valid: str) -> dict[str, str]:
    header = jwt.get_unverified_header(valid)
    claims = jwt.decode(valid, options={"verify_signature": False})
    now = int(time.time())
    key = _moto_private_key()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    head, payload, signature = valid.split(".")
    tampered_claims = {**claims, "sub": claims["sub"][:-1] + ("0" if claims["sub"][-1] != "0" else "1")}
    return {
        "resigned": jwt.encode(
            {**claims, "exp": now + 600}, key, algorithm="RS256", headers={"kid": header["kid"]}
        ),
        "expired": jwt.encode(
            {**claims, "iat": now - 7200, "exp": now - 60},
            key,
            algorithm="RS256",
            headers={"kid": header["kid"]},
        ),
        "tampered": f"{head}.{_b64(tampered_claims)}.{signature}",
        "alg-none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': header['kid']})}.{payload}.",
        "wrong-key": jwt.encode(claims, other_key, algorithm="RS256", headers={"kid": header["kid"]}),
        "garbage": "not.a.token",
    }


@pytest.fixture(scope="module")
def setting(api, make_account, event_factory):
    event = event_factory(capacity=20)
    owner, stranger = make_account(), make_account()
    order = hold(api, owner.token, event)
    return {"event": event, "owner": owner, "stranger": stranger, "order": order}


def test_forged_tokens_are_refused_on_every_protected_route(api, setting):
    tokens = forged_tokens(setting["owner"].token)
    # The forging itself is right: re-signed with moto's key and a future expiry, the token is accepted.
    assert api.get("/users/me", token=tokens.pop("resigned")).status == 200
    routes = protected_routes()
    assert len(routes) >= 10
    failures = []
    for method, path in routes:
        url = concrete(path, {"order_id": setting["order"]["id"], "event_id": setting["event"]["id"]})
        body = body_for(method, path, setting["event"])
        for name, token in [("missing", None), *tokens.items()]:
            answer = api.request(method, url, body, token=token)
            if answer.status != 401 or not answer.headers["content-type"].startswith(
                "application/problem+json"
            ):
                failures.append(f"{method} {path} with a {name} token: {answer.status} {answer.text[:120]}")
    assert not failures, "\n".join(failures)


def test_every_protected_route_is_classified():
    unknown = set(protected_routes()) - BUYER_ROUTES - ORGANIZER_ROUTES - ADMIN_ROUTES
    assert unknown == set(), "a new protected route: add it to BUYER_ROUTES, ORGANIZER_ROUTES or ADMIN_ROUTES"


def test_buyers_cannot_reach_other_buyers_orders_nor_organizer_routes(api, setting):
    stranger, order, event = setting["stranger"], setting["order"], setting["event"]
    ids = {"order_id": order["id"], "event_id": event["id"]}
    failures = []
    for method, path in protected_routes():
        body = body_for(method, path, event)
        if (method, path) in BUYER_OWNED_ROUTES:
            answer = api.request(method, concrete(path, ids), body, token=stranger.token)
            if answer.status != 404:
                failures.append(f"{method} {path}: another buyer got {answer.status}")
        elif (method, path) in ORGANIZER_ROUTES | ADMIN_ROUTES:
            answer = api.request(method, concrete(path, ids), body, token=stranger.token)
            if answer.status != 403:
                failures.append(f"{method} {path}: a buyer got {answer.status}")
    assert not failures, "\n".join(failures)
    assert api.get(f"/orders/{order['id']}", token=setting["owner"].token).json["status"] == "reserved"
    listed = api.get("/orders", token=stranger.token).json["items"]
    assert order["id"] not in [o["id"] for o in listed]


# ---------- webhook ----------


def test_webhook_signature_and_replays(
    api, runtime, organizer_token, make_account, event_factory, webhook_secret
):
    require_route(api, "POST", "/payments/webhook")
    buyer, event = make_account(), event_factory()
    order = hold(api, buyer.token, event)
    payment = api.post(f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "pix"}).json
    raw = json.dumps({"payment_id": payment["id"], "status": "approved"}).encode()
    headers = {"Content-Type": "application/json"}
    for signature in (
        None,
        "",
        "sha256=" + "0" * 64,
        sign(raw, "wrong"),
        sign(raw, webhook_secret).upper()[:20],
    ):
        sent = {**headers, **({"X-Signature": signature} if signature is not None else {})}
        assert_problem(api.post("/payments/webhook", raw=raw, headers=sent), 401, "unauthorized")
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "awaiting_payment"
    first = send_webhook(api, webhook_secret, payment["id"], "approved")
    assert first.status == 200 and first.json["order_status"] == "paid"
    if ("POST", "/orders/{order_id}/refund") in {(r.method, r.path) for r in template_routes()}:
        assert api.post(f"/orders/{order['id']}/refund", token=organizer_token).status == 200
        expected = "refunded"
    else:
        expected = "paid"
    for _ in range(3):  # the same signed body again, later: nothing changes
        again = api.post(
            "/payments/webhook", raw=raw, headers={**headers, "X-Signature": sign(raw, webhook_secret)}
        )
        assert again.status == 200, again.text
    shown = api.get(f"/orders/{order['id']}", token=buyer.token).json
    assert shown["status"] == expected


# ---------- hostile input ----------


def _table_count(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            " AND table_name IN ('orders', 'users', 'events', 'payments', 'products')"
        ).fetchone()[0]


def hostile_requests(event: dict, order_id: str) -> list[tuple[str, str, str, dict, str | None]]:
    """(field, method, path, body, read-back path) for every text field of every body."""
    eid = event["id"]
    cases = []
    for field in ("name", "venue", "description", "timezone"):
        cases.append((field, "POST", "/events", {"name": "N", "venue": "V", "starts_at": future()}, None))
    for field in ("name", "venue", "description"):
        cases.append((field, "PATCH", f"/events/{eid}", {}, None))
    cases.append(
        (
            "name",
            "POST",
            f"/events/{eid}/sectors",
            {"kind": "general", "price_cents": 100, "capacity": 1},
            None,
        )
    )
    for field in ("name", "description"):
        cases.append((field, "POST", "/products", {"name": "P", "price_cents": 100, "event_id": eid}, None))
    for field in ("email", "password", "name", "cpf"):
        cases.append(
            (
                field,
                "POST",
                "/users",
                {"email": "h@example.com", "password": "Hh-123456!x", "name": "H", "cpf": "52998224725"},
                None,
            )
        )
    for field in ("email", "password"):
        cases.append((field, "POST", "/auth/token", {"email": "h@example.com", "password": "x"}, None))
    cases.append(
        (
            "event_id",
            "POST",
            "/orders",
            {"tickets": [{"sector_id": event["general"]["id"], "quantity": 1}]},
            None,
        )
    )
    cases.append(("type", "POST", "/orders", {"event_id": eid, "tickets": []}, None))
    for field in ("holder", "number", "cvv"):
        cases.append(
            (
                f"card.{field}",
                "POST",
                f"/orders/{order_id}/payments",
                {"method": "card", "card": card()},
                None,
            )
        )
    cases.append(("method", "POST", f"/orders/{order_id}/payments", {}, None))
    cases.append(("code", "POST", "/checkins", {}, None))
    return cases


def _with(body: dict, field: str, value: str, event: dict) -> dict:
    body = json.loads(json.dumps(body))
    if field == "type":
        body["tickets"] = [{"sector_id": event["general"]["id"], "quantity": 1, "type": value}]
    elif field.startswith("card."):
        body["card"][field[5:]] = value
    else:
        body[field] = value
    return body


@pytest.mark.parametrize("payload", sorted(HOSTILE))
def test_hostile_text_is_refused_or_stored_verbatim(api, organizer_token, setting, database_url, payload):
    value = HOSTILE[payload]
    event, owner = setting["event"], setting["owner"]
    failures = []
    for field, method, path, base, _ in hostile_requests(event, setting["order"]["id"]):
        token = owner.token if path.startswith("/orders") else organizer_token
        if path in ("/users", "/auth/token"):
            token = None
        body = _with(base, field, value, event)
        answer = api.request(method, path, body, token=token)
        if answer.status >= 500:
            failures.append(f"{method} {path} {field}: {answer.status}")
        elif (
            200 <= answer.status < 300
            and path in ("/events", "/products")
            and field in ("name", "venue", "description")
        ):
            stored = answer.json.get(field)
            if stored != value.strip():
                failures.append(f"{method} {path} {field}: stored {stored!r:.60} instead of the text sent")
        elif answer.status >= 400 and not answer.headers["content-type"].startswith(
            "application/problem+json"
        ):
            failures.append(f"{method} {path} {field}: {answer.status} is not problem+json")
    assert _table_count(database_url) == 5, "a table is gone"
    assert not failures, "\n".join(failures)


def test_withdrawal_of_an_order_that_was_never_paid_is_refused(api, make_account, event_factory):
    require_route(api, "POST", "/orders/{order_id}/withdrawal")
    buyer = make_account()
    order = hold(api, buyer.token, event_factory())
    assert_problem(api.post(f"/orders/{order['id']}/withdrawal", token=buyer.token), 409, "invalid-state")
    assert api.get(f"/orders/{order['id']}", token=buyer.token).json["status"] == "reserved"


# ---------- card data and secrets ----------


CARD_TEXT = re.compile(rf"{APPROVED_CARD}|4111[ -]?1111[ -]?1111[ -]?1111|\"?cvv\"?\s*[:=]\s*\"?{CVV}")


def test_card_numbers_and_cvvs_are_never_logged_or_stored(
    api, make_account, event_factory, database_url, capfd, caplog
):
    require_route(api, "POST", "/orders/{order_id}/payments")
    from ticketing.observability import logger as app_logger

    caplog.set_level(logging.DEBUG)
    previous = app_logger.log_level
    app_logger.setLevel("DEBUG")
    try:
        buyer, event = make_account(), event_factory()
        order = hold(api, buyer.token, event)
        bad = api.post(
            f"/orders/{order['id']}/payments",
            token=buyer.token,
            json={"method": "card", "card": card(cvv="12x")},
        )
        assert bad.status == 422 and APPROVED_CARD not in bad.text
        paid = api.post(
            f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "card", "card": card()}
        )
        assert paid.status == 201 and not CARD_TEXT.search(paid.text)
    finally:
        app_logger.setLevel(previous)
    logs = logged_text(capfd, caplog)
    assert "payments" in logs, "the payment requests were not logged at all: the scan would prove nothing"
    assert CARD_TEXT.findall(logs) == []
    assert [v[:80] for v in database_text(database_url) if CARD_TEXT.search(v)] == []
    assert CARD_TEXT.search(json.dumps(card())), "the scanner must find card data where there is some"


PRIVATE_KEY = re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE" + r" KEY-----")
AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")
AWS_SECRET = re.compile(r"aws_secret_access_key\s*[=:]\s*['\"]?[A-Za-z0-9/+]{40}", re.IGNORECASE)
LOCAL_DEFAULTS = {"local-webhook-secret"}  # documented in the README and the contract


def test_no_secrets_in_the_repository(runtime):
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(files) > 50
    secret = runtime.environment.get("PAYMENT_WEBHOOK_SECRET", "")
    findings = []
    for name in files:
        path = PROJECT_ROOT / name
        if not path.is_file() or path.stat().st_size > 2_000_000:
            continue
        text = path.read_bytes().decode("utf-8", errors="ignore")
        for pattern in (PRIVATE_KEY, AWS_KEY_ID, AWS_SECRET):
            findings += [f"{name}: {m.group(0)[:30]}" for m in pattern.finditer(text)]
        if secret and secret not in LOCAL_DEFAULTS and secret in text:
            findings.append(f"{name}: the webhook secret")
        for match in re.finditer(r"PAYMENT_WEBHOOK_SECRET\s*[:=]\s*['\"]?([^'\"\s,}]+)", text):
            value = match.group(1)
            if value not in LOCAL_DEFAULTS and not value.startswith(
                ("!", "$", "os.", "{", "settings", "env")
            ):
                findings.append(f"{name}: PAYMENT_WEBHOOK_SECRET = {value[:20]}")
    assert findings == []
    assert PRIVATE_KEY.search("-----BEGIN RSA PRIVATE" + " KEY-----") and AWS_KEY_ID.search(
        "AKIA" + "ABCDEFGHIJKLMNOP"
    )


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [
        ["not a time", "not an id"],
        ["2030-01-01T00:00:00Z", "\u0000"],
        [{"a": 1}, [2]],
        [1e308, -1],
        ["2030-01-01T00:00:00Z", "00000000-0000-4000-8000-000000000000", "extra"],
    ],
)
def test_forged_cursors_are_422_naming_the_cursor(api, setting, values):
    """A cursor is opaque: one the API did not issue, whatever it decodes to, is refused, never a 5xx."""
    cursor = _cursor(values)
    for path, token in (("/events", None), ("/orders", setting["owner"].token)):
        body = assert_problem(api.get(f"{path}?cursor={cursor}", token=token), 422, "validation")
        assert [e["field"] for e in body["errors"]] == ["cursor"], body


def test_a_nul_character_in_a_query_parameter_is_422_naming_it(api, organizer_token, setting):
    answer = api.get(f"/events/{setting['event']['id']}/orders?email=a%00b", token=organizer_token)
    body = assert_problem(answer, 422, "validation")
    assert [e["field"] for e in body["errors"]] == ["email"], body
