"""One OpenAPI document merged from every function's resolver (Powertools OpenAPIMerge)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from ticketing.http import API_DESCRIPTION, API_TITLE, API_VERSION, SECURITY_SCHEMES

MERGE_OPTIONS = {"pattern": "app.py", "recursive": True, "exclude": ["**/meta/**", "**/__pycache__/**"]}


@lru_cache(maxsize=4)
def merged_spec(functions_root: str) -> str:
    """The JSON document for every route whose handler lives under functions_root (imported once)."""
    merge = OpenAPIMerge(
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        security_schemes=SECURITY_SCHEMES,
        on_conflict="error",
    )
    merge.discover(path=Path(functions_root), **MERGE_OPTIONS)
    return merge.get_openapi_json_schema()
