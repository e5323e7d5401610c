"""Account commands: signup, login, logout, whoami."""

from __future__ import annotations

import re
from typing import Annotated

import typer

from ticketing_cli.common import JsonOption, api, app, command, console, emit_json, interactive, usage
from ticketing_cli.credentials import credentials_path
from ticketing_cli.formatting import cpf as format_cpf


def _ask(value: str | None, prompt: str, option: str, hide: bool = False) -> str:
    if value:
        return value
    if not interactive():
        raise usage(f"{option} is required when stdin is not a terminal")
    return typer.prompt(prompt, hide_input=hide)


@command(app)
def signup(
    email: Annotated[str | None, typer.Option(help="Your e-mail (you sign in with it).")] = None,
    name: Annotated[str | None, typer.Option(help="Your full name.")] = None,
    cpf: Annotated[str | None, typer.Option(help="Your CPF (11 digits, dots and dash allowed).")] = None,
    password: Annotated[
        str | None, typer.Option(help="A strong password (asked without echo when left out).")
    ] = None,
    login: Annotated[bool, typer.Option(help="Sign in right after signing up.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Create a buyer account (and sign in); missing fields are asked for in a terminal."""
    email = _ask(email, "E-mail", "--email")
    name = _ask(name, "Full name", "--name")
    cpf = re.sub(r"\D", "", _ask(cpf, "CPF", "--cpf"))
    if password is None and interactive():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    password = _ask(password, "Password", "--password", hide=True)
    created = (
        api()
        .call("POST", "/users", {"email": email, "password": password, "name": name, "cpf": cpf}, auth=False)
        .body
    )
    if login:
        api().sign_in(email, password)
    if as_json:
        emit_json(created)
        return
    out = console()
    out.print(f"Account created for [bold]{created['name']}[/] <{created['email']}>.")
    if login:
        out.print("Signed in.")


@command(app)
def login(
    email: Annotated[str | None, typer.Option(help="Your e-mail.")] = None,
    password: Annotated[
        str | None, typer.Option(help="Your password (asked without echo when left out).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Sign in and keep the token in your config directory (file mode 0600)."""
    email = _ask(email, "E-mail", "--email")
    password = _ask(password, "Password", "--password", hide=True)
    session = api().sign_in(email, password)
    if as_json:
        emit_json({"email": session.email, "expires_at": session.expires_at, "api": api().base_url})
        return
    console().print(f"Signed in as [bold]{email}[/] on {api().base_url}.")


@command(app)
def logout(as_json: JsonOption = False) -> None:
    """Forget the token kept for this API."""
    forgotten = api().sign_out()
    if as_json:
        emit_json({"signed_out": forgotten})
        return
    console().print("Signed out." if forgotten else "You were not signed in.")


@command(app)
def whoami(as_json: JsonOption = False) -> None:
    """Show who you are signed in as (name, e-mail, CPF, roles)."""
    me = api().call("GET", "/users/me").body
    if as_json:
        emit_json(me)
        return
    out = console()
    out.print(f"[bold]{me['name']}[/] <{me['email']}>")
    out.print(f"CPF: {format_cpf(me.get('cpf'))}")
    out.print(f"Roles: {', '.join(me.get('roles') or [])}")
    out.print(f"API: {api().base_url}  (credentials: {credentials_path()})", style="dim")
