"""Buying: buy (hold), pay, orders, tickets and the invoice."""

from __future__ import annotations

import re
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import segno
import typer
from rich.table import Table

from ticketing_cli import seatmap
from ticketing_cli.catalog import product_table, sector_table
from ticketing_cli.client import ApiError
from ticketing_cli.common import (
    EventArg,
    JsonOption,
    OrderArg,
    PaidOrderArg,
    api,
    app,
    command,
    console,
    emit_json,
    event_timezones,
    fail,
    find_sector,
    get_event,
    get_products,
    interactive,
    now_is,
    order_id,
    orders_app,
    parse_product_options,
    short_id,
    show,
    usage,
)
from ticketing_cli.formatting import boleto_line, local_date, local_time, money, parse_time
from ticketing_cli.language import say, word

HALF_CATEGORIES = ("student", "youth_low_income", "disability", "disability_companion", "elderly", "teacher")
STATUS_STYLES = {
    "reserved": "yellow",
    "awaiting_payment": "yellow",
    "paid": "green",
    "expired": "dim",
    "cancelled": "dim",
    "refunded": "magenta",
}


def choose(prompt: str, options: list[str], default: str | None = None) -> str:
    """Ask until the answer is one of `options` (case-insensitive)."""
    while True:
        answer = str(typer.prompt(f"{prompt} ({' / '.join(options)})", default=default)).strip()
        for option in options:
            if option.casefold() == answer.casefold():
                return option
        console().print(f"Choose one of: {', '.join(options)}", style="red")


def time_left(expires_at: str | None) -> str:
    moment = parse_time(expires_at)
    if moment is None:
        return ""
    seconds = int((moment - datetime.now(UTC)).total_seconds())
    if seconds <= 0:
        return say("expired")
    return say("{minutes} min {seconds} s left", minutes=seconds // 60, seconds=f"{seconds % 60:02d}")


def order_view(order: dict, event: dict | None) -> None:
    """An order for people: status, hold deadline, each ticket and add-on, the total."""
    out = console()
    timezone = (event or {}).get("timezone")
    status = order.get("status", "")
    title = say("Order {id}", id=order["id"])
    if event:
        title += f" — {event['name']} ({local_time(event.get('starts_at'), timezone)})"
    out.print(f"[bold]{title}[/]")
    out.print(say("Status: {status}", status=f"[{STATUS_STYLES.get(status, 'white')}]{word(status)}[/]"))
    if status in ("reserved", "awaiting_payment") and order.get("expires_at"):
        out.print(
            say(
                "Held until {time} ({left})",
                time=local_time(order["expires_at"], timezone, seconds=True),
                left=time_left(order["expires_at"]),
            )
        )
    table = Table(show_footer=True)
    table.add_column(say("Item"), footer=say("Total"), style="bold")
    table.add_column(say("Seat / qty"))
    table.add_column(say("Type"))
    table.add_column(say("Unit price"), justify="right")
    table.add_column(say("Fee"), justify="right", footer=money(order.get("fee_cents")))
    table.add_column(say("Subtotal"), justify="right", footer=money(order.get("total_cents")))
    for ticket in order.get("tickets") or []:
        quantity = int(ticket.get("quantity") or 1)
        kind = word(ticket.get("type", "full"))
        if ticket.get("half_category"):
            kind += f" ({ticket['half_category']})"
        unit = int(ticket.get("unit_price_cents") or 0)
        fee = int(ticket.get("unit_fee_cents") or 0)
        sector = ticket.get("sector") or ticket.get("sector_id", "")
        if ticket.get("tier"):
            sector += f" · {ticket['tier']}"
        table.add_row(
            sector,
            ticket.get("seat_label") or f"× {quantity}",
            kind,
            money(unit),
            money(fee * quantity),
            money((unit + fee) * quantity),
        )
    for product in order.get("products") or []:
        unit = int(product.get("unit_price_cents") or 0)
        quantity = int(product.get("quantity") or 0)
        table.add_row(
            product.get("name") or product["product_id"],
            f"× {quantity}",
            say("add-on"),
            money(unit),
            "",
            money(unit * quantity),
        )
    out.print(table)
    payment = order.get("payment")
    if isinstance(payment, dict):
        out.print(
            say(
                "Payment: {method} {status}",
                method=word(payment.get("method")),
                status=word(payment.get("status")),
            )
        )


def _order_event(order: dict) -> dict | None:
    return event_timezones({order["event_id"]}).get(order["event_id"]) if order.get("event_id") else None


def _choose_seats_interactively(event: dict, sector: dict) -> list[str]:
    answer = api().call("GET", f"/events/{event['id']}/sectors/{sector['id']}/seats", auth=False).body
    console().print(seatmap.draw(answer["items"]))
    typed = typer.prompt("Seats (labels like B-12, separated by commas)")
    return [label.strip().upper() for label in typed.split(",") if label.strip()]


def _seats_by_label(event: dict, sector: dict) -> dict[str, dict]:
    answer = api().call("GET", f"/events/{event['id']}/sectors/{sector['id']}/seats", auth=False).body
    return {str(seat["label"]).upper(): seat for seat in answer["items"]}


def _sector_of_seats(event: dict, labels: list[str]) -> dict:
    seated = [s for s in event.get("sectors") or [] if s.get("kind") == "seated"]
    if len(seated) == 1:
        return seated[0]
    matching = [s for s in seated if all(label in _seats_by_label(event, s) for label in labels)]
    if len(matching) == 1:
        return matching[0]
    raise usage("say which sector the seats are in with --sector")


@command(app)
def buy(
    event: EventArg,
    seat: Annotated[
        list[str] | None, typer.Option("--seat", help="A seat label like B-12; repeatable.")
    ] = None,
    sector: Annotated[
        str | None, typer.Option(help="Sector name or id (general admission, or the seats' sector).")
    ] = None,
    quantity: Annotated[int | None, typer.Option(min=1, help="Places in a general admission sector.")] = None,
    half: Annotated[bool, typer.Option("--half", help="Half price (meia-entrada) for every ticket.")] = False,
    category: Annotated[
        str | None, typer.Option(help=f"Half-price category: {', '.join(HALF_CATEGORIES)}.")
    ] = None,
    product: Annotated[
        list[str] | None, typer.Option("--product", help="An add-on as NAME_OR_ID:QTY; repeatable.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Hold tickets (seats or general admission places) and add-ons in one order.

    Examples: `ticketing buy EVENT --seat B-12 --seat B-13 --product Pipoca:2`,
    `ticketing buy EVENT --sector Pista --quantity 2 --half --category student`.
    With no --seat/--sector in a terminal, it asks for what is missing.
    """
    found = get_event(event)
    products = get_products(found["id"])
    labels = [label.strip().upper() for label in seat or []]
    asked = False
    chosen_sector: dict | None = find_sector(found, sector) if sector else None
    if not labels and chosen_sector is None:
        if not interactive():
            raise usage(
                "give --seat LABEL or --sector NAME [--quantity N] (or run it in a terminal to be asked)"
            )
        asked = True
        console().print(sector_table(found))
        names = [s["name"] for s in found.get("sectors") or []]
        chosen_sector = find_sector(found, choose("Sector", names))
    if chosen_sector is None:
        chosen_sector = _sector_of_seats(found, labels)
    if chosen_sector.get("kind") == "seated" and not labels:
        if not interactive():
            raise usage(f"{chosen_sector['name']} is seated: give --seat LABEL")
        asked = True
        labels = _choose_seats_interactively(found, chosen_sector)
    if chosen_sector.get("kind") == "general" and labels:
        raise usage(f"{chosen_sector['name']} is general admission: give --quantity, not --seat")
    if chosen_sector.get("kind") == "general" and quantity is None:
        quantity = typer.prompt("How many places", type=int, default=1) if asked else 1
    if asked and not half:
        half = typer.confirm("Half price (meia-entrada)?", default=False)
    if half and asked and category is None:
        category = choose("Half-price category", list(HALF_CATEGORIES), default="student")
    if category and not half:
        raise usage("--category goes with --half")
    if asked and not product and products:
        console().print(product_table(products))
        typed = typer.prompt(
            "Add-ons as NAME:QTY separated by commas (empty for none)", default="", show_default=False
        )
        product = [part.strip() for part in typed.split(",") if part.strip()]
    line: dict = {"sector_id": chosen_sector["id"], "type": "half" if half else "full"}
    if category:
        line["half_category"] = category
    tickets: list[dict] = []
    if labels:
        by_label = _seats_by_label(found, chosen_sector)
        for label in labels:
            if label not in by_label:
                raise usage(f"no seat {label} in {chosen_sector['name']}")
            tickets.append({**line, "seat_id": by_label[label]["id"]})
    else:
        tickets.append({**line, "quantity": quantity})
    body: dict = {"event_id": found["id"], "tickets": tickets}
    extras = parse_product_options(product or [], products)
    if extras:
        body["products"] = extras
    from ticketing_cli.queue import admission_token  # a queued on-sale: the token `queue status` got

    token = admission_token(found["id"])
    headers = {"X-Admission-Token": token} if token else None
    order = api().call("POST", "/orders", body, headers=headers, idempotent=True).body
    if as_json:
        emit_json(order)
        return
    order_view(order, found)
    console().print(say("Pay with: ticketing pay {id} --method pix|card|boleto", id=short_id(order["id"])))


def _card_details(number: str | None, holder: str | None, expiry: str | None, cvv: str | None) -> dict:
    if not all((number, holder, expiry, cvv)) and not interactive():
        raise usage("card payments need --card-number, --card-holder, --card-expiry MM/YY and --card-cvv")
    number = number or typer.prompt("Card number")
    holder = holder or typer.prompt("Name on the card")
    expiry = expiry or typer.prompt("Expiry (MM/YY)")
    cvv = cvv or typer.prompt("CVV", hide_input=True)
    match = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*", expiry or "")
    if not match:
        raise usage(f"the card expiry is MM/YY, not {expiry!r}")
    year = int(match.group(2))
    return {
        "number": re.sub(r"[\s-]", "", number),
        "holder": holder,
        "exp_month": int(match.group(1)),
        "exp_year": year + 2000 if year < 100 else year,
        "cvv": cvv.strip(),
    }


def print_qr(payload: str) -> None:
    """A QR code drawn with half blocks, readable by a phone held to the terminal."""
    qr = segno.make(payload, error="m")
    qr.terminal(out=sys.stdout, compact=True, border=2)
    sys.stdout.flush()


def payment_view(payment: dict, event: dict | None) -> None:
    out = console()
    timezone = (event or {}).get("timezone")
    method, status = payment.get("method"), payment.get("status")
    out.print(
        say(
            "Payment {id} — {method}: {status} — {amount}",
            id=payment.get("id"),
            method=word(method),
            status=f"[bold]{word(status)}[/]",
            amount=money(payment.get("amount_cents")),
        )
    )
    if payment.get("installments") and int(payment["installments"]) > 1:
        out.print(f"{payment['installments']}× {money(payment.get('installment_cents'))}")
    if method == "pix" and payment.get("pix_copy_paste"):
        out.print("PIX copia e cola:")
        sys.stdout.write(payment["pix_copy_paste"] + "\n")
        print_qr(payment["pix_copy_paste"])
    if method == "boleto" and payment.get("boleto_line"):
        out.print("Boleto, linha digitável:")
        sys.stdout.write(boleto_line(payment["boleto_line"]) + "\n")
        if payment.get("due_date"):
            out.print(say("Due date: {date}", date=local_date(payment["due_date"])))
        if payment.get("pix_copy_paste"):
            # boleto híbrido: the same slip can be paid by PIX
            out.print("PIX copia e cola:")
            sys.stdout.write(payment["pix_copy_paste"] + "\n")
            print_qr(payment["pix_copy_paste"])
    refund = payment.get("refund") or {}
    if refund.get("id"):
        out.print(say("PIX devolution {id}: {status}", id=refund["id"], status=refund.get("status")))
    if status == "pending" and payment.get("expires_at"):
        out.print(
            say(
                "Pay before {time} ({left}).",
                time=local_time(payment["expires_at"], timezone),
                left=time_left(payment["expires_at"]),
            )
        )
    if status == "approved":
        out.print(say("Paid. Your tickets: ticketing tickets {id}", id=payment.get("order_id")))
    if status == "declined":
        out.print(say("The payment was declined; the order is still held, you may try again."), style="red")


@command(app)
def pay(
    order: OrderArg,
    method: Annotated[str, typer.Option(help="card, pix or boleto.")],
    installments: Annotated[int | None, typer.Option(min=1, max=12, help="Card installments.")] = None,
    card_number: Annotated[str | None, typer.Option(help="Card number (asked when left out).")] = None,
    card_holder: Annotated[str | None, typer.Option(help="Name on the card.")] = None,
    card_expiry: Annotated[str | None, typer.Option(help="Expiry as MM/YY.")] = None,
    card_cvv: Annotated[
        str | None, typer.Option(help="Security code (asked without echo when left out).")
    ] = None,
    wait: Annotated[
        int, typer.Option(help="Wait up to this many seconds for a PIX/boleto payment to be confirmed.")
    ] = 0,
    as_json: JsonOption = False,
) -> None:
    """Pay a held order by card (decided at once), PIX (copy-paste code and QR) or boleto (typeable line)."""
    method = method.lower()
    if method not in ("card", "pix", "boleto"):
        raise usage("--method is card, pix or boleto")
    order = order_id(order)
    body: dict = {"method": method}
    if method == "card":
        body["card"] = _card_details(card_number, card_holder, card_expiry, card_cvv)
        if installments:
            body["installments"] = installments
    elif installments:
        raise usage("--installments is for card payments")
    payment = api().call("POST", f"/orders/{order}/payments", body, idempotent=True).body
    if as_json:
        emit_json(payment)
    else:
        current = api().call("GET", f"/orders/{order}").body
        payment_view(payment, _order_event(current))
    if payment.get("status") == "declined":
        # a declined card is a failed command: scripts and shells see it in the exit code
        raise fail(
            say(
                "declined — the card payment was declined; try another card or method (the order is still held)"
            )
        )
    if wait and payment.get("status") == "pending":
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            time.sleep(1)
            current = api().call("GET", f"/orders/{order}").body
            if current.get("status") != "awaiting_payment":
                if not as_json:
                    console().print(
                        say("Order is now {status}.", status=f"[bold]{word(current.get('status'))}[/]")
                    )
                return
        raise fail(f"timeout — the payment was not confirmed within {wait} s", 1)


@command(orders_app, "list")
def orders_list(
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many orders per page.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="The next_cursor of a previous page.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List your orders, newest first."""
    page = api().call("GET", "/orders", query={"limit": limit, "cursor": cursor}).body
    show(page, as_json, lambda page: _orders_table(page, say("Your orders")))


def _orders_table(page: dict, title: str) -> None:
    out = console()
    if not page["items"]:
        out.print(say("No orders."))
        return
    events = event_timezones({o["event_id"] for o in page["items"] if o.get("event_id")})
    table = Table(title=title)
    table.add_column(say("Order"), style="dim", no_wrap=True)
    table.add_column(say("Event"))
    table.add_column(say("Created (local)"))
    table.add_column(say("Status"))
    table.add_column(say("Tickets"), justify="right")
    table.add_column(say("Total"), justify="right")
    for order in page["items"]:
        event = events.get(order.get("event_id") or "", {})
        status = order.get("status", "")
        count = order.get("ticket_count")
        if count is None:
            count = sum(int(t.get("quantity") or 1) for t in order.get("tickets") or [])
        table.add_row(
            short_id(order["id"]),
            event.get("name", order.get("event_id", "")),
            local_time(order.get("created_at"), event.get("timezone")),
            f"[{STATUS_STYLES.get(status, 'white')}]{word(status)}[/]",
            str(count),
            money(order.get("total_cents")),
        )
    out.print(table)
    if page.get("next_cursor"):
        out.print(f"More: --cursor {page['next_cursor']}", style="dim")


@command(orders_app, "show")
def orders_show(order: OrderArg, as_json: JsonOption = False) -> None:
    """Show an order: status, hold deadline, tickets, add-ons and total."""
    order = order_id(order)
    found = api().call("GET", f"/orders/{order}").body
    show(found, as_json, lambda found: order_view(found, _order_event(found)))


def _change_order(order: str, action: str, as_json: bool) -> None:
    """POST /orders/{id}/{action} (cancel, withdrawal, refund), then the order's new status."""
    found = api().call("POST", f"/orders/{order}/{action}").body
    show(found, as_json, lambda found: now_is(f"Order {found.get('id', order)}", found.get("status")))


@command(orders_app, "cancel")
def orders_cancel(order: OrderArg, as_json: JsonOption = False) -> None:
    """Cancel a held order; its seats, places and add-ons go back on sale."""
    _change_order(order_id(order), "cancel", as_json)


@command(orders_app, "addons")
def orders_addons(
    order: OrderArg,
    product: Annotated[
        list[str] | None,
        typer.Option("--product", help="An add-on as NAME_OR_ID:QTY; repeatable; none clears."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Replace the add-ons of a held order."""
    order = order_id(order)
    found = api().call("GET", f"/orders/{order}").body
    chosen = parse_product_options(product or [], get_products(found["event_id"]))
    changed = api().call("PUT", f"/orders/{order}/products", {"products": chosen}).body
    show(changed, as_json, lambda changed: order_view(changed, _order_event(changed)))


@command(orders_app, "withdraw")
def orders_withdraw(order: OrderArg, as_json: JsonOption = False) -> None:
    """Withdraw from a paid order (right of withdrawal, CDC art. 49): refunded, fee included."""
    _change_order(order_id(order), "withdrawal", as_json)


@command(orders_app, "refund")
def orders_refund(order: OrderArg, as_json: JsonOption = False) -> None:
    """Organizers: refund a paid order; its places go back on sale."""
    _change_order(order, "refund", as_json)


@command(orders_app, "desk")
def orders_desk(
    event: EventArg,
    status: Annotated[str | None, typer.Option(help="Only orders in this status.")] = None,
    email: Annotated[str | None, typer.Option(help="Only this buyer's orders.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many orders per page.")] = 50,
    cursor: Annotated[str | None, typer.Option(help="The next_cursor of a previous page.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Organizers: the order desk — an event's orders, newest first."""
    found = get_event(event)
    page = (
        api()
        .call(
            "GET",
            f"/events/{found['id']}/orders",
            query={"status": status, "email": email, "limit": limit, "cursor": cursor},
        )
        .body
    )
    show(page, as_json, lambda page: _orders_table(page, f"Orders of {found['name']}"))


def _save(folder: Path, name: str, content: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / re.sub(r"[^A-Za-z0-9._-]", "_", name)
    path.write_bytes(content)
    return path


def _not_paid_yet(order: str) -> Exception | None:
    """Why an order of yours has no tickets (it is not paid), or None when it is not one of your orders."""
    try:
        found = api().call("GET", f"/orders/{order}").body
    except ApiError:
        return None
    status = found.get("status")
    if status == "paid":
        return None
    if status == "reserved":
        hint = say("pay it with: ticketing pay {id} --method pix|card|boleto", id=short_id(order))
    elif status == "awaiting_payment":
        hint = say("the payment is on its way; try again in a moment")
    else:
        hint = say("it can no longer be paid; buy again with: ticketing buy EVENT")
    return fail(
        say(
            "not-paid — order {id} is {status}, not paid: its tickets exist once it is paid ({hint})",
            id=short_id(order),
            status=word(status),
            hint=hint,
        )
    )


@command(app)
def tickets(
    order: PaidOrderArg,
    download: Annotated[Path | None, typer.Option(help="Save each ticket's PDF in this folder.")] = None,
    qr: Annotated[
        bool, typer.Option("--qr", help="Draw each ticket's code as a QR in the terminal.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """List a paid order's e-tickets, draw their QR codes, or download their PDFs."""
    order = order_id(order)
    try:
        answer = api().call("GET", f"/orders/{order}/tickets").body
    except ApiError as error:
        raise _not_paid_yet(order) or error from None
    items = answer.get("items", []) if isinstance(answer, dict) else answer
    saved: list[Path] = []
    if download:
        for ticket in items:
            if ticket.get("pdf_url"):
                content = api().download(ticket["pdf_url"], auth=True)
                saved.append(_save(download, f"ticket-{ticket.get('code') or ticket['id']}.pdf", content))
    if as_json:
        emit_json(answer)
        return
    out = console()
    table = Table(title=say("Tickets of order {id}", id=order))
    table.add_column(say("Code"), style="bold", overflow="fold")
    table.add_column(say("Sector"))
    table.add_column(say("Seat"))
    table.add_column(say("Type"))
    for ticket in items:
        kind = word(ticket.get("type", ""))
        if ticket.get("half_category"):
            kind += f" ({ticket['half_category']})"
        table.add_row(ticket.get("code", ""), ticket.get("sector", ""), ticket.get("seat_label") or "-", kind)
    out.print(table)
    if qr:
        for ticket in items:
            out.print(f"{ticket.get('sector')} {ticket.get('seat_label') or ''} — {ticket.get('code')}")
            print_qr(ticket["code"])
    for path in saved:
        out.print(say("Saved {path}", path=path))


@command(app)
def invoice(
    order: PaidOrderArg,
    download: Annotated[Path | None, typer.Option(help="Save the invoice JSON in this folder.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Show a paid order's invoice (NF-e number and access key), or download it."""
    order = order_id(order)
    found = api().call("GET", f"/orders/{order}/invoice").body
    saved = None
    if download and found.get("url"):
        saved = _save(
            download, f"invoice-{found.get('number') or order}.json", api().download(found["url"], auth=False)
        )
    if as_json:
        emit_json(found)
        return
    out = console()
    out.print(
        say(
            "Invoice number {number}, issued {time}",
            number=found.get("number"),
            time=local_time(found.get("issued_at")),
        )
    )
    out.print(say("Access key: {key}", key=found.get("access_key")))
    if saved:
        out.print(say("Saved {path}", path=saved))


__all__ = ["ApiError"]
