"""Times as the API writes them: RFC 3339 in UTC, to the second, with a `Z` (e.g. 2026-12-04T18:30:00Z)."""

from __future__ import annotations

from datetime import UTC, datetime

RFC3339_UTC = "%Y-%m-%dT%H:%M:%SZ"


def utc_text(moment: datetime | None) -> str | None:
    """`moment` as the API writes times; None stays None."""
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime(RFC3339_UTC)
