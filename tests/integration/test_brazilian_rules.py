"""Brazilian rules at the hold: service fee, lotes under concurrency, half-price categories, per-CPF limit."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from ticketing import db
from ticketing.api.orders import OrderIn
from ticketing.domain.pricing import service_fee
from ticketing.errors import Conflict, LimitExceeded, SoldOut
from ticketing.services import catalog, orders


def hold(buyer, ev, tickets):
    return orders.hold_order(buyer, OrderIn(event_id=ev["event"]["id"], tickets=tickets)).order


def test_fee_is_charged_per_ticket_on_the_price_paid_and_kept_in_the_total(make_event, new_user):
    ev = make_event(service_fee_percent=12.5)
    order = hold(
        new_user(),
        ev,
        [
            {"sector_id": ev["general"]["id"], "quantity": 3},
            {"sector_id": ev["general"]["id"], "quantity": 1, "type": "half"},
        ],
    )
    assert order["fee_cents"] == 3 * service_fee(10000, 12.5) + service_fee(5000, 12.5) == 3 * 1250 + 625
    assert [t["unit_fee_cents"] for t in order["tickets"]] in ([1250, 625], [625, 1250])
    assert order["total_cents"] == 3 * 10000 + 5000 + order["fee_cents"]


def test_without_a_fee_the_order_has_none(make_event, new_user):
    ev = make_event()
    order = hold(new_user(), ev, [{"sector_id": ev["general"]["id"], "quantity": 2}])
    assert order["fee_cents"] == 0 and order["total_cents"] == 20000


@pytest.fixture
def tiered(make_event, add_general_sector):
    ev = make_event()
    lotes = [
        {"name": "1º lote", "price_cents": 10000, "quantity": 50},
        {"name": "2º lote", "price_cents": 15000, "quantity": 100},
    ]
    return ev, add_general_sector(
        ev["event"]["id"], name="Lotes", price_cents=20000, capacity=200, tiers=lotes
    )


def test_an_order_crossing_a_tier_boundary_is_split_at_each_price(tiered, new_user):
    ev, sector = tiered
    assert (sector["tier"], sector["price_cents"]) == ("1º lote", 10000)
    for _ in range(8):
        hold(new_user(), ev, [{"sector_id": sector["id"], "quantity": 6}])
    crossing = hold(new_user(), ev, [{"sector_id": sector["id"], "quantity": 5}])
    lines = sorted((t["tier"], t["quantity"], t["unit_price_cents"]) for t in crossing["tickets"])
    assert lines == [("1º lote", 2, 10000), ("2º lote", 3, 15000)]
    assert crossing["tickets_cents"] == 2 * 10000 + 3 * 15000
    read = next(s for s in catalog.get_event(ev["event"]["id"], None)["sectors"] if s["id"] == sector["id"])
    assert (read["tier"], read["price_cents"], read["half_price_cents"]) == ("2º lote", 15000, 7500)


def test_two_hundred_buyers_racing_tier_one_never_buy_it_beyond_its_quantity(tiered, new_user, wide_pool):
    ev, sector = tiered
    buyers = [new_user() for _ in range(200)]
    start = threading.Barrier(20)

    def buy(i):
        if i < 20:
            start.wait()
        try:
            return hold(buyers[i], ev, [{"sector_id": sector["id"], "quantity": 1}])
        except Conflict as exc:
            return exc

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(buy, range(200)))
    prices = Counter(r["tickets"][0]["unit_price_cents"] for r in results if isinstance(r, dict))
    assert prices == {10000: 50, 15000: 100, 20000: 50}
    taken = db.fetch_all(
        "SELECT name, taken, quantity FROM price_tiers WHERE sector_id = %s ORDER BY position",
        (sector["id"],),
    )
    assert [(t["taken"], t["quantity"]) for t in taken] == [(50, 50), (100, 100)]
    with pytest.raises(SoldOut):
        hold(new_user(), ev, [{"sector_id": sector["id"], "quantity": 1}])


def test_a_released_tier_place_goes_back_to_its_tier(tiered, new_user):
    ev, sector = tiered
    # one account per hold: an account's unpaid places are capped (contract v2)
    buyers = [new_user() for _ in range(10)]
    first = [hold(b, ev, [{"sector_id": sector["id"], "quantity": 5}]) for b in buyers]
    assert (
        next(s for s in catalog.get_event(ev["event"]["id"], None)["sectors"] if s["id"] == sector["id"])[
            "tier"
        ]
        == "2º lote"
    )
    orders.cancel_order(buyers[0], first[0]["id"])
    read = next(s for s in catalog.get_event(ev["event"]["id"], None)["sectors"] if s["id"] == sector["id"])
    assert (read["tier"], read["price_cents"]) == ("1º lote", 10000)
    again = hold(new_user(), ev, [{"sector_id": sector["id"], "quantity": 5}])
    assert {t["unit_price_cents"] for t in again["tickets"]} == {10000}


def test_an_ended_tier_no_longer_sets_the_price(make_event, add_general_sector, new_user):
    ev = make_event()
    presale = {"name": "Pré-venda", "price_cents": 5000, "ends_at": datetime.now(UTC) + timedelta(days=1)}
    sector = add_general_sector(
        ev["event"]["id"], name="Early", price_cents=9000, capacity=20, tiers=[presale]
    )
    assert (
        hold(new_user(), ev, [{"sector_id": sector["id"], "quantity": 1}])["tickets"][0]["unit_price_cents"]
        == 5000
    )
    db.fetch_one(
        "UPDATE price_tiers SET ends_at = now() - interval '1 second' WHERE sector_id = %s RETURNING 1",
        (sector["id"],),
    )
    assert (
        hold(new_user(), ev, [{"sector_id": sector["id"], "quantity": 1}])["tickets"][0]["unit_price_cents"]
        == 9000
    )


def test_half_price_categories_and_the_quota(make_event, new_user, sector_state):
    ev = make_event(capacity=10)  # quota 4
    buyer = new_user()
    hold(
        buyer,
        ev,
        [{"sector_id": ev["general"]["id"], "quantity": 2, "type": "half", "half_category": "student"}],
    )
    hold(
        buyer,
        ev,
        [{"sector_id": ev["general"]["id"], "quantity": 2, "type": "half", "half_category": "disability"}],
    )
    assert sector_state(ev["event"]["id"], "Pista")["half_available"] == 0
    with pytest.raises(LimitExceeded):
        hold(
            buyer,
            ev,
            [
                {
                    "sector_id": ev["general"]["id"],
                    "quantity": 1,
                    "type": "half",
                    "half_category": "youth_low_income",
                }
            ],
        )
    elderly = hold(
        buyer,
        ev,
        [{"sector_id": ev["general"]["id"], "quantity": 1, "type": "half", "half_category": "elderly"}],
    )
    teacher = hold(
        buyer,
        ev,
        [{"sector_id": ev["general"]["id"], "quantity": 1, "type": "half", "half_category": "teacher"}],
    )
    assert (
        elderly["tickets"][0]["half_category"] == "elderly"
        and teacher["tickets"][0]["unit_price_cents"] == 5000
    )


def test_per_cpf_limit_holds_under_fifty_parallel_orders_from_one_buyer(make_event, new_user, wide_pool):
    ev = make_event(capacity=500, max_tickets_per_cpf=4)
    buyer = new_user()

    def buy(_):
        try:
            return hold(buyer, ev, [{"sector_id": ev["general"]["id"], "quantity": 1}])
        except LimitExceeded as exc:
            return exc

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(buy, range(50)))
    won = [r for r in results if isinstance(r, dict)]
    assert len(won) == 4
    assert all(isinstance(r, LimitExceeded) for r in results if not isinstance(r, dict))
    orders.cancel_order(buyer, won[0]["id"])
    assert hold(buyer, ev, [{"sector_id": ev["general"]["id"], "quantity": 1}])["status"] == "reserved"
    with pytest.raises(LimitExceeded):
        hold(buyer, ev, [{"sector_id": ev["general"]["id"], "quantity": 1}])
    # Another buyer (another CPF) is not limited by the first one's orders.
    assert hold(new_user(), ev, [{"sector_id": ev["general"]["id"], "quantity": 4}])["ticket_count"] == 4
