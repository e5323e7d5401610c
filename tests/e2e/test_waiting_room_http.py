"""The on-sale waiting room over HTTP through the local runtime (issue 17; contract v2 "Waiting room")."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from http_problems import assert_problem

from localrun.aws_resources import boto_client
from localrun.testing import create_event_on_sale
from ticketing.domain import waiting_room as rules

FAST = 100_000  # admitted per minute: the next poll finds a lone buyer admitted


@pytest.fixture
def queued_event(api, organizer_token):
    """An event on sale with its waiting room enabled (and a general sector to hold in)."""

    def create(rate: int = FAST, **queue) -> dict:
        made = create_event_on_sale(
            api,
            organizer_token,
            sectors=[{"name": "Pista", "kind": "general", "price_cents": 10000, "capacity": 500}],
            queue={"enabled": True, "admit_per_minute": rate, **queue},
            max_tickets_per_order=4,
        )
        return {"id": made["id"], "sector": made["sectors"][0]["id"], "event": made["event"]}

    return create


def admitted_entry(api, buyer, event_id: str, timeout: float = 15.0) -> dict:
    joined = api.post(f"/events/{event_id}/queue", token=buyer.token)
    assert joined.status in (200, 201), joined.text
    entry = joined.json
    deadline = time.monotonic() + timeout
    while entry["status"] != "admitted":
        assert time.monotonic() < deadline, entry
        time.sleep(0.05)
        polled = api.get(f"/events/{event_id}/queue/{entry['id']}", token=buyer.token)
        assert polled.status == 200, polled.text
        entry = polled.json
    return entry


def hold(api, buyer, event: dict, token: str | None = None, **extra):
    headers = {"X-Admission-Token": token} if token is not None else None
    body = {"event_id": event["id"], "tickets": [{"sector_id": event["sector"], "quantity": 1}], **extra}
    return api.post("/orders", token=buyer.token, json=body, headers=headers)


def test_the_organizer_sets_the_queue_on_the_event_and_changes_it_live(api, organizer_token, queued_event):
    event = queued_event(rate=600)
    queue = event["event"]["queue"]
    assert queue["enabled"] is True and queue["admit_per_minute"] == 600
    assert abs(datetime.fromisoformat(queue["opens_at"]).timestamp() - time.time()) < 60  # defaults to now
    changed = api.patch(
        f"/events/{event['id']}", token=organizer_token, json={"queue": {"admit_per_minute": 1200}}
    )
    assert changed.status == 200, changed.text
    assert changed.json["queue"]["admit_per_minute"] == 1200 and changed.json["queue"]["enabled"] is True
    figures = api.get(f"/events/{event['id']}/queue", token=organizer_token)
    assert figures.status == 200, figures.text
    assert figures.json == {
        **figures.json,
        "enabled": True,
        "admit_per_minute": 1200,
        "waiting": 0,
        "admitted": 0,
        "oldest_wait_seconds": 0,
    }
    assert api.get(f"/events/{event['id']}").json["queue"]["admit_per_minute"] == 1200
    for bad in (0, 100_001, "fast", None):
        answer = api.patch(
            f"/events/{event['id']}", token=organizer_token, json={"queue": {"admit_per_minute": bad}}
        )
        assert_problem(answer, 422, "validation")
        assert answer.json["errors"][0]["field"] == "queue.admit_per_minute", answer.json
    starts = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    missing_rate = api.post(
        "/events",
        token=organizer_token,
        json={"name": "X", "venue": "Y", "starts_at": starts, "queue": {"enabled": True}},
    )
    assert_problem(missing_rate, 422, "validation")
    assert missing_rate.json["errors"][0]["field"] == "queue.admit_per_minute"
    plain = api.post("/events", token=organizer_token, json={"name": "X", "venue": "Y", "starts_at": starts})
    assert plain.json["queue"] is None
    assert api.get(f"/events/{plain.json['id']}/queue", token=organizer_token).json == {
        "enabled": False,
        "admit_per_minute": None,
        "opens_at": None,
        "waiting": 0,
        "admitted": 0,
        "oldest_wait_seconds": 0,
    }


def test_join_answers_201_then_200_with_the_same_entry_and_only_its_buyer_reads_it(
    api, queued_event, new_buyer
):
    event = queued_event(rate=1)  # one a minute: the second buyer waits
    first, second = new_buyer(), new_buyer()
    made = api.post(f"/events/{event['id']}/queue", token=first.token)
    assert made.status == 201, made.text
    assert set(made.json) >= {"id", "event_id", "status", "position", "eta_seconds", "joined_at"}
    again = api.post(f"/events/{event['id']}/queue", token=first.token)
    assert again.status == 200 and again.json["id"] == made.json["id"]
    behind = api.post(f"/events/{event['id']}/queue", token=second.token).json
    assert behind["status"] == "waiting" and behind["position"] == 1 and behind["eta_seconds"] > 0
    assert "admission_token" not in behind
    assert api.get(f"/events/{event['id']}/queue/{behind['id']}", token=second.token).json["position"] == 1
    assert_problem(
        api.get(f"/events/{event['id']}/queue/{behind['id']}", token=first.token), 404, "not-found"
    )
    assert_problem(api.get(f"/events/{event['id']}/queue/{behind['id']}"), 401, "unauthorized")


def test_join_without_a_queue_is_409_and_an_unknown_event_404(api, organizer_token, new_buyer):
    buyer = new_buyer()
    plain = create_event_on_sale(
        api,
        organizer_token,
        sectors=[{"name": "Pista", "kind": "general", "price_cents": 100, "capacity": 5}],
    )
    assert_problem(api.post(f"/events/{plain['id']}/queue", token=buyer.token), 409, "invalid-state")
    assert_problem(
        api.post("/events/00000000-0000-4000-8000-000000000000/queue", token=buyer.token), 404, "not-found"
    )


def test_the_admission_token_is_bound_to_its_buyer_and_event_and_expires(
    api, queued_event, new_buyer, runtime, moto_server
):
    event, other_event = queued_event(), queued_event()
    buyer, stranger = new_buyer(), new_buyer()
    entry = admitted_entry(api, buyer, event["id"])
    token = entry["admission_token"]
    expires = datetime.fromisoformat(entry["admission_expires_at"])
    assert timedelta(minutes=14) < expires - datetime.now(UTC) <= timedelta(minutes=15, seconds=5)

    # Checked after the body is validated and the event found.
    assert_problem(hold(api, buyer, {**event, "sector": "not-an-id"}), 422, "validation")
    assert_problem(
        hold(api, buyer, {**event, "id": "00000000-0000-4000-8000-000000000000"}), 404, "not-found"
    )
    assert_problem(hold(api, buyer, event), 403, "admission-required")
    assert_problem(hold(api, stranger, event, token), 403, "admission-required")  # another buyer's
    assert_problem(hold(api, buyer, other_event, token), 403, "admission-required")  # another event's
    version, claims, mac = token.split(".")
    assert_problem(hold(api, buyer, event, f"{version}.{claims}.{mac[::-1]}"), 403, "admission-required")
    assert_problem(hold(api, buyer, event, "garbage"), 403, "admission-required")
    key = (
        boto_client("secretsmanager", moto_server)
        .get_secret_value(SecretId=runtime.physical("AdmissionTokenSecret").ref)["SecretString"]
        .encode()
    )
    expired = rules.sign_admission(key, buyer_sub(buyer), event["id"], int(time.time() * 1000) - 1)
    assert_problem(hold(api, buyer, event, expired), 403, "admission-required")
    forged_other_key = rules.sign_admission(
        b"x" * 64, buyer_sub(buyer), event["id"], int(time.time() * 1000) + 60_000
    )
    assert_problem(hold(api, buyer, event, forged_other_key), 403, "admission-required")

    held = hold(api, buyer, event, token)
    assert held.status == 201, held.text
    # Boleto would hold places for days during a queued on-sale.
    boleto = api.post(f"/orders/{held.json['id']}/payments", token=buyer.token, json={"method": "boleto"})
    assert_problem(boleto, 409, "invalid-state")


def buyer_sub(buyer) -> str:
    import base64
    import json

    payload = buyer.token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]


def test_one_entry_per_account_under_50_parallel_joins(api, organizer_token, queued_event, new_buyer):
    event = queued_event(rate=1)
    buyer = new_buyer()
    with ThreadPoolExecutor(max_workers=50) as pool:
        answers = list(
            pool.map(lambda _: api.post(f"/events/{event['id']}/queue", token=buyer.token), range(50))
        )
    assert sorted(a.status for a in answers) == [200] * 49 + [201], [
        a.text for a in answers if a.status >= 300
    ]
    assert len({a.json["id"] for a in answers}) == 1
    figures = api.get(f"/events/{event['id']}/queue", token=organizer_token).json
    assert figures["waiting"] + figures["admitted"] == 1, figures


def test_disabling_the_queue_lets_holds_through_without_a_token(
    api, organizer_token, queued_event, new_buyer
):
    event = queued_event()
    buyer = new_buyer()
    assert_problem(hold(api, buyer, event), 403, "admission-required")
    off = api.patch(f"/events/{event['id']}", token=organizer_token, json={"queue": {"enabled": False}})
    assert off.status == 200 and off.json["queue"]["enabled"] is False
    held = hold(api, buyer, event)
    assert held.status == 201, held.text
    assert_problem(api.post(f"/events/{event['id']}/queue", token=new_buyer().token), 409, "invalid-state")


def test_positions_fall_as_buyers_ahead_are_admitted_in_join_order(
    api, organizer_token, queued_event, new_buyer
):
    event = queued_event(rate=20)  # one every 3 s: four joins fit well inside one interval on a busy machine
    buyers = [new_buyer() for _ in range(4)]
    entries = [api.post(f"/events/{event['id']}/queue", token=b.token).json for b in buyers]
    last = entries[-1]
    assert last["status"] == "waiting" and last["position"] >= 2, entries
    seen = [last["position"]]
    admitted_order: list[int] = []
    deadline = time.monotonic() + 40
    while len(admitted_order) < len(buyers):
        assert time.monotonic() < deadline, (seen, admitted_order)
        for index, (buyer, entry) in enumerate(zip(buyers, entries, strict=True)):
            if index in admitted_order:
                continue
            now = api.get(f"/events/{event['id']}/queue/{entry['id']}", token=buyer.token).json
            if now["status"] == "admitted":
                admitted_order.append(index)
            elif index == len(buyers) - 1:
                seen.append(now["position"])
        time.sleep(0.1)
    assert admitted_order == sorted(admitted_order)  # first come, first served after opens_at
    assert seen == sorted(seen, reverse=True) and seen[0] > seen[-1]
    figures = api.get(f"/events/{event['id']}/queue", token=organizer_token).json
    assert figures["admitted"] == 4 and figures["waiting"] == 0


def test_before_opens_at_nobody_is_admitted_and_the_scheduled_tick_admits_without_polls(
    api, organizer_token, queued_event, new_buyer, runtime, moto_server
):
    opens = datetime.now(UTC) + timedelta(seconds=2)
    event = queued_event(rate=FAST, opens_at=opens.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    buyers = [new_buyer() for _ in range(3)]
    entries = [api.post(f"/events/{event['id']}/queue", token=b.token).json for b in buyers]
    assert all(e["status"] == "waiting" for e in entries), entries
    assert entries[-1]["position"] == 3 and entries[-1]["eta_seconds"] >= 1
    assert_problem(hold(api, buyers[0], event), 403, "admission-required")
    time.sleep(max(0.0, (opens - datetime.now(UTC)).total_seconds()) + 0.2)
    runtime.run_schedule_now("AdmitFromQueueFunction")
    state = boto_client("dynamodb", moto_server).get_item(
        TableName=runtime.physical("WaitingRoomTable").ref,
        Key={"pk": {"S": f"EVENT#{event['id']}"}, "sk": {"S": "STATE"}},
        ConsistentRead=True,
    )["Item"]
    assert state["admitted"] == {"N": "3"} and state["pre_open"] == {"N": "3"}, state  # no poll needed
    figures = api.get(f"/events/{event['id']}/queue", token=organizer_token).json
    assert figures["admitted"] == 3 and figures["waiting"] == 0, figures
