"""Handlers of the organizer and buyer conveniences and of the admin routes, against patched services."""

from __future__ import annotations

import pytest
from handler_calls import BUYER, ORGANIZER, call, load_function

from ticketing.problems import PROBLEM_BASE

EVENT_ID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
ADMIN = {**BUYER, "cognito:groups": "[admin]"}
REPORT_ROUTE = "/events/{event_id}/report"


def test_the_report_comes_as_a_portuguese_csv_when_asked(patched):
    event_report = load_function("reports/event_report")
    patched(event_report.reports, "event_report", {"event_id": EVENT_ID})
    patched(event_report.reports, "report_csv_pt_br", "\ufefftipo;id\r\n")
    status, headers, body = call(
        event_report,
        "GET",
        f"/events/{EVENT_ID}/report",
        route=REPORT_ROUTE,
        query="format=csv&locale=pt-BR",
        claims=ORGANIZER,
    )
    assert (status, body) == (200, "\ufefftipo;id\r\n")
    assert headers["content-type"] == "text/csv; charset=utf-8"
    assert headers["content-disposition"] == f'attachment; filename="relatorio-{EVENT_ID}.csv"'


def test_an_unknown_report_locale_is_422_naming_it(patched):
    event_report = load_function("reports/event_report")
    patched(event_report.reports, "event_report", {"event_id": EVENT_ID})
    status, _, problem = call(
        event_report,
        "GET",
        f"/events/{EVENT_ID}/report",
        route=REPORT_ROUTE,
        query="format=csv&locale=xx",
        claims=ORGANIZER,
    )
    assert (status, problem["type"]) == (422, PROBLEM_BASE + "validation")
    assert [e["field"] for e in problem["errors"]] == ["locale"]


@pytest.mark.parametrize("claims", [BUYER, ADMIN])
def test_only_organizers_read_a_report(claims):
    event_report = load_function("reports/event_report")
    status, _, _ = call(
        event_report,
        "GET",
        f"/events/{EVENT_ID}/report",
        route=REPORT_ROUTE,
        query="format=csv",
        claims=claims,
    )
    assert status == 403
