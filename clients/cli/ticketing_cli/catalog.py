"""Catalog commands: events, sectors, products and the seat map."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

import typer
from rich.table import Table

from ticketing_cli import seatmap
from ticketing_cli.common import (
    EventArg,
    JsonOption,
    api,
    app,
    command,
    console,
    emit_json,
    events_app,
    find_sector,
    get_event,
    get_products,
    now_is,
    products_app,
    sectors_app,
    short_id,
    show,
    usage,
)
from ticketing_cli.formatting import local_time, money, parse_money, zone


def event_table(events: list[dict]) -> Table:
    table = Table(title="Events", show_lines=False)
    table.add_column("Event", style="bold")
    table.add_column("Starts (local time)")
    table.add_column("Venue")
    table.add_column("Status")
    table.add_column("ID", style="dim", no_wrap=True)
    for event in events:
        table.add_row(
            event["name"],
            local_time(event.get("starts_at"), event.get("timezone")),
            event.get("venue") or "",
            event.get("status") or "",
            short_id(event["id"]),
        )
    return table


def sector_table(event: dict) -> Table:
    table = Table(title="Sectors")
    table.add_column("Sector", style="bold")
    table.add_column("Kind")
    table.add_column("Price", justify="right")
    table.add_column("Half price", justify="right")
    table.add_column("Available", justify="right")
    table.add_column("Half left", justify="right")
    for sector in event.get("sectors") or []:
        tier = sector.get("tier")
        price = money(sector.get("price_cents"))
        if isinstance(tier, dict) and tier.get("name"):
            price += f" ({tier['name']})"
        table.add_row(
            sector["name"],
            sector.get("kind", ""),
            price,
            money(sector.get("half_price_cents")),
            f"{sector.get('available')}/{sector.get('capacity')}",
            str(sector.get("half_available", "-")),
        )
    return table


def product_table(products: list[dict]) -> Table:
    table = Table(title="Add-ons")
    table.add_column("Add-on", style="bold")
    table.add_column("Price", justify="right")
    table.add_column("Available", justify="right")
    table.add_column("ID", style="dim", no_wrap=True)
    for product in products:
        available = product.get("available")
        table.add_row(
            product["name"],
            money(product.get("price_cents")),
            "unlimited" if available is None else str(available),
            short_id(product["id"]),
        )
    return table


@command(events_app, "list")
def events_list(
    status: Annotated[
        str | None, typer.Option(help="Only events in this status (on_sale, draft, closed...).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many events per page.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="The next_cursor of a previous page.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List events on sale, soonest first."""
    client = api()
    page = client.call(
        "GET",
        "/events",
        query={"status": status, "limit": limit, "cursor": cursor},
        auth=client.session is not None,
    ).body
    if as_json:
        emit_json(page)
        return
    out = console()
    if not page["items"]:
        out.print("No events.")
        return
    out.print(event_table(page["items"]))
    if page.get("next_cursor"):
        out.print(f"More: ticketing events list --cursor {page['next_cursor']}", style="dim")


@command(events_app, "show")
def events_show(
    event: EventArg,
    as_json: JsonOption = False,
) -> None:
    """Show an event: when and where, its sectors with prices and availability, and its add-ons."""
    found = get_event(event)
    products = get_products(found["id"])
    if as_json:
        emit_json({**found, "products": products})
        return
    out = console()
    out.print(f"[bold]{found['name']}[/]  ({found.get('status')})")
    out.print(
        f"{found.get('venue')} — {local_time(found.get('starts_at'), found.get('timezone'))} [dim]{found.get('timezone')}[/]"
    )
    if found.get("description"):
        out.print(found["description"])
    fee = found.get("service_fee_percent") or 0
    if fee:
        out.print(f"Service fee (taxa de conveniência): {str(fee).rstrip('0').rstrip('.')}% per ticket")
    out.print(
        f"Holds last {found.get('hold_minutes')} min; up to {found.get('max_tickets_per_order')} tickets per order."
    )
    out.print(sector_table(found))
    if products:
        out.print(product_table(products))
    out.print(f"id: {found['id']}", style="dim")


def _starts_at(text: str, timezone: str) -> str:
    """`2027-01-24 20:00` in the event's time zone (or an RFC 3339 time) as RFC 3339 UTC."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise usage(
            f"--starts-at takes a time like '2027-01-24 20:00' (event's time zone), not {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(timezone))
    return moment.astimezone(zone("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


@command(events_app, "create")
def events_create(
    name: Annotated[str, typer.Option(help="The event's name.")],
    venue: Annotated[str, typer.Option(help="Where it happens.")],
    starts_at: Annotated[
        str, typer.Option(help="Start, e.g. '2027-01-24 20:00' in the event's time zone, or RFC 3339 UTC.")
    ],
    timezone: Annotated[str, typer.Option(help="IANA time zone of the event.")] = "America/Sao_Paulo",
    description: Annotated[str | None, typer.Option(help="A description for buyers.")] = None,
    hold_minutes: Annotated[int | None, typer.Option(help="How long a hold lasts (default 15).")] = None,
    max_tickets_per_order: Annotated[int | None, typer.Option(help="Tickets per order (default 6).")] = None,
    service_fee_percent: Annotated[float | None, typer.Option(help="Taxa de conveniência, 0-20 %.")] = None,
    max_tickets_per_cpf: Annotated[
        int | None, typer.Option(help="Cap per buyer's CPF over all orders.")
    ] = None,
    max_installments: Annotated[int | None, typer.Option(help="Card installments allowed, 1-12.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Organizers: create an event (as a draft; publish it with `ticketing events publish`)."""
    body = {
        "name": name,
        "venue": venue,
        "starts_at": _starts_at(starts_at, timezone),
        "timezone": timezone,
        "description": description,
        "hold_minutes": hold_minutes,
        "max_tickets_per_order": max_tickets_per_order,
        "service_fee_percent": service_fee_percent,
        "max_tickets_per_cpf": max_tickets_per_cpf,
        "max_installments": max_installments,
    }
    created = api().call("POST", "/events", {k: v for k, v in body.items() if v is not None}).body
    if as_json:
        emit_json(created)
        return
    out = console()
    out.print(f"Event [bold]{created['name']}[/] created as {created.get('status')}: {created['id']}")
    out.print(
        f"Next: ticketing sectors add {created['id']} --name Pista --kind general --price 90,00 --capacity 500"
    )


def _set_status(event: str, status: str, as_json: bool) -> None:
    found = get_event(event)
    changed = api().call("PATCH", f"/events/{found['id']}", {"status": status}).body
    show(changed, as_json, lambda changed: now_is(f"[bold]{changed['name']}[/]", changed.get("status")))


@command(events_app, "publish")
def events_publish(event: EventArg, as_json: JsonOption = False) -> None:
    """Organizers: put an event on sale."""
    _set_status(event, "on_sale", as_json)


@command(events_app, "close")
def events_close(event: EventArg, as_json: JsonOption = False) -> None:
    """Organizers: close sales of an event."""
    _set_status(event, "closed", as_json)


@command(events_app, "cancel")
def events_cancel(
    event: EventArg,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Organizers: cancel an event; every paid order is refunded in the background."""
    if not yes and not typer.confirm("Cancel the event and refund every buyer?", default=False):
        raise typer.Exit(1)
    _set_status(event, "cancelled", as_json)


def parse_rows(specs: list[str]) -> list[dict]:
    """`A-H:12` (rows A to H, 12 seats each) or `A:10` options as `[{row, seats}]`."""
    rows: list[dict] = []
    for spec in specs:
        for part in filter(None, (p.strip() for p in spec.split(","))):
            match = re.fullmatch(r"([A-Za-z]{1,3})(?:-([A-Za-z]))?:(\d+)", part)
            if not match:
                raise usage(f"--rows takes ROW:SEATS or FIRST-LAST:SEATS (e.g. A-H:12), not {part!r}")
            first, last, seats = match.group(1).upper(), match.group(2), int(match.group(3))
            if last is None:
                rows.append({"row": first, "seats": seats})
                continue
            if len(first) != 1 or last.upper() < first:
                raise usage(f"bad row range {part!r}")
            rows += [{"row": chr(c), "seats": seats} for c in range(ord(first), ord(last.upper()) + 1)]
    return rows


@command(sectors_app, "add")
def sectors_add(
    event: EventArg,
    name: Annotated[str, typer.Option(help="Sector name, e.g. Pista or Plateia.")],
    kind: Annotated[str, typer.Option(help="seated or general.")],
    price: Annotated[str, typer.Option(help="Full price, e.g. 180,00.")],
    capacity: Annotated[int | None, typer.Option(help="Places (general admission).")] = None,
    rows: Annotated[list[str] | None, typer.Option(help="Seated: ROW:SEATS or A-H:12; repeatable.")] = None,
    half_quota: Annotated[
        int | None, typer.Option(help="Half-price places (default 40 % of capacity).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Organizers: add a sector; seated sectors get their seats generated (labels like B-12)."""
    if kind not in ("seated", "general"):
        raise usage("--kind is seated or general")
    try:
        body: dict = {"name": name, "kind": kind, "price_cents": parse_money(price)}
    except ValueError as error:
        raise usage(str(error)) from None
    if kind == "general":
        if capacity is None:
            raise usage("a general sector needs --capacity")
        body["capacity"] = capacity
    else:
        if not rows:
            raise usage("a seated sector needs --rows (e.g. --rows A-H:12)")
        body["rows"] = parse_rows(rows)
    if half_quota is not None:
        body["half_quota"] = half_quota
    found = get_event(event)
    created = api().call("POST", f"/events/{found['id']}/sectors", body).body
    if as_json:
        emit_json(created)
        return
    console().print(
        f"Sector [bold]{created['name']}[/] ({created.get('kind')}, {created.get('capacity')} places, "
        f"{money(created.get('price_cents'))}) added: {created['id']}"
    )


@command(products_app, "list")
def products_list(
    event: Annotated[str, typer.Option(help="Event id or name: its add-ons and the global ones.")],
    as_json: JsonOption = False,
) -> None:
    """List the add-ons on sale for an event."""
    found = get_event(event)
    products = get_products(found["id"])
    if as_json:
        emit_json({"items": products, "next_cursor": None})
        return
    console().print(product_table(products) if products else "No add-ons.")


@command(products_app, "add")
def products_add(
    name: Annotated[str, typer.Option(help="Add-on name.")],
    price: Annotated[str, typer.Option(help="Price, e.g. 15,00.")],
    stock: Annotated[int | None, typer.Option(help="Units on sale (unlimited when left out).")] = None,
    event: Annotated[str | None, typer.Option(help="Event id (every event when left out).")] = None,
    description: Annotated[str | None, typer.Option(help="A description.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Organizers: add an add-on for one event or for every event."""
    try:
        body: dict = {"name": name, "price_cents": parse_money(price)}
    except ValueError as error:
        raise usage(str(error)) from None
    if stock is not None:
        body["stock"] = stock
    if description:
        body["description"] = description
    if event:
        body["event_id"] = get_event(event)["id"]
    created = api().call("POST", "/products", body).body
    if as_json:
        emit_json(created)
        return
    console().print(
        f"Add-on [bold]{created['name']}[/] ({money(created.get('price_cents'))}) added: {created['id']}"
    )


@command(app)
def seats(
    event: EventArg,
    sector: Annotated[str, typer.Argument(help="Sector name or id.")],
    as_json: JsonOption = False,
) -> None:
    """Draw a sector's seat map: available, held and sold seats, row by row."""
    found = get_event(event)
    chosen = find_sector(found, sector)
    if chosen.get("kind") != "seated":
        if as_json:
            emit_json({"items": [], "next_cursor": None})
            return
        console().print(
            f"{chosen['name']} is general admission: {chosen.get('available')} of {chosen.get('capacity')} places left."
        )
        return
    answer = api().call("GET", f"/events/{found['id']}/sectors/{chosen['id']}/seats", auth=False).body
    if as_json:
        emit_json(answer)
        return
    out = console()
    out.print(f"[bold]{found['name']}[/] — {chosen['name']} ({money(chosen.get('price_cents'))})")
    out.print(seatmap.draw(answer["items"]))
