"""Assertions on problem+json answers, shared by the HTTP tests."""

PROBLEMS = "https://ticketing.example.com/problems/"
# A valid POST /events body, for the tests of who may send it.
EVENT_DRAFT = {"name": "X", "venue": "Y", "starts_at": "2030-01-01T20:00:00Z"}


def assert_problem(response, status: int, name: str) -> dict:
    assert response.status == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json
    assert body["type"] == PROBLEMS + name
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body


def refused_field(response) -> str:
    """The field a 422 validation problem names first."""
    return assert_problem(response, 422, "validation")["errors"][0]["field"]
