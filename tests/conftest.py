"""Session fixtures: a fresh database, moto, the local runtime on template.yaml, and an HTTP client for it."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from leftovers import RUN_MARKER, left_over

from localrun import LocalRuntime, database
from localrun.aws_resources import MotoServer, boto_client, use_endpoint
from localrun.pix_simulator import PixSimulator
from localrun.testing import ApiClient, random_cpf

PROJECT_ROOT = Path(__file__).resolve().parents[1]
_RUN_ID: dict[str, str] = {}


def pytest_configure(config: pytest.Config) -> None:
    # Mark every process this run starts (see tests/leftovers.py); a run started by a test keeps the outer mark.
    if RUN_MARKER not in os.environ:
        os.environ[RUN_MARKER] = _RUN_ID.setdefault("value", uuid.uuid4().hex)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The session-end check: a server or process the run started and did not stop fails the run (and is
    stopped here, so one bad test does not leave it running for hours)."""
    marker = _RUN_ID.get("value")
    if not marker:
        return
    alive = left_over(marker)
    if not alive:
        return
    for pid, _ in alive:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGTERM)
    listing = "\n".join(f"  {pid}: {command[:200]}" for pid, command in alive)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = f"processes started by this test run were still running at its end (now terminated):\n{listing}"
    if reporter is not None:
        reporter.write_line("LEFT OVER: " + message, red=True)
    else:
        print(message)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


ORGANIZER_EMAIL = "organizer@example.com"
ORGANIZER_PASSWORD = "Organizer-2026!"


def _refresh_app() -> None:
    from ticketing import aws, config, db

    config.reload_settings()
    aws.reset_clients()
    db.close_pool()


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh migrated database for this run (embedded PostgreSQL unless DATABASE_URL is set)."""
    saved = os.environ.get("DATABASE_URL")
    embedded = None
    if saved:
        server_url = saved
    else:
        embedded = database.EmbeddedPostgres()
        server_url = embedded.start()
    url = database.create_test_database(server_url)
    try:
        database.migrate(url)
        os.environ["DATABASE_URL"] = url
        _refresh_app()
        yield url
    finally:
        from ticketing import db

        db.close_pool()
        database.drop_database(url)
        if saved is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = saved
        if embedded is not None:
            embedded.stop()


@pytest.fixture(scope="session", autouse=True)
def pix_simulator() -> Iterator[PixSimulator]:
    """The API Pix simulator (issue 20), as moto stands in for AWS: every payment by PIX or boleto creates its
    charge there. Tests settle devolutions themselves (no timer), so each run decides when they end."""
    simulator = PixSimulator(webhook_secret="local-pix-secret").start()
    saved = {name: os.environ.get(name) for name in simulator.environment()}
    os.environ.update(simulator.environment())
    from ticketing import payments_provider

    payments_provider.use_provider(None)
    _refresh_app()
    try:
        yield simulator
    finally:
        simulator.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        payments_provider.use_provider(None)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A moto server process; boto3 in this process reaches it through the environment."""
    server = MotoServer()
    endpoint = server.start()
    use_endpoint(endpoint)
    _refresh_app()
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture(scope="session")
def runtime(database_url: str, moto_server: str) -> Iterator[LocalRuntime]:
    """The local runtime on the real template.yaml; tests trigger scheduled runs themselves."""
    started = LocalRuntime(
        port=0,
        database_url=database_url,
        moto_endpoint=moto_server,
        timed_schedules=False,
        schedule_retry_delay_seconds=0.05,
    ).start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="session")
def api(runtime: LocalRuntime) -> Iterator[ApiClient]:
    client = ApiClient(runtime.base_url)
    yield client
    client.close()


def _cognito_sign_in(email: str, password: str) -> str:
    from ticketing.config import settings

    answer = boto_client("cognito-idp", os.environ["AWS_ENDPOINT_URL"]).initiate_auth(
        ClientId=settings().user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return answer["AuthenticationResult"]["AccessToken"]


def sign_in(api: ApiClient, email: str, password: str) -> str:
    """An access token through POST /auth/token, or straight from moto while that route is missing."""
    response = api.post("/auth/token", json={"email": email, "password": password})
    if response.status == 200 and response.json and response.json.get("access_token"):
        return response.json["access_token"]
    if response.status in (404, 405):
        return _cognito_sign_in(email, password)
    raise AssertionError(f"sign-in failed: {response.status} {response.text}")


@pytest.fixture(scope="session")
def organizer_token(api: ApiClient) -> str:
    return sign_in(api, ORGANIZER_EMAIL, ORGANIZER_PASSWORD)


@dataclass(frozen=True)
class Buyer:
    id: str
    email: str
    cpf: str
    password: str
    token: str


@pytest.fixture
def new_buyer(api: ApiClient) -> Callable[[], Buyer]:
    """A factory: each call signs up a fresh buyer through POST /users and signs in."""

    def create() -> Buyer:
        email = f"buyer-{secrets.token_hex(6)}@example.com"
        password = "Buyer-" + secrets.token_hex(4) + "!A1"
        cpf = random_cpf()
        response = api.post(
            "/users", json={"email": email, "password": password, "name": "Test Buyer", "cpf": cpf}
        )
        assert response.status == 201, response.text
        return Buyer(response.json["id"], email, cpf, password, sign_in(api, email, password))

    return create


@pytest.fixture
def deliveries(runtime: LocalRuntime, moto_server: str) -> Callable[[str], list[dict]]:
    """What the paid-orders topic published, per order: an SQS queue of our own subscribed to the
    template's topic (raw delivery). Call it with an order id to drain the queue and get that order's."""
    sns, sqs = boto_client("sns", moto_server), boto_client("sqs", moto_server)
    url = sqs.create_queue(QueueName="test-paid-" + uuid.uuid4().hex[:8])["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(
        TopicArn=runtime.physical("PaidOrdersTopic").ref,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    received: list[dict] = []

    def for_order(order_id: str) -> list[dict]:
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in batch:
                received.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return [m for m in received if m.get("order_id") == order_id]

    return for_order
