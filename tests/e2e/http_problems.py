"""Assertions on problem+json answers, shared by the HTTP tests."""

PROBLEMS = "https://ticketing.example.com/problems/"


def assert_problem(response, status: int, name: str) -> dict:
    assert response.status == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json
    assert body["type"] == PROBLEMS + name
    assert body["status"] == status
    assert body["title"] and body["detail"]
    return body
