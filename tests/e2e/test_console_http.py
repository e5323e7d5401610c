"""What the organizer console needs from the API beyond v2 (issue 19): `GET /events?mine=true`, the caller's
own events of every status, so one organizer's console lists nothing of another's."""

from __future__ import annotations

import secrets

from http_problems import assert_problem

from localrun.testing import create_event_on_sale

ADMIN = ("admin@example.com", "Admin-2026!")
SECTOR = {"name": "Pista", "kind": "general", "price_cents": 5000, "capacity": 10}


def sign_in(api, email: str, password: str) -> str:
    answer = api.post("/auth/token", json={"email": email, "password": password})
    assert answer.status == 200, answer.text
    return answer.json["access_token"]


def mine(api, token: str, query: str = "") -> list[dict]:
    answer = api.get(f"/events?mine=true&limit=200{query}", token=token)
    assert answer.status == 200, answer.text
    return answer.json["items"]


def test_mine_lists_the_callers_events_of_every_status_and_no_one_elses(api, organizer_token, new_buyer):
    tag = secrets.token_hex(3)
    on_sale = create_event_on_sale(api, organizer_token, name=f"À venda {tag}", sectors=[SECTOR])
    draft = api.post(
        "/events",
        token=organizer_token,
        json={"name": f"Rascunho {tag}", "venue": "Arena", "starts_at": "2027-06-01T20:00:00Z"},
    ).json
    closed = create_event_on_sale(api, organizer_token, name=f"Encerrado {tag}", sectors=[SECTOR])
    api.patch(f"/events/{closed['id']}", token=organizer_token, json={"status": "closed"})

    listed = {e["id"]: e["status"] for e in mine(api, organizer_token)}
    assert (
        listed[on_sale["id"]] == "on_sale"
        and listed[draft["id"]] == "draft"
        and listed[closed["id"]] == "closed"
    )
    assert {e["id"] for e in mine(api, organizer_token, "&status=draft")} >= {draft["id"]}
    assert on_sale["id"] not in {e["id"] for e in mine(api, organizer_token, "&status=draft")}

    # a second organizer (appointed by the admin) sees none of them, though the on-sale one is public
    person = new_buyer()
    assert api.post("/organizers", token=sign_in(api, *ADMIN), json={"email": person.email}).status == 201
    second = sign_in(api, person.email, person.password)
    assert mine(api, second) == []
    own = api.post(
        "/events",
        token=second,
        json={"name": f"Do segundo {tag}", "venue": "Teatro", "starts_at": "2027-06-02T20:00:00Z"},
    ).json
    assert [e["id"] for e in mine(api, second)] == [own["id"]]
    assert own["id"] not in {e["id"] for e in mine(api, organizer_token)}
    assert mine(api, new_buyer().token) == []  # a buyer organizes nothing


def test_mine_needs_a_signed_in_caller_and_a_known_status(api, organizer_token):
    assert_problem(api.get("/events?mine=true"), 401, "unauthorized")
    assert_problem(api.get("/events?mine=true&status=sold", token=organizer_token), 422, "validation")
    assert_problem(api.get("/events?mine=talvez", token=organizer_token), 422, "validation")
