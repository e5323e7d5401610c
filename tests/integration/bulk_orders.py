"""Many holds at once, made by the hold's SQL function itself in one statement (for tests of volume)."""

from __future__ import annotations

import json

from ticketing import db


def hold_many(ev: dict, buyer_sub: str, count: int) -> list[str]:
    """`count` holds of one general place and one add-on each, for an event made by `make_event`; their ids."""
    request = {
        "user_sub": buyer_sub,
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
            "SELECT hold_order(%s::jsonb || jsonb_build_object('order_id', gen_random_uuid())) -> 'order' ->> 'id'"
            " AS id FROM generate_series(1, %s)",
            (json.dumps(request), count),
        ).fetchall()
    return [r["id"] for r in rows]
