"""The on-sale waiting room: buyers join and watch their place; organizers set it up and read its figures.

Buyers' entry ids and admission tokens are kept in `<config dir>/queue.json` (per API and event), so
`ticketing queue status EVENT` finds the entry and `ticketing buy` sends the token by itself."""

from __future__ import annotations

import json
import time
from typing import Annotated

import typer

from ticketing_cli import credentials
from ticketing_cli.common import (
    EventArg,
    JsonOption,
    api,
    command,
    command_group,
    console,
    emit_json,
    get_event,
    show,
    usage,
)
from ticketing_cli.language import say

queue_app = command_group("queue", "The waiting room of an on-sale: join, status, settings, figures.")


def _store_path():
    return credentials.config_dir() / "queue.json"


def _read_store() -> dict:
    try:
        return json.loads(_store_path().read_text())
    except (OSError, ValueError):
        return {}


def remember(event_id: str, entry: dict) -> None:
    data = _read_store()
    place = data.setdefault(api().base_url, {}).setdefault(event_id, {})
    place["entry_id"] = entry["id"]
    if entry.get("admission_token"):
        place["admission_token"] = entry["admission_token"]
        place["admission_expires_at"] = entry.get("admission_expires_at")
    path = _store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2))
    path.chmod(0o600)


def remembered(event_id: str) -> dict:
    return _read_store().get(api().base_url, {}).get(event_id, {})


def admission_token(event_id: str) -> str | None:
    """The admission token this buyer got for the event, if any (sent with POST /orders)."""
    return remembered(event_id).get("admission_token")


def _show(entry: dict) -> None:
    out = console()
    if entry["status"] == "admitted":
        out.print(
            say("Admitted: you may choose your seats until {time}.", time=entry.get("admission_expires_at"))
        )
        return
    minutes, seconds = divmod(int(entry.get("eta_seconds") or 0), 60)
    out.print(
        say(
            "Waiting: position {position}, about {minutes} min {seconds} s.",
            position=entry["position"],
            minutes=minutes,
            seconds=seconds,
        )
    )


@command(queue_app, "join")
def queue_join(event: EventArg, as_json: JsonOption = False) -> None:
    """Join an event's waiting room (once per account; joining again shows your entry)."""
    found = get_event(event)
    entry = api().call("POST", f"/events/{found['id']}/queue").body
    remember(found["id"], entry)
    show(entry, as_json, _show)


@command(queue_app, "status")
def queue_status(
    event: EventArg,
    wait: Annotated[bool, typer.Option("--wait", help="Poll every few seconds until admitted.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Your place in an event's waiting room (and the admission token once admitted)."""
    found = get_event(event)
    entry_id = remembered(found["id"]).get("entry_id")
    if not entry_id:
        raise usage(say("You have not joined this queue: ticketing queue join {event}", event=event))
    while True:
        entry = api().call("GET", f"/events/{found['id']}/queue/{entry_id}").body
        remember(found["id"], entry)
        if not wait or entry["status"] == "admitted":
            break
        if not as_json:
            _show(entry)
        time.sleep(min(10, max(2, int(entry.get("eta_seconds") or 2) // 4)))
    show(entry, as_json, _show)


@command(queue_app, "settings")
def queue_settings(
    event: EventArg,
    enable: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Turn the waiting room on or off.")
    ] = None,
    rate: Annotated[int | None, typer.Option(min=1, max=100_000, help="Buyers admitted per minute.")] = None,
    opens_at: Annotated[
        str | None, typer.Option(help="When the queue opens (RFC 3339); who joins before is drawn at random.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Organizers: enable or disable an event's waiting room, its rate (changes live) and its opening."""
    change: dict = {}
    if enable is not None:
        change["enabled"] = enable
    if rate is not None:
        change["admit_per_minute"] = rate
    if opens_at is not None:
        change["opens_at"] = opens_at
    if not change:
        raise usage(say("Say what to change: --enable/--disable, --rate or --opens-at"))
    found = get_event(event)
    updated = api().call("PATCH", f"/events/{found['id']}", {"queue": change}).body
    if as_json:
        emit_json(updated.get("queue"))
        return
    queue = updated.get("queue") or {}
    console().print(
        say(
            "Waiting room {state}: {rate}/min, opens at {opens}",
            state=say("on") if queue.get("enabled") else say("off"),
            rate=queue.get("admit_per_minute"),
            opens=queue.get("opens_at"),
        )
    )


def figures_line(event_id: str) -> str | None:
    """One line of the waiting room's figures for the report, or None when the event has none."""
    data = api().call("GET", f"/events/{event_id}/queue").body
    if data.get("admit_per_minute") is None:
        return None
    return say(
        "Waiting room {state}: {rate}/min, {waiting} waiting, {admitted} admitted, oldest wait {oldest} s",
        state=say("on") if data.get("enabled") else say("off"),
        rate=data.get("admit_per_minute"),
        waiting=data.get("waiting"),
        admitted=data.get("admitted"),
        oldest=data.get("oldest_wait_seconds"),
    )


@command(queue_app, "figures")
def queue_figures(event: EventArg, as_json: JsonOption = False) -> None:
    """Organizers: the waiting room's figures (waiting, admitted, oldest wait)."""
    found = get_event(event)
    if as_json:
        emit_json(api().call("GET", f"/events/{found['id']}/queue").body)
        return
    console().print(figures_line(found["id"]) or say("This event has no waiting room."))
