"""Organizer commands: the sales report and the door check-in."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from ticketing_cli.common import EventArg, JsonOption, api, app, command, console, emit_json, get_event
from ticketing_cli.formatting import local_time, money


@command(app)
def report(
    event: EventArg,
    csv: Annotated[bool, typer.Option("--csv", help="Print the report as CSV (from the API).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Organizers: an event's sales report — tickets, revenue and fees by sector, add-ons, orders by status."""
    found = get_event(event)
    path = f"/events/{found['id']}/report"
    if csv:
        answer = api().call("GET", path, query={"format": "csv"}, accept="text/csv")
        sys.stdout.write(answer.text if answer.text.endswith("\n") else answer.text + "\n")
        return
    data = api().call("GET", path).body
    if as_json:
        emit_json(data)
        return
    out = console()
    out.print(f"[bold]{found['name']}[/] — {local_time(found.get('starts_at'), found.get('timezone'))}")
    summary = f"Tickets sold: {data.get('tickets_sold')}   Revenue: {money(data.get('revenue_cents'))}"
    if "fees_cents" in data:
        summary += f"   Fees: {money(data.get('fees_cents'))}   Net: {money(data.get('net_cents'))}"
    out.print(summary)
    sectors = Table(title="By sector")
    for column in ("Sector", "Capacity", "Sold", "Available", "Revenue", "Seat map views"):
        sectors.add_column(column, justify="left" if column == "Sector" else "right")
    for row in data.get("by_sector") or []:
        sectors.add_row(
            row.get("name", ""),
            str(row.get("capacity", "")),
            str(row.get("tickets_sold", "")),
            str(row.get("available", "")),
            money(row.get("revenue_cents")),
            str(row.get("seat_map_views", "")),
        )
    out.print(sectors)
    products = data.get("products_sold") or []
    if products:
        table = Table(title="Add-ons sold")
        table.add_column("Add-on")
        table.add_column("Quantity", justify="right")
        table.add_column("Revenue", justify="right")
        for row in products:
            table.add_row(row.get("name", ""), str(row.get("quantity", "")), money(row.get("revenue_cents")))
        out.print(table)
    statuses = data.get("orders_by_status") or {}
    if statuses:
        out.print("Orders by status: " + ", ".join(f"{k} {v}" for k, v in statuses.items()))
    from ticketing_cli.queue import figures_line

    line = figures_line(found["id"])
    if line:
        out.print(line)


@command(app)
def checkin(
    code: Annotated[str, typer.Argument(help="The ticket's code (read from its QR).")],
    event: Annotated[str | None, typer.Option(help="Refuse tickets of any other event (event id).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Organizers: check a ticket in at the door (each ticket gets in once)."""
    body: dict = {"code": code}
    if event:
        body["event_id"] = event
    answer = api().call("POST", "/checkins", body).body
    if as_json:
        emit_json(answer)
        return
    out = console()
    kind = answer.get("type", "")
    out.print(f"[bold green]Welcome![/] {answer.get('sector')} {answer.get('seat_label') or ''} — {kind}")
    if kind == "half":
        category = answer.get("half_category") or "half price"
        out.print(f"[bold yellow]Ask for the half-price proof: {category}[/]")
    out.print(f"Checked in at {local_time(answer.get('checked_in_at'))}", style="dim")
