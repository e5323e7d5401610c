"""Hostile and unusual requests over HTTP (contract v2): media types, methods, deep JSON, bounds, look-alike
e-mails, reads that must not write, and odd static file names. Every answer is a 4xx problem, never a 5xx."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from http_problems import assert_problem

from localrun.testing import create_event_on_sale, post_signed, random_cpf
from ticketing import db

DEEP = 1_500  # beyond Python's recursion limit: json.loads alone raises RecursionError here


def deep_json(levels: int = DEEP) -> str:
    return "[" * levels + "]" * levels


def starts(days: int = 30) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def on_sale(api, organizer_token):
    made = create_event_on_sale(
        api,
        organizer_token,
        sectors=[
            {"name": "Pista", "kind": "general", "price_cents": 5000, "capacity": 50},
            {"name": "Plateia", "kind": "seated", "price_cents": 9000, "rows": [{"row": "A", "seats": 4}]},
        ],
    )
    return {"id": made["id"], "pista": made["sectors"][0]["id"], "plateia": made["sectors"][1]["id"]}


def _draft(api, organizer_token) -> dict:
    made = api.post(
        "/events", token=organizer_token, json={"name": "Rascunho", "venue": "Sala", "starts_at": starts()}
    )
    assert made.status == 201, made.text
    return made.json


# --- 415 unsupported-media-type ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "application/json-patch+json", None]
)
def test_a_body_that_is_not_declared_json_is_415(api, organizer_token, content_type):
    body = json.dumps({"name": "X", "venue": "Y", "starts_at": starts()})
    headers = {"Content-Type": content_type} if content_type else {}
    sign_up = json.dumps(
        {"email": "a@example.com", "password": "Senha-forte-1", "name": "A", "cpf": random_cpf()}
    )
    assert_problem(api.post("/users", raw=sign_up, headers=headers), 415, "unsupported-media-type")
    assert_problem(
        api.post("/events", raw=body, headers=headers, token=organizer_token), 415, "unsupported-media-type"
    )


def test_form_encoded_json_does_not_change_an_event(api, organizer_token):
    event = _draft(api, organizer_token)
    answer = api.patch(
        f"/events/{event['id']}",
        raw=json.dumps({"name": "Mudado"}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        token=organizer_token,
    )
    assert_problem(answer, 415, "unsupported-media-type")
    for multipart in ("multipart/form-data; boundary=x",):
        answer = api.patch(
            f"/events/{event['id']}", raw="--x--", headers={"Content-Type": multipart}, token=organizer_token
        )
        assert_problem(answer, 415, "unsupported-media-type")
    assert api.get(f"/events/{event['id']}", token=organizer_token).json["name"] == "Rascunho"


def test_json_with_a_charset_is_accepted(api, organizer_token):
    made = api.post(
        "/events",
        token=organizer_token,
        raw=json.dumps({"name": "Charset", "venue": "Sala", "starts_at": starts()}),
        headers={"Content-Type": "Application/JSON; charset=UTF-8"},
    )
    assert made.status == 201, made.text


def test_auth_is_checked_before_the_media_type(api, new_buyer):
    body = json.dumps({"name": "X"})
    assert_problem(api.post("/events", raw=body, headers={"Content-Type": "text/plain"}), 401, "unauthorized")
    buyer = new_buyer()
    assert_problem(
        api.post("/events", raw=body, headers={"Content-Type": "text/plain"}, token=buyer.token),
        403,
        "forbidden",
    )


# --- 405 method-not-allowed -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["TRACE", "CONNECT", "BREW", "PUT", "DELETE"])
def test_a_method_a_path_does_not_serve_is_405_with_allow(api, method):
    answer = api.request(method, "/events")
    body = assert_problem(answer, 405, "method-not-allowed")
    assert answer.headers["allow"] == "GET, POST", body
    answer = api.request(method, "/events/" + "0" * 8 + "-0000-0000-0000-" + "0" * 12 + "/sectors")
    assert_problem(answer, 405, "method-not-allowed")
    assert answer.headers["allow"] == "POST"


def test_an_unknown_path_is_a_404_problem_for_any_method(api):
    for method in ("GET", "TRACE", "BREW"):
        assert_problem(api.request(method, "/no-such-thing"), 404, "not-found")


def test_the_catch_all_function_answers_as_in_aws(runtime):
    # The same function API Gateway's $default route calls, invoked with the event it would send.
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/orders/abc/payments",
        "requestContext": {"http": {"method": "TRACE", "path": "/orders/abc/payments"}, "requestId": "r1"},
    }
    result = runtime.functions["MethodNotAllowedFunction"].invoke(event, "r1")
    assert result["statusCode"] == 405
    assert result["headers"]["Allow"] == "POST"
    assert json.loads(result["body"])["type"].endswith("/method-not-allowed")


# --- deep JSON -----------------------------------------------------------------------------------------


def test_deeply_nested_bodies_are_refused_not_crashed(api, organizer_token, new_buyer, on_sale):
    buyer = new_buyer()
    headers = {"Content-Type": "application/json"}
    assert_problem(api.post("/users", raw=deep_json(), headers=headers), 422, "validation")
    assert_problem(
        api.post("/orders", raw=deep_json(), headers=headers, token=buyer.token), 422, "validation"
    )
    nested_field = '{"event_id": "' + on_sale["id"] + '", "tickets": ' + deep_json(100) + "}"
    assert_problem(
        api.post("/orders", raw=nested_field, headers=headers, token=buyer.token), 422, "validation"
    )
    assert_problem(
        api.patch(f"/events/{on_sale['id']}", raw=deep_json(), headers=headers, token=organizer_token),
        422,
        "validation",
    )


def test_a_deeply_nested_cursor_is_a_422_naming_it(api):
    import base64

    for levels in (DEEP, 40):
        cursor = base64.urlsafe_b64encode(deep_json(levels).encode()).decode().rstrip("=")
        body = assert_problem(api.get("/events?cursor=" + cursor), 422, "validation")
        assert body["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize("name", ["q", "city", "cursor"])
def test_a_nul_character_in_a_query_parameter_is_a_422_naming_it(api, name):
    # PostgreSQL text cannot hold NUL: found by the outside fuzzer as a 500 on GET /events?q=%40%00
    body = assert_problem(api.get(f"/events?status=closed&{name}=%40%00"), 422, "validation")
    assert [error["field"] for error in body["errors"]] == [name]


@pytest.mark.parametrize("query", ["", "?event_id=", "?event_id=not-a-uuid", "?event_id=%00"])
def test_products_need_an_event_id_that_is_a_uuid(api, query):
    body = assert_problem(api.get("/products" + query), 422, "validation")
    assert [error["field"] for error in body["errors"]] == ["event_id"]


def test_a_deeply_nested_signed_webhook_is_refused(api, runtime):
    raw = ('{"payment_id": ' + deep_json() + "}").encode()
    answer = post_signed(api, "/payments/webhook", raw, runtime.environment["PAYMENT_WEBHOOK_SECRET"])
    assert_problem(answer, 422, "validation")


# --- bounds: dates, money, nulls ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    ["9999-12-31T23:59:59-14:00", "2100-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"],
)
def test_dates_outside_2000_to_2100_are_422_and_write_nothing(api, organizer_token, starts_at):
    name = "Fora do prazo " + secrets.token_hex(4)
    answer = api.post(
        "/events", token=organizer_token, json={"name": name, "venue": "Sala", "starts_at": starts_at}
    )
    body = assert_problem(answer, 422, "validation")
    assert body["errors"][0]["field"] == "starts_at"
    assert db.fetch_one("SELECT count(*) AS n FROM events WHERE name = %s", (name,))["n"] == 0
    assert api.get("/events?status=draft", token=organizer_token).status == 200


def test_an_answer_that_fails_after_the_insert_leaves_no_event(api, organizer_token):
    # The mechanism behind the saved year-10000 event: PostgreSQL stored a time Python cannot load, and the
    # insert had committed (autocommit) before loading the returned row failed. A trigger recreates that
    # (a start of 'infinity'); the insert now runs in a transaction, so the failed request writes nothing.
    name = "Falha na leitura " + secrets.token_hex(4)
    with db.connection() as conn:
        conn.execute(
            "CREATE FUNCTION test_unreadable_start() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN IF NEW.name LIKE 'Falha na leitura %%' THEN NEW.starts_at := 'infinity'; END IF; "
            "RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER test_unreadable_start BEFORE INSERT ON events "
            "FOR EACH ROW EXECUTE FUNCTION test_unreadable_start()"
        )
    try:
        answer = api.post(
            "/events", token=organizer_token, json={"name": name, "venue": "Sala", "starts_at": starts()}
        )
        assert answer.status >= 500  # a fault of ours, injected; what matters is what it left behind
    finally:
        with db.connection() as conn:
            conn.execute("DROP TRIGGER IF EXISTS test_unreadable_start ON events")
            conn.execute("DROP FUNCTION IF EXISTS test_unreadable_start()")
    assert db.fetch_one("SELECT count(*) AS n FROM events WHERE name = %s", (name,))["n"] == 0
    assert api.get("/events?status=draft", token=organizer_token).status == 200


def test_status_null_and_other_nulls_are_422(api, organizer_token):
    event = _draft(api, organizer_token)
    for field in ("status", "name", "starts_at", "hold_minutes"):
        body = assert_problem(
            api.patch(f"/events/{event['id']}", token=organizer_token, json={field: None}), 422, "validation"
        )
        assert body["errors"][0]["field"] == field
    cleared = api.patch(f"/events/{event['id']}", token=organizer_token, json={"description": None})
    assert cleared.status == 200, cleared.text


def test_the_openapi_document_shows_the_patch_fields_that_refuse_null_as_not_nullable(api):
    spec = api.get("/openapi.json").json
    patch = spec["components"]["schemas"]["EventPatch"]["properties"]
    for field in ("status", "name", "starts_at", "hold_minutes", "queue"):
        assert {"type": "null"} not in patch[field].get("anyOf", []), patch[field]
        assert "default" not in patch[field], patch[field]
    assert {"type": "null"} in patch["description"]["anyOf"]  # this one may be cleared


@pytest.mark.parametrize("field", ["price_cents", "capacity", "half_quota"])
def test_true_or_false_for_a_number_is_a_422_naming_it(api, organizer_token, field):
    event = _draft(api, organizer_token)
    sector = {"name": "Pista", "kind": "general", "price_cents": 5000, "capacity": 10, "half_quota": 2}
    sector[field] = False
    answer = api.post(f"/events/{event['id']}/sectors", token=organizer_token, json=sector)
    body = assert_problem(answer, 422, "validation")
    assert [error["field"] for error in body["errors"]] == [field]
    assert api.get(f"/events/{event['id']}", token=organizer_token).json["sectors"] == []


@pytest.mark.parametrize("raw", ["[null, null]", "[]", '"text"', "7", "null"])
def test_a_body_that_is_not_a_json_object_is_a_422(api, organizer_token, raw):
    event = _draft(api, organizer_token)
    answer = api.post(
        f"/events/{event['id']}/image",
        token=organizer_token,
        raw=raw,
        headers={"Content-Type": "application/json"},
    )
    body = assert_problem(answer, 422, "validation")
    assert body["errors"] == [{"field": "body", "message": "must be a JSON object"}]


def test_prices_and_quantities_are_bounded_so_totals_fit(api, organizer_token, new_buyer, on_sale):
    too_dear = {"name": "Camarote", "kind": "general", "price_cents": 100_000_000, "capacity": 10}
    body = assert_problem(
        api.post(f"/events/{on_sale['id']}/sectors", token=organizer_token, json=too_dear), 422, "validation"
    )
    assert body["errors"][0]["field"] == "price_cents"
    product = {"name": "Ouro", "price_cents": 100_000_000, "event_id": on_sale["id"]}
    assert_problem(api.post("/products", token=organizer_token, json=product), 422, "validation")
    buyer = new_buyer()
    many = {"event_id": on_sale["id"], "tickets": [{"sector_id": on_sale["pista"], "quantity": 100}] * 2}
    assert_problem(api.post("/orders", token=buyer.token, json=many), 422, "validation")
    addons = [{"product_id": "00000000-0000-0000-0000-000000000001", "quantity": 100}] * 3
    order = {"event_id": on_sale["id"], "tickets": [{"sector_id": on_sale["pista"]}], "products": addons}
    assert_problem(api.post("/orders", token=buyer.token, json=order), 422, "validation")
    spec = api.get("/openapi.json").json["components"]["schemas"]
    assert spec["SectorIn"]["properties"]["price_cents"]["maximum"] == 5_000_000


# --- e-mail addresses -----------------------------------------------------------------------------------

LOOK_ALIKES = {
    "cyrillic a": "victim-{n}@ex\u0430mple.com",
    "zero-width space": "vic\u200btim-{n}@example.com",
    "dotted capital I": "v\u0130ctim-{n}@example.com",
    "cyrillic in the local part": "vi\u0441tim-{n}@example.com",
}


@pytest.fixture
def victim(api):
    n = secrets.token_hex(3)
    email, password = f"victim-{n}@example.com", "Senha-forte-1"
    made = api.post("/users", json={"email": email, "password": password, "name": "V", "cpf": random_cpf()})
    assert made.status == 201, made.text
    return {"n": n, "email": email, "password": password, "id": made.json["id"]}


@pytest.mark.parametrize("kind", sorted(LOOK_ALIKES))
def test_look_alike_addresses_cannot_sign_up_or_sign_in(api, victim, kind):
    look_alike = LOOK_ALIKES[kind].format(n=victim["n"])
    body = {"email": look_alike, "password": victim["password"], "name": "M", "cpf": random_cpf()}
    problem = assert_problem(api.post("/users", json=body), 422, "validation")
    assert problem["errors"][0]["field"] == "email"
    signed_in = api.post("/auth/token", json={"email": look_alike, "password": victim["password"]})
    assert_problem(signed_in, 422, "validation")


def test_fullwidth_and_case_variants_are_the_same_address(api, victim):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and c != "@" else c for c in victim["email"])
    for variant in (fullwidth, victim["email"].upper(), "  " + victim["email"].title()):
        body = {"email": variant, "password": "Outra-senha-2", "name": "M", "cpf": random_cpf()}
        assert_problem(api.post("/users", json=body), 409, "email-taken")
        token = api.post("/auth/token", json={"email": variant, "password": victim["password"]})
        assert token.status == 200, token.text
        me = api.get("/users/me", token=token.json["access_token"])
        assert me.json["id"] == victim["id"] and me.json["email"] == victim["email"]


def test_addresses_are_stored_normalised(api):
    n = secrets.token_hex(3)
    made = api.post(
        "/users",
        json={
            "email": f"\uff2a\uff2f\uff33\u00c9-{n}@Exemplo.com.br",
            "password": "Senha-forte-1",
            "name": "J",
            "cpf": random_cpf(),
        },
    )
    assert made.status == 201, made.text
    assert made.json["email"] == f"jos\u00e9-{n}@exemplo.com.br"


# --- reads that must not write --------------------------------------------------------------------------


@pytest.fixture
def sector_view_writes():
    """Counts the rows written to sector_views from now on (a trigger, dropped afterwards)."""
    with db.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS test_sector_view_writes (at timestamptz DEFAULT now())")
        conn.execute(
            "CREATE OR REPLACE FUNCTION test_count_sector_view_write() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN INSERT INTO test_sector_view_writes DEFAULT VALUES; RETURN NULL; END $$"
        )
        conn.execute(
            "CREATE TRIGGER test_sector_view_writes AFTER INSERT OR UPDATE ON sector_views "
            "FOR EACH ROW EXECUTE FUNCTION test_count_sector_view_write()"
        )
    try:
        yield lambda: db.fetch_one("SELECT count(*) AS n FROM test_sector_view_writes")["n"]
    finally:
        with db.connection() as conn:
            conn.execute("DROP TRIGGER IF EXISTS test_sector_view_writes ON sector_views")
            conn.execute("DROP FUNCTION IF EXISTS test_count_sector_view_write()")
            conn.execute("DROP TABLE IF EXISTS test_sector_view_writes")


def test_seat_map_reads_do_not_write_per_request(api, organizer_token, on_sale, sector_view_writes):
    from ticketing.services.reports import seat_map_views

    seat_map_views.flush()  # what earlier tests counted
    before = sector_view_writes()
    path = f"/events/{on_sale['id']}/sectors/{on_sale['plateia']}/seats"
    started = datetime.now(UTC)
    for _ in range(300):
        assert api.get(path).status == 200
    elapsed = (datetime.now(UTC) - started).total_seconds()
    writes = sector_view_writes() - before
    assert writes <= 1 + elapsed / seat_map_views.flush_seconds, writes
    report = api.get(f"/events/{on_sale['id']}/report", token=organizer_token)
    assert report.status == 200, report.text
    plateia = next(s for s in report.json["by_sector"] if s["sector_id"] == on_sale["plateia"])
    assert plateia["seat_map_views"] == 300


# --- static files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["%00.js", "a%00b.css", "x" * 5000 + ".js", quote("é" * 3000) + ".js", "..%2f..%2fREADME.md"]
)
def test_odd_static_file_names_are_4xx(api, name):
    answer = api.get("/static/" + name)
    assert 400 <= answer.status < 500, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_the_local_server_never_answers_html(api):
    import http.client

    connection = http.client.HTTPConnection(api.host, api.port, timeout=10)
    try:
        connection.putrequest("GET", "/" + "a" * 70_000, skip_host=True, skip_accept_encoding=True)
        connection.endheaders()
        answer = connection.getresponse()
        assert 400 <= answer.status < 500
        assert answer.getheader("content-type").startswith("application/problem+json")
    finally:
        connection.close()
