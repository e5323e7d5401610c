"""Helpers of the browser tests: screenshots, whether a route is served, signed payment webhooks, holds
made through the API."""

from __future__ import annotations

import json
import os
import struct
import zlib
from pathlib import Path

from localrun.testing import post_order, post_signed

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT_ROOT / "test-artifacts" / "browser"


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def route_served(api, method: str, path_template: str) -> bool:
    spec = api.get("/openapi.json").json or {}
    if method.lower() not in (spec.get("paths") or {}).get(path_template, {}):
        return False
    concrete = path_template.replace("{order_id}", "00000000-0000-4000-8000-000000000000").replace(
        "{event_id}", "00000000-0000-4000-8000-000000000000"
    )
    probe = api.request(method, concrete, json_body={} if method == "POST" else None)
    return probe.status != 405 and not (probe.status == 404 and "No route for" in probe.text)


def send_webhook(api, payment_id: str, status: str = "approved"):
    body = json.dumps({"payment_id": payment_id, "status": status}).encode()
    secret = os.environ.get("PAYMENT_WEBHOOK_SECRET") or "local-webhook-secret"
    return post_signed(api, "/payments/webhook", body, secret)


def open_event_from_the_list(page, name: str) -> None:
    """Click an event's card on the home page, asking for more events ("Mais eventos") until it shows."""
    page.goto(page.url.split("#")[0] + "#/")
    cards = page.locator(".cards li")
    cards.first.wait_for()
    link = page.get_by_role("link", name=f"Comprar ingressos para {name}")
    more = page.get_by_role("button", name="Mais eventos")
    while not link.count():
        shown = cards.count()
        assert more.count(), f"{name} is not among the {shown} events the storefront lists"
        more.click()
        page.wait_for_function("n => document.querySelectorAll('.cards li').length > n", arg=shown)
    link.click()


def hold_seat(api, buyer, event: dict, label: str) -> dict:
    """A hold of one seat (by its label) of a seated_event() event, made by `buyer` through the API."""
    seat = {"sector_id": event["seated"]["id"], "seat_id": event["seats"][label]["id"]}
    held = post_order(api, buyer.token, event["id"], [seat])
    assert held.status == 201, held.text
    return held.json


def tiny_png(rgb: tuple[int, int, int]) -> bytes:
    """A valid 4x4 PNG of one colour, so the browser really decodes an image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + bytes(rgb) * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
