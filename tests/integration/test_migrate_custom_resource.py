"""The migration custom resource answers CloudFormation at the event's ResponseURL (here a local server)."""

from __future__ import annotations

import importlib.util
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest

from ticketing.config import reload_settings
from ticketing.db.migrate import FUNCTION_FILES, FUNCTIONS_DIR, migration_files

ROOT = Path(__file__).resolve().parents[2]
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _load_handler():
    spec = importlib.util.spec_from_file_location("migrate_app", ROOT / "functions/meta/migrate/app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.lambda_handler


@pytest.fixture
def migrate_database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The suite's fresh database when tests/conftest.py offers one, else a throwaway database of our own."""
    try:
        shared_url = request.getfixturevalue("database_url")
    except pytest.FixtureLookupError:
        shared_url = None
    if shared_url:
        yield shared_url
        return
    name = f"ticketing_migrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=3) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class _Recorder(BaseHTTPRequestHandler):
    received: list[dict] = []

    def do_PUT(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", "0"))
        self.received.append(
            {
                "path": self.path,
                "content_type": self.headers.get("Content-Type"),
                "body": json.loads(self.rfile.read(length)),
            }
        )
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def response_url() -> Iterator[tuple[str, list[dict]]]:
    received: list[dict] = []
    handler = type("Recorder", (_Recorder,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/cfn-response?signature=x", received
    finally:
        server.shutdown()
        server.server_close()


def _event(request_type: str, url: str) -> dict:
    event = json.loads((ROOT / "events/migrate.json").read_text())
    event.update(RequestType=request_type, ResponseURL=url, RequestId=str(uuid.uuid4()))
    return event


def _context(remaining_ms: int = 1_000) -> SimpleNamespace:
    return SimpleNamespace(get_remaining_time_in_millis=lambda: remaining_ms, log_stream_name="local")


@pytest.fixture
def db_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("DB_IAM_AUTH", "false")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "2")
    yield monkeypatch
    monkeypatch.undo()
    reload_settings()


def test_create_applies_migrations_and_answers_success(migrate_database_url, response_url, db_env):
    url, received = response_url
    db_env.setenv("DATABASE_URL", migrate_database_url)
    reload_settings()

    event = _event("Create", url)
    result = _load_handler()(event, _context())

    assert result["Status"] == "SUCCESS"
    assert len(received) == 1
    answer = received[0]
    assert answer["path"] == "/cfn-response?signature=x"
    assert answer["content_type"] == ""
    body = answer["body"]
    assert body["Status"] == "SUCCESS"
    for key in ("StackId", "RequestId", "LogicalResourceId"):
        assert body[key] == event[key]
    assert body["PhysicalResourceId"]
    assert isinstance(body["Data"]["applied"], list)
    with psycopg.connect(migrate_database_url) as conn:
        done = {row[0] for row in conn.execute("SELECT name FROM schema_migrations")}
    assert done == {path.name for path in migration_files()}
    _assert_every_function_is_there(migrate_database_url)
    assert f"re-created {len(FUNCTION_FILES)} SQL function(s)" in body["Reason"]

    # An Update with nothing new applies nothing and keeps the physical id.
    again = _event("Update", url)
    again["PhysicalResourceId"] = body["PhysicalResourceId"]
    _load_handler()(again, _context())
    assert received[1]["body"]["Status"] == "SUCCESS"
    assert received[1]["body"]["Data"] == {"applied": []}
    assert received[1]["body"]["PhysicalResourceId"] == body["PhysicalResourceId"]
    _assert_every_function_is_there(migrate_database_url)


def _assert_every_function_is_there(url: str) -> None:
    """Each file of the layer's sql/ folder became one function, and nothing else is there."""
    with psycopg.connect(url) as conn:
        names = sorted(
            row[0]
            for row in conn.execute("SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace")
        )
    assert names == sorted(Path(name).stem for name in FUNCTION_FILES)
    assert all((FUNCTIONS_DIR / name).is_file() for name in FUNCTION_FILES)


def test_unreachable_database_answers_failed_instead_of_hanging(response_url, db_env):
    url, received = response_url
    db_env.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    reload_settings()

    result = _load_handler()(_event("Create", url), _context())

    assert result["Status"] == "FAILED"
    body = received[0]["body"]
    assert body["Status"] == "FAILED"
    assert "OperationalError" in body["Reason"]
    assert body["Data"] == {"applied": []}


def test_delete_touches_nothing_and_answers_success(response_url, db_env):
    url, received = response_url
    db_env.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:1/nowhere")
    reload_settings()

    event = _event("Delete", url)
    event["PhysicalResourceId"] = "ticketing-migrations"
    _load_handler()(event, _context())

    assert received[0]["body"]["Status"] == "SUCCESS"
    assert received[0]["body"]["PhysicalResourceId"] == "ticketing-migrations"
