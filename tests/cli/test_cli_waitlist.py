"""`ticketing waitlist join|list|leave`: the waiting list of a sold-out sector from the command line
(issue 18)."""

from __future__ import annotations

from ticketing import db


def test_buyer_joins_is_offered_a_lapsed_hold_lists_it_and_another_leaves(buyer_cli, cli_event):
    show = cli_event(capacity=2)
    event_id = show["event"]["id"]
    holder, _ = buyer_cli()
    held = holder.json("buy", event_id, "--sector", "Pista", "--quantity", "2")
    assert held["status"] == "reserved"

    first, _ = buyer_cli()
    second, _ = buyer_cli()
    entry = first.json("waitlist", "join", event_id, "--sector", "Pista", "--quantity", "2")
    assert (entry["status"], entry["position"], entry["quantity"]) == ("waiting", 1, 2)
    other = second.json("waitlist", "join", event_id, "--sector", "Pista")
    assert other["position"] == 2
    again = first("waitlist", "join", event_id, "--sector", "Pista")
    assert again.exit_code == 1 and "invalid-state" in again.stderr, again.stderr
    shown = first("waitlist", "list", locale="pt_BR.UTF-8")
    assert shown.exit_code == 0 and "na lista (posição 1)" in shown.stdout, shown.stdout

    # The holder's hold lapses (lazy expiry): the places are not for sale, they go to the list, whose
    # buyer sees the offer at once.
    db.fetch_one(
        "UPDATE orders SET expires_at = now() - interval '1 second' WHERE id = %s RETURNING 1", (held["id"],)
    )
    refused = holder("buy", event_id, "--sector", "Pista", "--quantity", "1")
    assert refused.exit_code == 1 and "sold-out" in refused.stderr, refused.stderr
    [offered] = first.json("waitlist", "list")["items"]
    assert offered["status"] == "offered" and offered["order_id"]
    listed = first("waitlist", "list")
    assert f"offered: pay order {offered['order_id']}" in listed.stdout, listed.stdout

    left = second("waitlist", "leave", other["id"])
    assert left.exit_code == 0 and "You left the waiting list." in left.stdout, left.stdout
    assert second.json("waitlist", "list")["items"][0]["status"] == "cancelled"
    gone = second("waitlist", "leave", other["id"])
    assert gone.exit_code == 1 and "invalid-state" in gone.stderr
