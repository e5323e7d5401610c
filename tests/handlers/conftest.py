"""Handler tests: each function's `lambda_handler` gets an API Gateway HTTP API (payload 2.0) event, with its
service patched, so no database or AWS is involved. They prove what the handler layer decides: the status
codes, the problem mapping, auth before validation, headers."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def patched(monkeypatch: pytest.MonkeyPatch):
    """Replace a service function for one test: patched(module, "name", result_or_exception)."""

    def patch(target: Any, name: str, outcome: Any) -> list[tuple]:
        calls: list[tuple] = []

        def fake(*args: Any, **kwargs: Any) -> Any:
            calls.append((args, kwargs))
            if isinstance(outcome, BaseException):
                raise outcome
            return outcome

        monkeypatch.setattr(target, name, fake)
        return calls

    return patch
