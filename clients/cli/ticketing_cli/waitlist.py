"""The waiting list of a sold-out sector (issue 18): buyers join it, see their entries (and the order an
offer holds for them, to pay with `ticketing pay`), and leave it."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ticketing_cli.common import (
    JsonOption,
    api,
    command_group,
    console,
    emit_json,
    find_sector,
    get_event,
    handles_errors,
)
from ticketing_cli.formatting import local_time
from ticketing_cli.language import say, word

waitlist_app = command_group("waitlist", "The waiting list of a sold-out sector: join, list, leave.")


def _status(entry: dict) -> str:
    if entry["status"] == "waiting":
        return say("waiting (position {position})", position=entry.get("position"))
    if entry["status"] == "offered":
        return say(
            "offered: pay order {order} by {time}",
            order=entry.get("order_id"),
            time=local_time(entry.get("offer_expires_at")),
        )
    return word(entry["status"])


@waitlist_app.command("join")
@handles_errors
def waitlist_join(
    event: Annotated[str, typer.Argument(help="Event id or name.")],
    sector: Annotated[str, typer.Option("--sector", help="The sold-out sector (name or id).")],
    quantity: Annotated[int, typer.Option("--quantity", min=1, help="Places wanted.")] = 1,
    half: Annotated[bool, typer.Option("--half", help="Half price (meia-entrada).")] = False,
    half_category: Annotated[
        str | None, typer.Option("--half-category", help="student, elderly, ...")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Wait for places of a sold-out sector: places that come back are offered in order of arrival."""
    found = get_event(event)
    body: dict = {"sector_id": find_sector(found, sector)["id"], "quantity": quantity}
    if half or half_category:
        body["type"] = "half"
    if half_category:
        body["half_category"] = half_category
    entry = api().call("POST", f"/events/{found['id']}/waitlist", body).body
    if as_json:
        emit_json(entry)
        return
    console().print(
        say(
            "On the waiting list of {sector}: position {position} (entry {id}).",
            sector=entry.get("sector"),
            position=entry.get("position"),
            id=entry["id"],
        )
    )


@waitlist_app.command("list")
@handles_errors
def waitlist_list(as_json: JsonOption = False) -> None:
    """Your waiting-list entries, whatever their status; an offered one names the order to pay."""
    page = api().call("GET", "/waitlist").body
    if as_json:
        emit_json(page)
        return
    if not page["items"]:
        console().print(say("You are on no waiting list."))
        return
    table = Table(title=say("Your waiting lists"))
    table.add_column(say("Entry"), style="dim", no_wrap=True)
    table.add_column(say("Sector"))
    table.add_column(say("Places"), justify="right")
    table.add_column(say("Status"))
    for entry in page["items"]:
        table.add_row(entry["id"], entry.get("sector") or "", str(entry["quantity"]), _status(entry))
    console().print(table)


@waitlist_app.command("leave")
@handles_errors
def waitlist_leave(
    entry: Annotated[str, typer.Argument(help="The entry id (see ticketing waitlist list).")],
    as_json: JsonOption = False,
) -> None:
    """Leave a waiting list; an offer not paid yet is let go to the next in line."""
    api().call("DELETE", f"/waitlist/{entry}")
    if as_json:
        emit_json({"id": entry, "status": "cancelled"})
    else:
        console().print(say("You left the waiting list."))
