"""One OpenAPI document merged from every function's resolver (Powertools OpenAPIMerge).

Each route documents its own answers (see ticketing.responses). Powertools also adds a default 422
(`HTTPValidationError`, application/json) to every operation of a validating resolver; this API never sends
it (ticketing.http answers every request validation error as a problem), so the merge drops it, and the
component schemas nothing refers to any more."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from ticketing.http import API_DESCRIPTION, API_TITLE, API_VERSION, SECURITY_SCHEMES

MERGE_OPTIONS = {"pattern": "app.py", "recursive": True, "exclude": ["**/meta/**", "**/__pycache__/**"]}
SCHEMA_REF = "#/components/schemas/"
POWERTOOLS_DEFAULT_ERROR = SCHEMA_REF + "HTTPValidationError"


def _refs(node: Any) -> set[str]:
    """The names of the component schemas a part of the document refers to (directly)."""
    if isinstance(node, dict):
        found = (
            {node["$ref"][len(SCHEMA_REF) :]} if str(node.get("$ref", "")).startswith(SCHEMA_REF) else set()
        )
        for value in node.values():
            found |= _refs(value)
        return found
    if isinstance(node, list):
        return set().union(*(_refs(item) for item in node))
    return set()


def without_unsent_defaults(document: dict[str, Any]) -> dict[str, Any]:
    """The document without Powertools' default 422 responses and the schemas only they used."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            if not responses:
                continue
            for status, response in list(responses.items()):
                schemas = [media.get("schema", {}) for media in (response.get("content") or {}).values()]
                if any(schema.get("$ref") == POWERTOOLS_DEFAULT_ERROR for schema in schemas):
                    del responses[status]
            operation["responses"] = dict(sorted(responses.items(), key=lambda item: str(item[0])))
    schemas = document.get("components", {}).get("schemas")
    if schemas:
        used = _refs(document.get("paths", {}))
        pending = list(used)
        while pending:
            for name in _refs(schemas.get(pending.pop(), {})) - used:
                used.add(name)
                pending.append(name)
        for name in set(schemas) - used:
            del schemas[name]
    return document


class ApiMerge(OpenAPIMerge):
    """OpenAPIMerge whose document holds only what the API really answers."""

    def get_openapi_schema(self) -> dict[str, Any]:
        return without_unsent_defaults(super().get_openapi_schema())


def api_merge(functions_root: str | Path) -> ApiMerge:
    """The merge of every route whose handler lives under functions_root (modules are imported on first use)."""
    merge = ApiMerge(
        title=API_TITLE,
        version=API_VERSION,
        description=API_DESCRIPTION,
        security_schemes=SECURITY_SCHEMES,
        on_conflict="error",
    )
    merge.discover(path=Path(functions_root), **MERGE_OPTIONS)
    return merge


@lru_cache(maxsize=4)
def merged_spec(functions_root: str) -> str:
    """The JSON document for every route whose handler lives under functions_root (imported once)."""
    return api_merge(functions_root).get_openapi_json_schema()
