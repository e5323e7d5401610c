"""Problem documents (RFC 9457): the media type, the base of every `type`, and the document itself.

The one home of these names: the domain errors, the HTTP layer, the OpenAPI models and the local gateway
(which answers some problems itself, as API Gateway would) all build their problems here."""

from __future__ import annotations

from typing import Any

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://ticketing.example.com/problems/"


def problem_document(status: int, name: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The body of a problem response; `name` is the last path segment of its `type`."""
    return {"type": PROBLEM_BASE + name, "title": title, "status": status, "detail": detail, **extra}
