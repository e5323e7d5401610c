"""Contract v2 "Admin and organizers" and "Organizer and buyer conveniences" over HTTP through the local
runtime: admins appoint organizers, forgotten passwords, events found by text and city with an image, the
report by day and lote with its pt-BR CSV."""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
import urllib.request
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from http_problems import EVENT_DRAFT, assert_problem

from localrun.testing import create_event_on_sale, pista_sector

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "Admin-2026!"
CARD = {"number": "4111111111111111", "holder": "ANA SOUZA", "exp_month": 12, "exp_year": 2031, "cvv": "123"}


def sign_in(api, email: str, password: str) -> str:
    answer = api.post("/auth/token", json={"email": email, "password": password})
    assert answer.status == 200, answer.text
    return answer.json["access_token"]


@pytest.fixture(scope="module")
def admin_token(api) -> str:
    return sign_in(api, ADMIN_EMAIL, ADMIN_PASSWORD)


def mails_to(runtime, address: str) -> list[str]:
    """The local mailbox (SES in moto): every message sent to this address, as text."""
    with urllib.request.urlopen(runtime.moto_endpoint + "/moto-api/data.json", timeout=10) as answer:  # noqa: S310
        data = json.loads(answer.read())
    messages = data.get("ses", {}).get("Message", []) or data.get("ses", {}).get("message", [])
    return [json.dumps(m, ensure_ascii=False) for m in messages if address in json.dumps(m)]


# ---------------------------------------------------------------- admins and organizers


def test_the_local_admin_appoints_an_organizer_whose_next_token_carries_the_role(
    api, admin_token, organizer_token, new_buyer
):
    me = api.get("/users/me", token=admin_token)
    assert me.status == 200 and "admin" in me.json["roles"], me.text
    buyer = new_buyer()
    for token in (buyer.token, organizer_token):
        assert_problem(api.post("/organizers", token=token, json={"email": buyer.email}), 403, "forbidden")
        assert_problem(api.get("/organizers", token=token), 403, "forbidden")
    assert_problem(api.post("/organizers", json={"email": buyer.email}), 401, "unauthorized")
    assert_problem(api.get("/organizers"), 401, "unauthorized")
    assert_problem(api.post("/organizers", token=admin_token, json={}), 422, "validation")
    assert_problem(
        api.post("/organizers", token=admin_token, json={"email": f"nobody-{uuid.uuid4().hex}@example.com"}),
        404,
        "not-found",
    )
    assert_problem(api.post("/events", token=buyer.token, json=EVENT_DRAFT), 403, "forbidden")

    made = api.post("/organizers", token=admin_token, json={"email": buyer.email.upper()})
    assert made.status == 201, made.text
    assert made.json == {"email": buyer.email, "roles": ["buyer", "organizer"]}
    again = api.post("/organizers", token=admin_token, json={"email": buyer.email})
    assert (again.status, again.json) == (200, made.json)

    token = sign_in(api, buyer.email, buyer.password)
    assert api.get("/users/me", token=token).json["roles"] == ["buyer", "organizer"]
    created = api.post(
        "/events", token=token, json={"name": "Meu show", "venue": "Bar", "starts_at": "2030-01-01T20:00:00Z"}
    )
    assert created.status == 201, created.text

    listed, cursor = [], None
    while True:
        page = api.get("/organizers?limit=1" + (f"&cursor={cursor}" if cursor else ""), token=admin_token)
        assert page.status == 200, page.text
        assert len(page.json["items"]) <= 1
        listed += page.json["items"]
        cursor = page.json["next_cursor"]
        if not cursor:
            break
    mine = [o for o in listed if o["email"] == buyer.email]
    assert len(mine) == 1 and mine[0]["roles"] == ["buyer", "organizer"] and mine[0]["organizer_since"]
    assert "organizer@example.com" in {o["email"] for o in listed}
    assert_problem(api.get("/organizers?cursor=nonsense", token=admin_token), 422, "validation")


# ---------------------------------------------------------------- forgotten passwords


def test_a_forgotten_password_is_replaced_with_the_code_from_the_mailbox(api, runtime, new_buyer):
    buyer = new_buyer()
    assert api.post("/auth/password-reset", json={"email": buyer.email}).status == 202
    nobody = api.post("/auth/password-reset", json={"email": f"nobody-{uuid.uuid4().hex}@example.com"})
    assert (nobody.status, nobody.text) == (202, "")  # the same answer: no account enumeration
    assert_problem(api.post("/auth/password-reset", json={"email": "not an e-mail"}), 422, "validation")

    mails = mails_to(runtime, buyer.email)
    assert len(mails) == 1 and "nova senha" in mails[0]
    code = re.search(r"é (\d{6})", mails[0]).group(1)

    new_password = "Nova-" + secrets.token_hex(4) + "!A1"
    confirm = "/auth/password-reset/confirm"
    weak = api.post(confirm, json={"email": buyer.email, "code": code, "new_password": "fraca"})
    assert assert_problem(weak, 422, "validation")["errors"][0]["field"] == "new_password"
    wrong = "000000" if code != "000000" else "111111"
    assert_problem(
        api.post(confirm, json={"email": buyer.email, "code": wrong, "new_password": new_password}),
        401,
        "unauthorized",
    )

    done = api.post(confirm, json={"email": buyer.email, "code": code, "new_password": new_password})
    assert (done.status, done.text) == (204, "")
    assert_problem(
        api.post("/auth/token", json={"email": buyer.email, "password": buyer.password}), 401, "unauthorized"
    )
    assert sign_in(api, buyer.email, new_password)
    assert_problem(
        api.post(confirm, json={"email": buyer.email, "code": code, "new_password": new_password + "x"}),
        401,
        "unauthorized",
    )  # a code works once
    assert_problem(
        api.post(
            confirm,
            json={
                "email": f"nobody-{uuid.uuid4().hex}@example.com",
                "code": code,
                "new_password": new_password,
            },
        ),
        401,
        "unauthorized",
    )


# ---------------------------------------------------------------- city, search and image


def test_events_are_found_by_text_and_city_and_show_their_image(api, organizer_token):
    tag = uuid.uuid4().hex[:10]
    made = create_event_on_sale(
        api,
        organizer_token,
        name=f"Festival de Inverno {tag}",
        venue="Praça Central",
        city="Campos do Jordão",
        sectors=[{"name": "Pista", "kind": "general", "price_cents": 8000, "capacity": 20}],
    )
    assert made["event"]["city"] == "Campos do Jordão" and made["event"]["image_url"] is None
    other = create_event_on_sale(
        api,
        organizer_token,
        name=f"Festival de Verão {tag}",
        venue="Praia",
        city="Ubatuba",
        starts_in_days=21,
        sectors=[{"name": "Pista", "kind": "general", "price_cents": 8000, "capacity": 20}],
    )

    def found(query: str) -> list[str]:
        answer = api.get("/events?" + query)
        assert answer.status == 200, answer.text
        return [e["id"] for e in answer.json["items"]]

    assert found(f"q={tag}") == [made["id"], other["id"]]
    assert found(f"q=inverno+{tag}") == [made["id"]]
    assert found(f"q={tag}&city=campos+do+jordao") == [made["id"]]
    assert found(f"q=PRACA+{tag}") == []  # words in order: the tag is in the name, before the venue
    assert found(f"q={tag}+pra%C3%A7a") == [made["id"]]
    assert found(f"q={tag}&city=Ubatuba") == [other["id"]]
    assert_problem(api.get("/events?q=" + "x" * 101), 422, "validation")

    upload = api.post(
        f"/events/{made['id']}/image", token=organizer_token, json={"content_type": "image/png"}
    )
    assert upload.status == 201, upload.text
    body = upload.json
    assert body["fields"]["Content-Type"] == "image/png" and body["max_bytes"] == 5 * 1024 * 1024
    png = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(64)
    status = post_form(body["upload_url"], body["fields"], png, "image/png")
    assert status in (200, 201, 204)
    with urllib.request.urlopen(body["image_url"], timeout=10) as image:  # noqa: S310 - moto locally
        assert image.read() == png
    event = api.get(f"/events/{made['id']}").json
    assert event["image_url"] == body["image_url"]
    listed = next(e for e in api.get(f"/events?q={tag}").json["items"] if e["id"] == made["id"])
    assert listed["image_url"] == body["image_url"]

    assert_problem(
        api.post(f"/events/{made['id']}/image", token=organizer_token, json={"content_type": "image/gif"}),
        422,
        "validation",
    )
    assert api.post(f"/events/{made['id']}/image", token=organizer_token).status == 201  # JPEG by default
    assert_problem(api.post(f"/events/{uuid.uuid4()}/image", token=organizer_token), 404, "not-found")


def post_form(url: str, fields: dict[str, str], content: bytes, content_type: str) -> int:
    """A browser's multipart/form-data upload of a presigned POST: the fields, then the file."""
    boundary = "----upload" + secrets.token_hex(8)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="image"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(  # noqa: S310 - moto locally
        url, data=b"".join(parts), headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
        return answer.status


# ---------------------------------------------------------------- report by day and lote, pt-BR CSV


def test_the_report_has_sales_by_day_and_lotes_and_a_portuguese_csv(api, organizer_token, new_buyer):
    made = create_event_on_sale(
        api,
        organizer_token,
        name="Relatório",
        timezone="America/Recife",
        sectors=[pista_sector(50000, 100, lote=(61650, 2))],
    )
    sector = made["sectors"][0]["id"]
    buyer = new_buyer()
    order = api.post(
        "/orders",
        token=buyer.token,
        json={"event_id": made["id"], "tickets": [{"sector_id": sector, "quantity": 3}]},
    ).json
    paid = api.post(
        f"/orders/{order['id']}/payments", token=buyer.token, json={"method": "card", "card": CARD}
    )
    assert paid.json["status"] == "approved", paid.text

    report = api.get(f"/events/{made['id']}/report", token=organizer_token)
    assert report.status == 200, report.text
    today = datetime.now(ZoneInfo("America/Recife")).date().isoformat()
    assert report.json["sales_by_day"] == [
        {"date": today, "tickets": 3, "revenue_cents": order["total_cents"]}
    ]
    (pista,) = report.json["by_sector"]
    assert pista["tiers"] == [{"name": "1º lote", "price_cents": 61650, "sold": 2}]

    machine = api.get(f"/events/{made['id']}/report?format=csv", token=organizer_token)
    assert machine.text.startswith("kind,id,name") and str(order["total_cents"]) in machine.text

    answer = api.get(f"/events/{made['id']}/report?format=csv&locale=pt-BR", token=organizer_token)
    assert answer.status == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(answer.text.removeprefix("\ufeff")), delimiter=";"))
    header = rows[0]
    assert header[:3] == ["tipo", "id", "nome"]
    by_kind = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    total = order["total_cents"]
    reais = f"{total // 100:,}".replace(",", ".") + f",{total % 100:02d}"
    assert by_kind["evento"]["receita (R$)"] == reais
    assert "." in reais  # above R$ 1.000,00: the thousands dot is there
    assert by_kind["lote"]["ingressos vendidos"] == "2"
    day = datetime.now(ZoneInfo("America/Recife")).strftime("%d/%m/%Y")
    assert by_kind["dia"]["nome"] == day
    assert_problem(
        api.get(f"/events/{made['id']}/report?format=csv&locale=en-US", token=organizer_token),
        422,
        "validation",
    )
