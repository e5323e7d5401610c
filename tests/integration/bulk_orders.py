"""Many holds at once, made by the hold's SQL function itself in one statement (for tests of volume)."""

from __future__ import annotations

import json

from ticketing import db


def hold_many(ev: dict, count: int) -> list[str]:
    """`count` holds of one general place and one add-on each, for an event made by `make_event`; their ids.

    Each hold is made by an account of its own (made here, in one statement): one account's unpaid orders
    for an event may hold at most the event's max_tickets_per_order places (contract v2)."""
    subs = [
        r["sub"]
        for r in db.fetch_all(
            "INSERT INTO users (cognito_sub, email, name)"
            " SELECT 'bulk-' || x.id, 'bulk-' || x.id || '@example.com', 'Bulk Buyer'"
            "   FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, %s)) x"
            " RETURNING cognito_sub AS sub",
            (count,),
        )
    ]
    request = {
        "event_id": ev["event"]["id"],
        "tickets": [
            {
                "index": 0,
                "sector_id": ev["general"]["id"],
                "seat_id": None,
                "quantity": 1,
                "type": "full",
                "half_category": None,
                "counts_to_quota": False,
            }
        ],
        "products": [{"index": 0, "product_id": ev["product"]["id"], "quantity": 1}],
        "idempotency": None,
    }
    # Test set-up, not an application path: thousands of holds in one statement may outlast the role's
    # statement_timeout (meant for the functions' requests), so this one transaction lifts it.
    with db.connection() as conn, conn.transaction():
        conn.execute("SET LOCAL statement_timeout = 0")
        rows = conn.execute(
            "SELECT hold_order(%s::jsonb || jsonb_build_object('order_id', gen_random_uuid(), 'user_sub', sub))"
            " -> 'order' ->> 'id' AS id FROM unnest(%s::text[]) AS sub",
            (json.dumps(request), subs),
        ).fetchall()
    return [r["id"] for r in rows]
