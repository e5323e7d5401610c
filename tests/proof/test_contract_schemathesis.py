"""Proves, with schemathesis over the running API's own /openapi.json, that generated requests (valid and
invalid, anonymous, buyer and organizer) never get a 5xx, that every error is a problem+json document,
and that responses match what the spec documents."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis.errors import Unsatisfiable
from proof_support import PROBLEMS
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

EXAMPLES = 15
# Routes that change shared state outside the test's own data, or send mail: excluded from fuzzing.
NOT_FUZZED: set[tuple[str, str]] = set()


def problem_json_on_errors(ctx, response, case) -> None:
    """Every 4xx/5xx is an RFC 9457 document: problem+json, type under the documented base, matching status."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    if not content_type.startswith("application/problem+json"):
        raise AssertionError(f"{response.status_code} answered as {content_type!r}, not problem+json")
    body = response.json()
    missing = [k for k in ("type", "title", "status", "detail") if k not in body]
    if missing:
        raise AssertionError(f"problem document lacks {missing}: {body}")
    if body["status"] != response.status_code:
        raise AssertionError(f"problem status {body['status']} differs from HTTP {response.status_code}")
    if not str(body["type"]).startswith(PROBLEMS):
        raise AssertionError(f"problem type {body['type']!r} is not under {PROBLEMS}")


def is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.fixture(scope="module")
def schema(api):
    spec = api.get("/openapi.json").json
    assert spec["paths"], "the spec documents no operation"
    return schemathesis.openapi.from_dict(spec)


def fuzz(
    schema, base_url: str, token: str | None, checks: list, modes=(GenerationMode.POSITIVE,)
) -> list[str]:
    """Run every operation for EXAMPLES generated cases per mode; returns one line per failing operation."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    failures: list[str] = []
    calls = 0
    last_failure: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in NOT_FUZZED:
            continue
        for mode in modes:

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case) -> None:
                nonlocal calls
                # Bodies that are not UTF-8 have their own test (test_status_codes.py), known to fail today.
                assume(not (isinstance(case.body, bytes) and not is_utf8(case.body)))
                # NUL characters in text have their own test (test_security.py), known to fail today.
                sent = json.dumps([case.body, case.path_parameters, case.query], default=repr)
                assume("\\u0000" not in sent and "\\x00" not in sent)
                calls += 1
                response = case.call(base_url=base_url, headers=headers, timeout=15)
                try:
                    case.validate_response(response, checks=checks)
                except Exception:
                    last_failure[:] = [
                        f"{case.as_curl_command(headers=headers)} -> {response.status_code} {response.text[:300]}"
                    ]
                    raise

            last_failure.clear()
            try:
                run()
            except Unsatisfiable:
                continue  # nothing of this operation can be made invalid (e.g. only free-text path parameters)
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # one entry per operation and mode: what failed and the case that did
                details = str(exc)
                failures.append(
                    f"{operation.method.upper()} {operation.path} [{mode.value}]: {details} :: {last_failure}"[
                        :1500
                    ]
                )
    assert calls >= EXAMPLES, "schemathesis made almost no request: the run would prove nothing"
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("who", ["anonymous", "buyer", "organizer"])
def test_no_server_errors_and_problem_json_on_every_error(schema, runtime, who, new_buyer, organizer_token):
    token = {"anonymous": None, "buyer": None, "organizer": organizer_token}[who]
    if who == "buyer":
        token = new_buyer().token
    failures = fuzz(
        schema,
        runtime.base_url,
        token,
        [not_a_server_error, problem_json_on_errors],
        modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    )
    assert not failures, "\n\n".join(failures)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason=(
        "spec bug: the generated /openapi.json documents only Powertools' defaults for every operation "
        "(200 application/json with no schema, 422 application/json HTTPValidationError): the API answers "
        "201 on creation, 401/403/404/409 problems, and 422 as application/problem+json with "
        "{type,title,status,detail,errors}; see the proof report"
    ),
)
def test_responses_match_the_documented_status_codes_types_and_schemas(schema, runtime, organizer_token):
    failures = fuzz(
        schema,
        runtime.base_url,
        organizer_token,
        [status_code_conformance, content_type_conformance, response_schema_conformance],
    )
    assert not failures, "\n\n".join(failures)
