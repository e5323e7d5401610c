"""`ticketing queue ...`: the waiting room from the command line (issue 17)."""

from __future__ import annotations


def test_organizer_enables_the_queue_buyer_joins_waits_is_admitted_and_buys(
    organizer_cli, buyer_cli, cli_event
):
    show = cli_event(capacity=5)
    event_id = show["event"]["id"]
    queue = organizer_cli.json("queue", "settings", event_id, "--enable", "--rate", "100000")
    assert queue["enabled"] is True and queue["admit_per_minute"] == 100000

    buyer, _ = buyer_cli()
    stranger, _ = buyer_cli()
    refused = stranger("buy", event_id, "--sector", "Pista", "--quantity", "1")
    assert refused.exit_code == 1 and "admission-required" in refused.stderr, refused.stderr

    entry = buyer.json("queue", "join", event_id)
    assert entry["status"] in ("waiting", "admitted") and entry["event_id"] == event_id
    again = buyer.json("queue", "join", event_id)
    assert again["id"] == entry["id"]
    admitted = buyer.json("queue", "status", event_id, "--wait")
    assert admitted["status"] == "admitted" and admitted["admission_token"]
    shown = buyer("queue", "status", event_id, locale="pt_BR.UTF-8")
    assert shown.exit_code == 0 and "Sua vez chegou" in shown.stdout, shown.stdout

    held = buyer.json("buy", event_id, "--sector", "Pista", "--quantity", "1")
    assert held["status"] == "reserved"

    figures = organizer_cli.json("queue", "figures", event_id)
    assert figures["admitted"] == 1 and figures["waiting"] == 0 and figures["enabled"] is True
    report = organizer_cli("report", event_id)
    assert report.exit_code == 0 and "Waiting room on: 100000/min, 0 waiting, 1 admitted" in report.stdout

    off = organizer_cli.json("queue", "settings", event_id, "--disable")
    assert off["enabled"] is False
    assert stranger.json("buy", event_id, "--sector", "Pista", "--quantity", "1")["status"] == "reserved"


def test_status_before_joining_says_how_to_join(buyer_cli, cli_event):
    show = cli_event()
    buyer, _ = buyer_cli()
    result = buyer("queue", "status", show["event"]["id"])
    assert result.exit_code != 0 and "ticketing queue join" in result.stderr
