"""The Typer application, its command groups, and what every command shares: the API, output, errors."""

from __future__ import annotations

import functools
import json
import os
import re
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from ticketing_cli import __version__
from ticketing_cli.client import DEFAULT_API, Api, ApiError, CliFailure
from ticketing_cli.language import say

app = typer.Typer(
    name="ticketing",
    help="Buy tickets for live events in Brazil, and run events as an organizer, from the terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def command_group(name: str, help: str) -> typer.Typer:  # noqa: A002 - Typer's own name for it
    """A sub-command group of the app (`ticketing NAME ...`); its bare name prints its help."""
    group = typer.Typer(help=help, no_args_is_help=True)
    app.add_typer(group, name=name)
    return group


events_app = command_group("events", "List, show, create, publish and close events.")
orders_app = command_group("orders", "Your orders: list, show, cancel; organizers: the order desk, refunds.")
sectors_app = command_group("sectors", "Organizers: add sectors (seated or general admission) to an event.")
products_app = command_group("products", "Add-ons (drinks, parking...): list them; organizers add them.")

JsonOption = Annotated[bool, typer.Option("--json", help="Print the API's raw JSON answer (for scripts).")]
EventArg = Annotated[str, typer.Argument(help="Event id, or a unique part of its name.")]
OrderArg = Annotated[str, typer.Argument(help="Order id.")]
PaidOrderArg = Annotated[str, typer.Argument(help="Order id (a paid order).")]

UUID_PATTERN = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class State:
    api: Api = Api(DEFAULT_API)


state = State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ticketing {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    api: Annotated[
        str,
        typer.Option(
            "--api", envvar="TICKETING_API", help="Base URL of the ticketing API.", show_default=True
        ),
    ] = DEFAULT_API,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Buy tickets for live events in Brazil, and run events as an organizer, from the terminal.

    Sign in once with `ticketing login`; the token is kept in your config directory
    ($TICKETING_CONFIG_DIR, else ~/.config/ticketing) and refreshed when it expires.
    """
    state.api = Api(api)


def api() -> Api:
    return state.api


def console() -> Console:
    """Standard output, for people: tables and colours (colours only on a terminal)."""
    return Console(file=sys.stdout, highlight=False, soft_wrap=False)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def fail(message: str, exit_code: int = 1) -> CliFailure:
    return CliFailure(message, exit_code)


def usage(message: str) -> CliFailure:
    return CliFailure(f"{say('usage')} — {message}", 2)


F = TypeVar("F", bound=Callable[..., Any])


def handles_errors(function: F) -> F:
    """Turns a CliFailure (API problem, usage, unreachable API) into one stderr line and its exit code."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except CliFailure as failure:
            sys.stdout.flush()
            as_json = kwargs.get("as_json")
            if as_json and isinstance(failure, ApiError) and failure.body is not None:
                emit_json(failure.body)
            sys.stderr.write(f"{say('error')}: {failure.message}\n")
            sys.stderr.flush()
            raise typer.Exit(failure.exit_code) from None

    return wrapper  # type: ignore[return-value]


def command(group: typer.Typer, name: str | None = None) -> Callable[[F], F]:
    """A command of `group` (the app or a sub-command group) whose CliFailure ends it as handles_errors says."""

    def register(function: F) -> F:
        return group.command(name)(handles_errors(function))

    return register


def show(data: Any, as_json: bool, render: Callable[[Any], None]) -> None:
    """The API's answer: raw JSON with --json, else as `render` shows it to people."""
    if as_json:
        emit_json(data)
    else:
        render(data)


def now_is(subject: str, status: str | None) -> None:
    """One line saying what a change left something in: `Order 1a2b... is now cancelled.`"""
    console().print(f"{subject} is now [bold]{status}[/].")


def interactive() -> bool:
    """True when a person can answer prompts (stdin is a terminal; TICKETING_INTERACTIVE=1 forces it)."""
    if os.environ.get("TICKETING_INTERACTIVE") == "1":
        return True
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


# --- finding things by id or by name ---------------------------------------------------------
def get_event(reference: str) -> dict:
    """An event (with its sectors) by id, or by a unique part of its name among listed events."""
    client = api()
    signed_in = client.session is not None
    if UUID_PATTERN.match(reference):
        return client.call("GET", f"/events/{reference}", auth=signed_in).body
    wanted = reference.casefold()
    found: list[dict] = []
    by_id: list[dict] = []
    cursor = None
    for _ in range(20):
        page = client.call("GET", "/events", query={"limit": 200, "cursor": cursor}, auth=False).body
        found += [e for e in page["items"] if wanted in str(e.get("name", "")).casefold()]
        by_id += [e for e in page["items"] if len(wanted) >= 6 and str(e["id"]).startswith(wanted)]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    if len(by_id) == 1:
        return client.call("GET", f"/events/{by_id[0]['id']}", auth=signed_in).body
    exact = [e for e in found if str(e.get("name", "")).casefold() == wanted]
    if len(exact) == 1 or len(found) == 1:
        chosen = (exact or found)[0]
        return client.call("GET", f"/events/{chosen['id']}", auth=signed_in).body
    if not found:
        raise fail(f"not-found — no event on sale named like {reference!r} (give its id)")
    names = ", ".join(f"{e['name']} ({e['id']})" for e in found[:5])
    raise usage(f"{reference!r} matches several events: {names}; give the id")


def order_id(reference: str) -> str:
    """An order id from a full id or from the start of one of your orders' ids (as tables show them)."""
    if UUID_PATTERN.match(reference):
        return reference
    wanted = reference.casefold()
    if len(wanted) < 4:
        raise usage(f"{reference!r} is not an order id (give at least its first 4 characters)")
    cursor = None
    matches: list[str] = []
    for _ in range(20):
        page = api().call("GET", "/orders", query={"limit": 200, "cursor": cursor}).body
        matches += [o["id"] for o in page["items"] if str(o["id"]).startswith(wanted)]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise fail(f"not-found — none of your orders has an id starting with {reference!r}")
    raise usage(f"{reference!r} matches several orders; give more of the id")


def short_id(value: str) -> str:
    return str(value)[:8]


def find_sector(event: dict, reference: str) -> dict:
    sectors = event.get("sectors") or []
    for sector in sectors:
        if sector["id"] == reference or str(sector["name"]).casefold() == reference.casefold():
            return sector
    names = ", ".join(s["name"] for s in sectors) or "none"
    raise usage(f"no sector {reference!r} in {event['name']} (sectors: {names})")


def get_products(event_id: str) -> list[dict]:
    return api().call("GET", "/products", query={"event_id": event_id}, auth=False).body["items"]


def parse_product_options(values: list[str], products: list[dict]) -> list[dict]:
    """`NAME_OR_ID:QTY` options as `[{product_id, quantity}]`."""
    chosen: list[dict] = []
    for value in values:
        name, separator, quantity_text = value.rpartition(":")
        if not separator:
            name, quantity_text = value, "1"
        try:
            quantity = int(quantity_text)
        except ValueError:
            raise usage(f"--product takes NAME_OR_ID:QUANTITY, not {value!r}") from None
        product = next(
            (
                p
                for p in products
                if p["id"] == name
                or str(p["name"]).casefold() == name.casefold()
                or (len(name) >= 6 and str(p["id"]).startswith(name.casefold()))
            ),
            None,
        )
        if product is None:
            names = ", ".join(p["name"] for p in products) or "none"
            raise usage(f"no add-on {name!r} for this event (add-ons: {names})")
        chosen.append({"product_id": product["id"], "quantity": quantity})
    return chosen


def event_timezones(event_ids: set[str]) -> dict[str, dict]:
    """Events by id (name and time zone for display); unknown ones are left out."""
    found: dict[str, dict] = {}
    for event_id in event_ids:
        try:
            found[event_id] = api().call("GET", f"/events/{event_id}", auth=api().session is not None).body
        except ApiError:
            continue
    return found
