"""Events with a city and an image: GET /events?q=&city= on real PostgreSQL, and the presigned image upload."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ticketing import db
from ticketing.api.catalog import EventImageIn, EventIn, EventPatch, SectorIn
from ticketing.domain.images import MAX_IMAGE_BYTES
from ticketing.errors import NotFound, ValidationFailed
from ticketing.services import catalog


@pytest.fixture
def on_sale(organizer):
    tag = uuid.uuid4().hex[:8]  # the test database is shared: names carry a tag of this test

    def create(name: str, venue: str, city: str | None, days: int = 30) -> dict:
        event = catalog.create_event(
            organizer,
            EventIn(
                name=f"{name} {tag}",
                venue=venue,
                city=city,
                starts_at=datetime.now(UTC) + timedelta(days=days),
            ),
        )
        catalog.create_sector(
            organizer, event["id"], SectorIn(name="Pista", kind="general", price_cents=5000, capacity=10)
        )
        catalog.update_event(organizer, event["id"], EventPatch(status="on_sale"))
        return event

    return tag, create


def names(page: dict) -> list[str]:
    return [e["name"].rsplit(" ", 1)[0] for e in page["items"]]


def test_q_finds_words_of_name_or_venue_and_city_matches_without_case_or_accents(on_sale):
    tag, create = on_sale
    create("Noite de MPB", "Teatro Municipal", "São Paulo", days=10)
    create("Rock na Praça", "Arena Sul", "Porto Alegre", days=20)
    create("Ópera ao ar livre", "Parque São Paulo", "Rio de Janeiro", days=30)

    def search(**query) -> list[str]:
        return names(catalog.list_events(None, 200, None, None, **query))

    assert search(q=f"{tag} mpb") == []  # words in order: the tag comes last in the name
    assert search(q=f"mpb {tag}") == ["Noite de MPB"]
    assert search(q=tag, city="sao paulo") == ["Noite de MPB"]
    assert search(q=tag, city="  SÃO   PAULO ") == ["Noite de MPB"]
    assert search(q=f"opera {tag}") == ["Ópera ao ar livre"]
    assert search(q=f"{tag} alegre") == []  # name and venue are searched; the city only by ?city=
    assert search(q=f"{tag} paulo") == ["Ópera ao ar livre"]  # its venue
    assert search(q="parque são") != [] and "Ópera ao ar livre" in search(q="PARQUE SAO")
    assert search(q=tag) == ["Noite de MPB", "Rock na Praça", "Ópera ao ar livre"]
    assert search(q=f"{tag}%") == [] and search(q=f"_{tag[1:]}") == []  # LIKE's characters are literal
    with pytest.raises(ValidationFailed) as raised:
        search(q="a b c d e f g h i")
    assert raised.value.errors[0]["field"] == "q"


def test_search_pages_keep_their_filter(on_sale):
    tag, create = on_sale
    for day in range(5):
        create(f"Show {day}", "Arena", "Recife", days=10 + day)
    first = catalog.list_events(None, 2, None, None, q=tag, city="recife")
    second = catalog.list_events(None, 2, first["next_cursor"], None, q=tag, city="recife")
    third = catalog.list_events(None, 2, second["next_cursor"], None, q=tag, city="recife")
    assert names(first) + names(second) + names(third) == [f"Show {d}" for d in range(5)]
    assert third["next_cursor"] is None


class PlansSeen(Exception):
    """Rolls the 20,000 events of the plan test back."""


def test_q_and_city_can_be_served_by_indexes(organizer):
    """The filters keep the shape an index serves (the folding of what is asked for is a constant); which
    plan wins depends on the data, so sequential scans and the status index are put out of the way to see the
    indexes the filters can use."""
    from ticketing.db import catalog as sql

    params = {
        "status": "on_sale",
        "sub": None,
        "after_start": None,
        "after_id": None,
        "limit": 51,
        "mine": False,
    }
    plans = {}
    with pytest.raises(PlansSeen), db.connection() as conn, conn.transaction():
        conn.execute(
            "INSERT INTO events (organizer_id, name, venue, city, starts_at, status)"
            " SELECT (SELECT id FROM users WHERE cognito_sub = %s), 'Evento ' || n, 'Local ' || n,"
            " 'Cidade ' || (n %% 500), now() + n * interval '1 minute', 'on_sale'"
            " FROM generate_series(1, 20000) AS n",
            (organizer.sub,),
        )
        conn.execute("ANALYZE events")
        conn.execute("SET LOCAL enable_seqscan = off")
        # The status index is priced about as well when every row is on sale (it lost or won by the other
        # tests' few events): out of the way too, inside this transaction that is rolled back.
        conn.execute("DROP INDEX events_by_status_start")
        for name, query in {
            "text": {"city": None, "pattern": "%local 19876%"},
            "city": {"city": "Cidade 7", "pattern": None},
        }.items():
            rows = conn.execute("EXPLAIN " + sql.list_events, {**params, **query}).fetchall()
            plans[name] = "\n".join(next(iter(r.values())) for r in rows)
        raise PlansSeen
    assert "events_search_trigrams" in plans["text"], plans["text"]
    assert "events_by_city" in plans["city"], plans["city"]


def test_city_can_be_changed_and_cleared(on_sale, organizer):
    _, create = on_sale
    event = create("Sertanejo", "Arena", "Goiânia")
    assert event["city"] == "Goiânia" and event["image_url"] is None
    changed = catalog.update_event(organizer, event["id"], EventPatch(city="Anápolis"))
    assert changed["city"] == "Anápolis"
    cleared = catalog.update_event(organizer, event["id"], EventPatch.model_validate({"city": None}))
    assert cleared["city"] is None
    with pytest.raises(ValidationFailed):
        catalog.update_event(organizer, event["id"], EventPatch(city="   "))


def test_the_image_upload_is_a_presigned_post_bounded_in_type_and_size(
    runtime, on_sale, organizer, new_organizer
):
    _, create = on_sale
    event = create("Forró", "Arena", "Caruaru")
    upload = catalog.event_image_upload(organizer, event["id"], EventImageIn(content_type="image/png"))
    assert upload["image_url"].endswith(".png") and f"/event-images/{event['id']}/" in upload["image_url"]
    assert upload["fields"]["Content-Type"] == "image/png"
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert {"Content-Type": "image/png"} in policy["conditions"]
    assert ["content-length-range", 1, MAX_IMAGE_BYTES] in policy["conditions"]
    assert {"key": upload["fields"]["key"]} in policy["conditions"]
    assert catalog.get_event(event["id"], None)["image_url"] == upload["image_url"]

    default = catalog.event_image_upload(organizer, event["id"], None)
    assert default["fields"]["Content-Type"] == "image/jpeg" and default["image_url"] != upload["image_url"]

    with pytest.raises(NotFound):
        catalog.event_image_upload(new_organizer(), event["id"], None)
    with pytest.raises(NotFound):
        catalog.event_image_upload(organizer, str(uuid.uuid4()), None)
