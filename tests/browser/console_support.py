"""Helpers of the console and scanner browser tests: a fake camera video of a ticket's QR, card purchases
through the API, a ticket's code once issued, and signing in to the console by its labelled controls."""

from __future__ import annotations

import time
from pathlib import Path

import segno

CARD = {"number": "4111111111111111", "holder": "ANA SOUZA", "exp_month": 12, "exp_year": 2031, "cvv": "123"}
ORGANIZER = ("organizer@example.com", "Organizer-2026!")
ADMIN = ("admin@example.com", "Admin-2026!")


def qr_video(text: str, path: Path, width: int = 640, height: int = 480, frames: int = 30) -> Path:
    """A Y4M video (what Chromium's --use-file-for-fake-video-capture plays, in a loop) of `text` as a QR
    code, black on white in the middle of the frame, for `frames` frames, then as many of an empty desk (the
    ticket taken away, so the next loop is a second scan): the header, then per frame "FRAME", the Y plane
    and the 4:2:0 U and V planes (grey: 128)."""
    matrix = segno.make(text, error="m").matrix  # rows of 0/1 modules, without the quiet zone
    modules = len(matrix)
    scale = (min(width, height) - 80) // (modules + 8)
    side = scale * (modules + 8)  # four modules of quiet zone on each side
    left, top = (width - side) // 2, (height - side) // 2
    luma = bytearray([200]) * (width * height)  # a grey desk around the white ticket
    for y in range(side):
        row = (top + y) * width + left
        module_row = y // scale - 4
        for x in range(side):
            module_col = x // scale - 4
            dark = 0 <= module_row < modules and 0 <= module_col < modules and matrix[module_row][module_col]
            luma[row + x] = 16 if dark else 235
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    ticket = b"FRAME\n" + bytes(luma) + chroma + chroma
    desk = b"FRAME\n" + bytes([200]) * (width * height) + chroma + chroma
    header = f"YUV4MPEG2 W{width} H{height} F30:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + ticket * frames + desk * frames)
    return path


def buy_by_card(api, buyer, event_id: str, tickets: list[dict], products: list[dict] | None = None) -> dict:
    """A paid order of `buyer` (POST /orders, then a card payment that the simulated provider approves)."""
    body: dict = {"event_id": event_id, "tickets": tickets}
    if products:
        body["products"] = products
    order = api.post("/orders", token=buyer.token, json=body)
    assert order.status == 201, order.text
    paid = api.post(
        f"/orders/{order.json['id']}/payments", token=buyer.token, json={"method": "card", "card": CARD}
    )
    assert paid.status == 201 and paid.json["status"] == "approved", paid.text
    return order.json


def ticket_codes(api, buyer, order_id: str, seconds: float = 20.0) -> list[dict]:
    """The order's tickets once issued (they follow the payment through the paid-orders topic)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = api.get(f"/orders/{order_id}/tickets", token=buyer.token)
        items = answer.json.get("items") if answer.status == 200 and answer.json else None
        if items or time.monotonic() > deadline:
            assert items, answer.text
            return items
        time.sleep(0.2)


def sign_in_to_console(page, email: str, password: str) -> None:
    """Fill and send the console's sign-in form, once it is the page shown: right after "Sair" the page
    before it (the orders page has an "E-mail" filter of its own) can still be there for a moment."""
    page.get_by_role("heading", name="Entrar no console", level=1).wait_for()
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Entrar").click()
    try:
        page.get_by_role("button", name="Sair").wait_for()
    except Exception as exc:  # say what the page showed instead (an error box, the sign-in form again)
        raise AssertionError(
            f"not signed in to the console; the page says: {page.inner_text('body')[:800]!r}"
        ) from exc
