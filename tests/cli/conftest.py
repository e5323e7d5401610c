"""CLI tests: `ticketing` run in-process (Typer's CliRunner) against the session's local runtime."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

ORGANIZER_EMAIL = "organizer@example.com"
ORGANIZER_PASSWORD = "Organizer-2026!"
MISSING_ROUTE_DETAIL = "No route for"


def route_exists(api, method: str, path_template: str) -> bool:
    """The route is in the API's /openapi.json and the gateway routes it (an unknown route is a 404/405)."""
    spec = api.get("/openapi.json").json or {}
    if method.lower() not in (spec.get("paths") or {}).get(path_template, {}):
        return False
    concrete = path_template
    for name in ("event_id", "order_id", "sector_id"):
        concrete = concrete.replace("{" + name + "}", "00000000-0000-4000-8000-000000000000")
    probe = api.request(method, concrete, json_body={} if method in ("POST", "PUT", "PATCH") else None)
    if probe.status == 405:
        return False
    return not (probe.status == 404 and MISSING_ROUTE_DETAIL in probe.text)


@pytest.fixture(scope="session")
def require_route(api) -> Callable[[str, str], None]:
    """Skips the test (with the reason) while a contract route is not served yet."""
    known: dict[tuple[str, str], bool] = {}

    def check(method: str, path_template: str) -> None:
        key = (method, path_template)
        if key not in known:
            known[key] = route_exists(api, method, path_template)
        if not known[key]:
            pytest.skip(f"route missing: {method} {path_template} is not served by the API yet")

    return check


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


def cli_command() -> list[str]:
    """The installed console script `ticketing` (what a user runs), else `python -m ticketing_cli`."""
    script = Path(sys.executable).parent / "ticketing"
    return [str(script)] if script.exists() else [sys.executable, "-m", "ticketing_cli"]


@dataclass
class Cli:
    """`ticketing --api <runtime> ...` as a subprocess with its own config dir (its own signed-in user).

    A subprocess, not CliRunner: the in-process runtime logs to this process's stdout."""

    base_url: str
    config_dir: Path

    def __call__(
        self,
        *args: str,
        input: str | None = None,  # noqa: A002
        api: str | None = None,
        locale: str = "C.UTF-8",
    ) -> Outcome:
        env = {
            **os.environ,
            "TICKETING_CONFIG_DIR": str(self.config_dir),
            "COLUMNS": "160",
            "NO_COLOR": "1",
            "PYTHONIOENCODING": "utf-8",
            "LC_ALL": locale,  # the CLI speaks the user's language: English unless a test asks for another
        }
        for name in ("TICKETING_API", "TICKETING_LANG", "LANGUAGE"):
            env.pop(name, None)
        completed = subprocess.run(
            [*cli_command(), "--api", api or self.base_url, *args],
            input=input or "",
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
            check=False,
        )
        return Outcome(completed.returncode, completed.stdout, completed.stderr)

    def json(self, *args: str) -> dict:
        result = self(*args, "--json")
        assert result.exit_code == 0, f"{args}: {result.exit_code} {result.stdout} {result.stderr}"
        return json.loads(result.stdout)


@pytest.fixture
def cli_factory(runtime, tmp_path) -> Callable[[], Cli]:
    counter = iter(range(1000))

    def create() -> Cli:
        return Cli(runtime.base_url, tmp_path / f"config-{next(counter)}")

    return create


@pytest.fixture
def cli(cli_factory) -> Cli:
    return cli_factory()


@pytest.fixture
def organizer_cli(cli_factory) -> Cli:
    tool = cli_factory()
    result = tool("login", "--email", ORGANIZER_EMAIL, "--password", ORGANIZER_PASSWORD)
    assert result.exit_code == 0, result.stderr
    return tool


@pytest.fixture
def buyer_cli(cli_factory, new_buyer) -> Callable[[], tuple[Cli, object]]:
    """A fresh buyer (signed up through the API) signed in with `ticketing login`."""

    def create():
        buyer = new_buyer()
        tool = cli_factory()
        result = tool("login", "--email", buyer.email, "--password", buyer.password)
        assert result.exit_code == 0, result.stderr
        return tool, buyer

    return create


@pytest.fixture
def cli_event(organizer_cli) -> Callable[..., dict]:
    """An event made with the organizer commands: seated 'Plateia' rows A-B x 4, 'Pista' of `capacity`, an add-on."""

    def create(capacity: int = 3) -> dict:
        name = f"CLI Show {secrets.token_hex(4)}"
        starts = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d 21:00")
        event = organizer_cli.json(
            "events", "create", "--name", name, "--venue", "Circo Voador, Rio", "--starts-at", starts
        )
        assert event["status"] == "draft"
        seated = organizer_cli.json(
            "sectors", "add", event["id"], "--name", "Plateia", "--kind", "seated", "--price", "150,00",
            "--rows", "A-B:4",
        )  # fmt: skip
        general = organizer_cli.json(
            "sectors", "add", event["id"], "--name", "Pista", "--kind", "general", "--price", "80",
            "--capacity", str(capacity),
        )  # fmt: skip
        product = organizer_cli.json(
            "products", "add", "--name", f"Pipoca {name[-8:]}", "--price", "12,50", "--stock", "10",
            "--event", event["id"],
        )  # fmt: skip
        published = organizer_cli.json("events", "publish", event["id"])
        assert published["status"] == "on_sale"
        return {"event": event, "seated": seated, "general": general, "product": product, "name": name}

    return create


def webhook_secret() -> str:
    return os.environ.get("PAYMENT_WEBHOOK_SECRET") or "local-webhook-secret"


def send_webhook(api, payment_id: str, status: str = "approved"):
    """What the payment provider sends: the signed webhook."""
    body = json.dumps({"payment_id": payment_id, "status": status}).encode()
    signature = "sha256=" + hmac.new(webhook_secret().encode(), body, hashlib.sha256).hexdigest()
    return api.post(
        "/payments/webhook", raw=body, headers={"Content-Type": "application/json", "X-Signature": signature}
    )


@pytest.fixture
def settle(api) -> Callable[..., object]:
    """Settles a pending payment as the provider would (approved, declined or expired)."""
    return lambda payment_id, status="approved": send_webhook(api, payment_id, status)
