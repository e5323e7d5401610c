"""The waiting room in Chromium (issue 17): a buyer waits, sees the position fall, is admitted and holds."""

from __future__ import annotations

import re
import secrets

from storefront_support import open_event_from_the_list, screenshot
from test_storefront_journeys import choose_sector, sign_up_in_the_page

from localrun.testing import pista_on_sale


def test_buyer_waits_sees_the_position_fall_is_admitted_and_holds_a_seat(
    open_page, api, organizer_token, new_buyer
):
    name = f"Show com fila {secrets.token_hex(3)}"
    made = pista_on_sale(
        api,
        organizer_token,
        20000,
        100,
        name=name,
        venue="Allianz Parque, São Paulo",
        queue={"enabled": True, "admit_per_minute": 30},  # one every 2 s
    )
    ahead = [new_buyer() for _ in range(3)]
    for buyer in ahead:
        assert api.post(f"/events/{made['id']}/queue", token=buyer.token).status == 201

    page = open_page()
    sign_up_in_the_page(page)
    open_event_from_the_list(page, name)
    page.get_by_role("heading", name=re.compile("Fila virtual")).wait_for()
    position = page.locator("#posicao")
    position.wait_for()
    first = int(re.search(r"\d+", position.inner_text()).group())
    assert first >= 2, position.inner_text()
    assert "Tempo estimado" in page.locator("#estimativa").inner_text()
    screenshot(page, "queue-01-waiting")
    entry_id = page.evaluate(f"JSON.parse(localStorage.getItem('ticketing.queue.{made['id']}')).entryId")

    # The position falls by itself; a reload keeps the place (same entry).
    page.wait_for_function(
        "n => { const m = /\\d+/.exec(document.querySelector('#posicao')?.textContent || ''); return m && +m[0] < n; }",
        arg=first,
        timeout=20000,
    )
    page.reload()
    page.wait_for_function(
        "id => location.hash.startsWith('#/evento/') || document.querySelector('#posicao')", arg=entry_id
    )
    assert (
        page.evaluate(f"JSON.parse(localStorage.getItem('ticketing.queue.{made['id']}')).entryId") == entry_id
    )

    # Admitted: straight to the seat map, and the hold carries the admission token.
    page.get_by_role("heading", name=name).wait_for(timeout=30000)
    screenshot(page, "queue-02-admitted")
    choose_sector(page, "Pista")
    page.get_by_role("button", name="Reservar").click()
    page.locator(".countdown").wait_for()
    assert "Reservado" in page.locator(".order-status").inner_text()
    screenshot(page, "queue-03-held")
