"""Start and stop leave nothing behind: threads, the listening socket, moto, the environment."""

import os
import socket
import threading
from pathlib import Path

from localrun import LocalRuntime
from localrun.testing import random_cpf

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "localrun" / "template.yaml"
RUNTIME_THREADS = ("localrun-http", "sqs-", "schedule-")


def _new_runtime_threads(existing: set[threading.Thread]) -> list[str]:
    return [t.name for t in threading.enumerate() if t not in existing and t.name.startswith(RUNTIME_THREADS)]


def test_stop_ends_threads_moto_and_restores_the_environment(database_url):
    before = dict(os.environ)
    existing = set(threading.enumerate())  # the session's runtime may be running too
    runtime = LocalRuntime(FIXTURE, port=0, database_url=database_url, seed=False, stack_name="lifecycle")
    runtime.start()
    try:
        port = int(runtime.base_url.rsplit(":", 1)[1])
        moto_process = runtime._moto._process
        assert moto_process is not None and moto_process.poll() is None  # its own moto process
        assert set(_new_runtime_threads(existing)) >= {
            "localrun-http",
            "sqs-ConsumerFunction",
            "schedule-TickFunction",
        }
        with socket.create_connection(("127.0.0.1", port)) as idle_keep_alive:
            idle_keep_alive.sendall(b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
            assert idle_keep_alive.recv(12).startswith(b"HTTP/1.1 200")
            runtime.stop()
    finally:
        runtime.stop()
    assert moto_process.poll() is not None
    assert _new_runtime_threads(existing) == []
    assert dict(os.environ) == before
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        raise AssertionError("the port still accepts connections")
    except OSError:
        pass


def test_random_cpfs_have_valid_check_digits():
    from ticketing.domain.cpf import is_valid_cpf

    assert all(is_valid_cpf(random_cpf()) for _ in range(200))
