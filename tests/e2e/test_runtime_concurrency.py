"""The local runtime serves concurrent requests as Lambda would: a handler instance never serves two
invocations at once, so per-request state kept on module objects (the Powertools resolver) never leaks."""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from localrun.testing import ApiClient


def test_concurrent_callers_each_get_their_own_profile(runtime, new_buyer):
    buyers = [new_buyer() for _ in range(6)]
    picks = [random.Random(i).choice(buyers) for i in range(600)]

    def call(buyer):
        client = ApiClient(runtime.base_url)
        try:
            response = client.get("/users/me", token=buyer.token)
            return buyer.email, response.status, (response.json or {}).get("email")
        finally:
            client.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(call, picks))
    assert all(status == 200 for _, status, _ in results), {s for _, s, _ in results}
    assert all(expected == seen for expected, _, seen in results)


def test_a_handler_instance_serves_one_invocation_at_a_time(runtime):
    function = runtime.functions["HealthFunction"]
    in_use: set[int] = set()
    overlaps = []
    original = function._import_instance

    def tracking_import(number):
        handler = original(number)

        def tracked(event, context):
            key = id(handler)
            if key in in_use:
                overlaps.append(key)
            in_use.add(key)
            try:
                return handler(event, context)
            finally:
                in_use.discard(key)

        return tracked

    function._import_instance = tracking_import
    function._idle.clear()
    function._instances = 0
    try:
        event = json.loads((Path(__file__).resolve().parents[2] / "events" / "health.json").read_text())
        with ThreadPoolExecutor(max_workers=12) as pool:
            statuses = list(pool.map(lambda _: function.invoke(event)["statusCode"], range(300)))
    finally:
        function._import_instance = original
    assert statuses == [200] * 300
    assert overlaps == []
    assert 1 < function._instances <= function.max_instances
