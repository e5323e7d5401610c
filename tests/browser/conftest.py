"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser) against the local runtime.

They skip, with the reason, where Chromium or the playwright package is missing (`make test` on a bare
machine); `make test-browser` installs both and runs them.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from localrun.testing import create_event_on_sale

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _missing(reason: str) -> None:
    # `make test-browser` sets REQUIRE_BROWSER=1: there a missing browser is a failure, not a skip.
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    executable = chromium_path()
    if executable is None:
        _missing(
            "Chromium is not installed (/usr/bin/chromium): run `make test-browser` to install and run these"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is not installed: run `make test-browser`")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _expected(text: str) -> bool:
    """Chromium logs every 4xx answer as a console error; the storefront handles those (a refused card, a
    taken seat, an invoice not issued yet). A 5xx or a script error still fails the test."""
    return bool(re.match(r"Failed to load resource: the server responded with a status of 4\d\d", text))


@pytest.fixture
def open_page(browser, runtime) -> Iterator[Callable[..., object]]:
    """Opens the storefront in a fresh context (own sessionStorage); JavaScript errors fail the test."""
    contexts = []
    errors: list[str] = []

    def create(width: int = 1100, height: int = 900, path: str = "/"):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="pt-BR", timezone_id="Europe/Lisbon"
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                message.type == "error" and not _expected(message.text) and errors.append(message.text)
            ),
        )
        page.goto(runtime.base_url + path)
        return page

    yield create
    for context in contexts:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def seated_event(api, organizer_token) -> Callable[..., dict]:
    """An event on sale starting 2027-03-10 23:30 UTC (20:30 in São Paulo): 'Plateia' A-C x 10, 'Pista', an add-on."""

    def create() -> dict:
        name = f"Show no navegador {secrets.token_hex(3)}"
        made = create_event_on_sale(
            api,
            organizer_token,
            name=name,
            venue="Espaço Unimed, São Paulo",
            starts_at="2027-03-10T23:30:00Z",
            max_installments=3,
            service_fee_percent=10,
            sectors=[
                {
                    "name": "Plateia",
                    "kind": "seated",
                    "price_cents": 15000,
                    "rows": [{"row": r, "seats": 10} for r in "ABC"],
                },
                {"name": "Pista", "kind": "general", "price_cents": 123456, "capacity": 50},
            ],
            products=[{"name": "Estacionamento", "price_cents": 2500, "stock": 20}],
        )
        seated = made["sectors"][0]
        seats = api.get(f"/events/{made['id']}/sectors/{seated['id']}/seats").json["items"]
        return {"id": made["id"], "name": name, "seated": seated, "seats": {s["label"]: s for s in seats}}

    return create


@pytest.fixture
def camera_browser(browser) -> Iterator[Callable[[Path], object]]:
    """Launches another Chromium whose camera plays `video` (a .y4m file) and allows it without asking,
    as a phone at the door would after its first permission prompt. Closed after the test."""
    launched = []

    def launch(video: Path):
        camera = browser.browser_type.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        launched.append(camera)
        return camera

    yield launch
    for camera in launched:
        camera.close()
