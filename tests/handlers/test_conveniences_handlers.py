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


IMAGE_ROUTE = "/events/{event_id}/image"
UPLOAD = {"upload_url": "https://s3.example/bucket", "fields": {}, "image_url": "https://cdn.example/x.png"}


def test_an_image_upload_is_201_with_or_without_a_body(patched):
    upload = load_function("catalog/upload_event_image")
    calls = patched(upload.catalog, "event_image_upload", UPLOAD)
    path = f"/events/{EVENT_ID}/image"
    status, _, body = call(
        upload, "POST", path, route=IMAGE_ROUTE, body={"content_type": "image/png"}, claims=ORGANIZER
    )
    assert (status, body) == (201, UPLOAD)
    assert calls[0][0][2].content_type == "image/png"
    status, _, _ = call(upload, "POST", path, route=IMAGE_ROUTE, claims=ORGANIZER)
    assert status == 201
    assert calls[1][0][2] is None


@pytest.mark.parametrize("content_type", ["image/gif", "text/html", 5])
def test_an_image_of_another_type_is_422_naming_content_type(patched, content_type):
    upload = load_function("catalog/upload_event_image")
    patched(upload.catalog, "event_image_upload", UPLOAD)
    status, _, problem = call(
        upload,
        "POST",
        f"/events/{EVENT_ID}/image",
        route=IMAGE_ROUTE,
        body={"content_type": content_type},
        claims=ORGANIZER,
    )
    assert status == 422
    assert [e["field"] for e in problem["errors"]] == ["content_type"]


def test_only_organizers_upload_images():
    upload = load_function("catalog/upload_event_image")
    path = f"/events/{EVENT_ID}/image"
    assert call(upload, "POST", path, route=IMAGE_ROUTE, claims=BUYER)[0] == 403
    assert call(upload, "POST", path, route=IMAGE_ROUTE)[0] == 401


def test_events_are_searched_by_q_and_city_within_bounds(patched):
    list_events = load_function("catalog/list_events")
    calls = patched(list_events.catalog, "list_events", {"items": [], "next_cursor": None})
    assert call(list_events, "GET", "/events", query="q=rock%20arena&city=S%C3%A3o%20Paulo")[0] == 200
    assert calls[0][1] == {"q": "rock arena", "city": "São Paulo"}
    status, _, problem = call(list_events, "GET", "/events", query="q=" + "a" * 101)
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["q"]
    status, _, problem = call(list_events, "GET", "/events", query="city=" + "a" * 101)
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["city"]
