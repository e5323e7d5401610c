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
    assert calls[0][1] == {"q": "rock arena", "city": "São Paulo", "mine": False}
    status, _, problem = call(list_events, "GET", "/events", query="q=" + "a" * 101)
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["q"]
    status, _, problem = call(list_events, "GET", "/events", query="city=" + "a" * 101)
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["city"]


def test_appointing_an_organizer_is_201_the_first_time_and_200_after(patched):
    from ticketing.services.organizers import Appointed

    appoint = load_function("users/appoint_organizer")
    answer = {"email": "maria@example.com", "roles": ["buyer", "organizer"]}
    calls = patched(appoint.organizers, "appoint", Appointed(answer, created=True))
    status, _, body = call(appoint, "POST", "/organizers", body={"email": "Maria@example.com"}, claims=ADMIN)
    assert (status, body) == (201, answer)
    assert calls[0][0] == ("Maria@example.com",)
    patched(appoint.organizers, "appoint", Appointed(answer, created=False))
    status, _, body = call(appoint, "POST", "/organizers", body={"email": "maria@example.com"}, claims=ADMIN)
    assert (status, body) == (200, answer)


@pytest.mark.parametrize(("claims", "status"), [(None, 401), (BUYER, 403), (ORGANIZER, 403)])
def test_only_admins_appoint_and_list_organizers(claims, status):
    appoint = load_function("users/appoint_organizer")
    listing = load_function("users/list_organizers")
    assert (
        call(appoint, "POST", "/organizers", body={"email": "maria@example.com"}, claims=claims)[0] == status
    )
    assert call(listing, "GET", "/organizers", claims=claims)[0] == status


def test_an_admin_gets_422_naming_email_and_pages_the_list(patched):
    from ticketing.errors import NotFound

    appoint = load_function("users/appoint_organizer")
    status, _, problem = call(appoint, "POST", "/organizers", body={}, claims=ADMIN)
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["email"]
    patched(appoint.organizers, "appoint", NotFound("No account with this e-mail"))
    assert call(appoint, "POST", "/organizers", body={"email": "x@example.com"}, claims=ADMIN)[0] == 404

    listing = load_function("users/list_organizers")
    calls = patched(listing.organizers, "list_organizers", {"items": [], "next_cursor": None})
    status, _, body = call(listing, "GET", "/organizers", query="limit=10&cursor=abc", claims=ADMIN)
    assert (status, body) == (200, {"items": [], "next_cursor": None})
    assert calls[0][0] == (10, "abc")
    assert call(listing, "GET", "/organizers", query="limit=500", claims=ADMIN)[0] == 422


def test_a_password_reset_request_is_202_without_a_body(patched):
    request_reset = load_function("users/request_password_reset")
    calls = patched(request_reset.password_reset, "request_reset", None)
    status, _, body = call(request_reset, "POST", "/auth/password-reset", body={"email": "ana@example.com"})
    assert (status, body) == (202, "")
    assert calls[0][0] == ("ana@example.com",)
    status, _, problem = call(request_reset, "POST", "/auth/password-reset", body={})
    assert status == 422 and [e["field"] for e in problem["errors"]] == ["email"]


def test_a_password_reset_confirmation_is_204_or_the_services_problem(patched):
    from ticketing.errors import Unauthorized

    confirm = load_function("users/confirm_password_reset")
    path = "/auth/password-reset/confirm"
    sent = {"email": "ana@example.com", "code": "123456", "new_password": "Nova-Senha-2026!"}
    calls = patched(confirm.password_reset, "confirm_reset", None)
    status, _, body = call(confirm, "POST", path, body=sent)
    assert (status, body) == (204, "")
    assert calls[0][0] == ("ana@example.com", "123456", "Nova-Senha-2026!")
    patched(confirm.password_reset, "confirm_reset", Unauthorized("Wrong or expired code"))
    status, _, problem = call(confirm, "POST", path, body=sent)
    assert (status, problem["type"]) == (401, PROBLEM_BASE + "unauthorized")
    status, _, problem = call(confirm, "POST", path, body={"email": "ana@example.com"})
    assert status == 422 and {e["field"] for e in problem["errors"]} == {"code", "new_password"}
