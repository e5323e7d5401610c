"""Handlers of the waiting room (issue 17) with the service patched: statuses, roles, what reaches the service."""

from __future__ import annotations

from handler_calls import BUYER, ORGANIZER, call, load_function

from ticketing.errors import AdmissionRequired, InvalidState, NotFound
from ticketing.problems import PROBLEM_BASE
from ticketing.services.orders import Held  # noqa: F401 - the create_order module imports it the same way
from ticketing.services.waiting_room import Joined

EVENT_ID = "00000000-0000-4000-8000-000000000010"
ENTRY = {
    "id": "00000000-0000-4000-8000-000000000011",
    "event_id": EVENT_ID,
    "status": "waiting",
    "position": 3,
    "eta_seconds": 9,
    "joined_at": "2026-12-04T19:00:00Z",
}


def test_a_first_join_is_201_and_a_repeat_200_with_the_same_entry(patched):
    join = load_function("queue/join_queue")
    calls = patched(join.waiting_room, "join", Joined(ENTRY, created=True))
    status, _, body = call(join, "POST", f"/events/{EVENT_ID}/queue", claims=BUYER)
    assert (status, body) == (201, ENTRY)
    (caller, event_id), _ = calls[0]
    assert (caller.sub, event_id) == (BUYER["sub"], EVENT_ID)
    patched(join.waiting_room, "join", Joined(ENTRY, created=False))
    status, headers, body = call(join, "POST", f"/events/{EVENT_ID}/queue", claims=BUYER)
    assert (status, body) == (200, ENTRY)
    assert headers["content-type"] == "application/json"


def test_a_join_without_a_queue_is_409_and_anonymous_401(patched):
    join = load_function("queue/join_queue")
    patched(join.waiting_room, "join", InvalidState("This event has no waiting room enabled"))
    status, _, problem = call(join, "POST", f"/events/{EVENT_ID}/queue", claims=BUYER)
    assert (status, problem["type"]) == (409, PROBLEM_BASE + "invalid-state")
    status, _, problem = call(join, "POST", f"/events/{EVENT_ID}/queue")
    assert (status, problem["type"]) == (401, PROBLEM_BASE + "unauthorized")


def test_a_poll_reaches_the_service_with_both_ids(patched):
    poll = load_function("queue/get_queue_entry")
    calls = patched(poll.waiting_room, "get_entry", ENTRY)
    status, _, body = call(poll, "GET", f"/events/{EVENT_ID}/queue/{ENTRY['id']}", claims=BUYER)
    assert (status, body) == (200, ENTRY)
    (caller, event_id, entry_id), _ = calls[0]
    assert (caller.sub, event_id, entry_id) == (BUYER["sub"], EVENT_ID, ENTRY["id"])
    patched(poll.waiting_room, "get_entry", NotFound("No such queue entry"))
    status, _, problem = call(poll, "GET", f"/events/{EVENT_ID}/queue/{ENTRY['id']}", claims=BUYER)
    assert (status, problem["type"]) == (404, PROBLEM_BASE + "not-found")


def test_the_figures_are_the_organizers(patched):
    figures = load_function("queue/get_queue")
    answer = {
        "enabled": True,
        "admit_per_minute": 60,
        "opens_at": "2026-12-04T19:00:00Z",
        "waiting": 5,
        "admitted": 2,
        "oldest_wait_seconds": 7,
    }
    patched(figures.waiting_room, "figures", answer)
    assert call(figures, "GET", f"/events/{EVENT_ID}/queue", claims=ORGANIZER)[::2] == (200, answer)
    status, _, problem = call(figures, "GET", f"/events/{EVENT_ID}/queue", claims=BUYER)
    assert (status, problem["type"]) == (403, PROBLEM_BASE + "forbidden")


def test_admission_required_is_a_403_problem_of_its_own(patched):
    create_order = load_function("orders/create_order")
    patched(create_order.orders, "hold_order", AdmissionRequired("join the queue"))
    body = {"event_id": EVENT_ID, "tickets": [{"sector_id": EVENT_ID, "quantity": 1}]}
    status, headers, problem = call(create_order, "POST", "/orders", body=body, claims=BUYER)
    assert (status, problem["type"], problem["status"]) == (403, PROBLEM_BASE + "admission-required", 403)
    assert headers["content-type"] == "application/problem+json"
