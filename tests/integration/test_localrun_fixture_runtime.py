"""The local runtime on a small template of its own: resources in moto, HTTP through a socket, authorizer, drivers."""

import gzip
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

import jwt
import moto.cognitoidp
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from localrun import LocalRuntime
from localrun.aws_resources import boto_client
from localrun.testing import ApiClient

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "localrun" / "template.yaml"
ALLOWED = "http://allowed.example"
PASSWORD = "Fixture-Passw0rd!"


@pytest.fixture(scope="module")
def fixture_runtime(database_url, moto_server):
    runtime = LocalRuntime(
        FIXTURE,
        port=0,
        database_url=database_url,
        moto_endpoint=moto_server,
        env_overrides={"FIXTURE_TICK_SECONDS": "3600", "CORS_ALLOWED_ORIGINS": ALLOWED},
        seed=False,
        schedule_retry_delay_seconds=0.01,
        stack_name=f"fixture-{secrets.token_hex(3)}",
    ).start()
    yield runtime
    runtime.stop()


@pytest.fixture(scope="module")
def client(fixture_runtime):
    found = ApiClient(fixture_runtime.base_url)
    yield found
    found.close()


def aws(fixture_runtime, service):
    return boto_client(service, fixture_runtime.moto_endpoint)


def handler_module(fixture_runtime, logical_id):
    return sys.modules[fixture_runtime.functions[logical_id].module_name]


def test_declared_resources_exist_in_moto(fixture_runtime):
    pool_id = fixture_runtime.physical("FixtureUserPool").ref
    cognito = aws(fixture_runtime, "cognito-idp")
    policy = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12 and policy["RequireSymbols"] is True
    client_id = fixture_runtime.physical("FixtureUserPoolClient").ref
    flows = cognito.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)["UserPoolClient"]
    assert "ALLOW_USER_PASSWORD_AUTH" in flows["ExplicitAuthFlows"]
    assert cognito.get_group(UserPoolId=pool_id, GroupName="organizer")["Group"]["GroupName"] == "organizer"

    sqs = aws(fixture_runtime, "sqs")
    attributes = sqs.get_queue_attributes(
        QueueUrl=fixture_runtime.physical("FixtureQueue").ref, AttributeNames=["All"]
    )
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert (
        redrive["deadLetterTargetArn"] == fixture_runtime.physical("FixtureDeadLetterQueue").attributes["Arn"]
    )
    assert int(redrive["maxReceiveCount"]) == 2
    assert attributes["Attributes"]["VisibilityTimeout"] == "2"  # short locally, so retries are quick

    topic_arn = fixture_runtime.physical("FixtureTopic").ref
    (subscription,) = aws(fixture_runtime, "sns").list_subscriptions_by_topic(TopicArn=topic_arn)[
        "Subscriptions"
    ]
    assert subscription["Protocol"] == "sqs"
    assert subscription["Endpoint"] == fixture_runtime.physical("FixtureQueue").attributes["Arn"]

    aws(fixture_runtime, "s3").head_bucket(Bucket=fixture_runtime.physical("FixtureBucket").ref)
    secret = aws(fixture_runtime, "secretsmanager").get_secret_value(
        SecretId=fixture_runtime.physical("FixtureSecret").ref
    )
    assert len(secret["SecretString"]) == 40


def test_function_environment_is_resolved_and_overridden(fixture_runtime, database_url):
    env = fixture_runtime.environment
    assert env["GREETING"] == "hello-us-east-1-dev"
    assert (
        env["MAX_TICKETS"] == "4"
        and env["MODE"] == "relaxed"
        and env["FIRST_ORIGIN"] == "http://localhost:5173"
    )
    assert env["QUEUE_URL"] == fixture_runtime.physical("FixtureQueue").ref
    assert env["DATABASE_URL"] == database_url and env["DB_IAM_AUTH"] == "false"
    assert env["CORS_ALLOWED_ORIGINS"] == ALLOWED
    pool_id = fixture_runtime.physical("FixtureUserPool").ref
    assert env["COGNITO_ISSUER"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert env["COGNITO_JWKS_URL"] == f"{fixture_runtime.moto_endpoint}/{pool_id}/.well-known/jwks.json"
    assert "DB_HOST" not in env


def test_http_round_trip_builds_the_v2_event(fixture_runtime, client):
    response = client.get("/echo?a=1&a=2", headers={"Cookie": "c=3", "X-Test": "yes"})
    assert response.status == 200
    body = response.json
    event = body["event"]
    assert event["routeKey"] == "GET /echo" and event["rawQueryString"] == "a=1&a=2"
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert event["cookies"] == ["c=3"] and event["headers"]["x-test"] == "yes"
    assert event["requestContext"]["http"]["sourceIp"] == "127.0.0.1"
    assert body["function_name"] == fixture_runtime.functions["EchoFunction"].name
    assert 0 < body["remaining_ms"] <= 5000
    assert body["request_id"] == event["requestContext"]["requestId"] == response.headers["X-Correlation-Id"]
    assert response.headers["set-cookie"] == "seen=1; Path=/"

    posted = client.post("/echo", raw=b"\xff\xfe", headers={"Content-Type": "application/octet-stream"})
    assert posted.json["event"]["isBase64Encoded"] is True


def test_path_parameters_and_literal_segments(client):
    seats = client.get("/events/e1/sectors/s9/seats").json["event"]
    assert seats["pathParameters"] == {"event_id": "e1", "sector_id": "s9"}
    assert seats["routeKey"] == "GET /events/{event_id}/sectors/{sector_id}/seats"
    special = client.get("/events/e1/sectors/special/seats").json
    assert special == {"which": "special", "path_parameters": {"event_id": "e1"}}


def test_errors_are_problems(client):
    missing = client.get("/nowhere")
    assert missing.status == 404 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json["type"] == "https://ticketing.example.com/problems/not-found"
    assert client.delete("/echo").status == 405
    boom = client.get("/boom")
    assert boom.status == 500 and boom.json["status"] == 500
    assert client.get("/echo").status == 200  # the connection and the runtime survive


def test_cors_over_http(client):
    preflight = client.request(
        "OPTIONS", "/echo", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status == 204 and preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    denied = client.get("/echo", headers={"Origin": "http://evil.example"})
    assert denied.headers.get("Access-Control-Allow-Origin") is None


def _user_token(fixture_runtime, groups=()):
    cognito = aws(fixture_runtime, "cognito-idp")
    pool_id = fixture_runtime.physical("FixtureUserPool").ref
    client_id = fixture_runtime.physical("FixtureUserPoolClient").ref
    email = f"u-{secrets.token_hex(4)}@example.com"
    cognito.sign_up(ClientId=client_id, Username=email, Password=PASSWORD)
    cognito.admin_confirm_sign_up(UserPoolId=pool_id, Username=email)
    for group in groups:
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName=group)
    answer = cognito.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )
    return answer["AuthenticationResult"]["AccessToken"]


def test_a_real_cognito_token_passes_with_claims_as_strings(fixture_runtime, client):
    token = _user_token(fixture_runtime, groups=["organizer"])
    response = client.get("/private/echo", token=token)
    assert response.status == 200, response.text
    jwt_context = response.json["event"]["requestContext"]["authorizer"]["jwt"]
    claims = jwt_context["claims"]
    assert claims["cognito:groups"] == "[organizer]"
    assert claims["token_use"] == "access"
    assert claims["exp"].isdigit() and claims["iat"].isdigit()
    assert all(isinstance(value, str) for value in claims.values())
    assert isinstance(jwt_context["scopes"], list)


def _moto_signing_key():
    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-private.json.gz"
    document = json.loads(gzip.decompress(path.read_bytes()))
    return jwt.PyJWK(document["keys"][0] if "keys" in document else document).key


def _claims_like(fixture_runtime, token, **changes):
    claims = jwt.decode(token, options={"verify_signature": False})
    claims.update(changes)
    return claims


def test_bad_tokens_are_refused_like_api_gateway_does(fixture_runtime, client):
    good = _user_token(fixture_runtime)
    now = int(time.time())
    expired = jwt.encode(
        _claims_like(fixture_runtime, good, exp=now - 60, iat=now - 3660),
        _moto_signing_key(),
        algorithm="RS256",
        headers={"kid": "dummy"},
    )
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong_signature = jwt.encode(
        _claims_like(fixture_runtime, good), other_key, algorithm="RS256", headers={"kid": "dummy"}
    )
    unsigned = jwt.encode(
        _claims_like(fixture_runtime, good), None, algorithm="none", headers={"kid": "dummy"}
    )
    id_token_use = jwt.encode(
        _claims_like(fixture_runtime, good, token_use="id"),
        _moto_signing_key(),
        algorithm="RS256",
        headers={"kid": "dummy"},
    )
    other_client = jwt.encode(
        _claims_like(fixture_runtime, good, client_id="someone-else"),
        _moto_signing_key(),
        algorithm="RS256",
        headers={"kid": "dummy"},
    )
    assert client.get("/private/echo", token=good).status == 200
    resigned = jwt.encode(
        _claims_like(fixture_runtime, good), _moto_signing_key(), algorithm="RS256", headers={"kid": "dummy"}
    )
    assert (
        client.get("/private/echo", token=resigned).status == 200
    )  # the key is right: refusals below are real
    for name, headers in {
        "missing": {},
        "malformed": {"Authorization": "Bearer not.a.jwt"},
        "not bearer": {"Authorization": f"Basic {good}"},
        "expired": {"Authorization": f"Bearer {expired}"},
        "wrong signature": {"Authorization": f"Bearer {wrong_signature}"},
        "alg none": {"Authorization": f"Bearer {unsigned}"},
        "id token": {"Authorization": f"Bearer {id_token_use}"},
        "other client": {"Authorization": f"Bearer {other_client}"},
    }.items():
        response = client.get("/private/echo", headers=headers)
        assert response.status == 401, name
        assert response.json["message"] == "Unauthorized", name
        assert response.json["type"].endswith("/unauthorized"), name


def test_keep_alive_responses_do_not_stall_on_nagle(client):
    client.post("/echo", json={"warm": True})
    timings = []
    for _ in range(25):
        started = time.perf_counter()
        assert client.post("/echo", json={"n": 1}).status == 200
        timings.append(time.perf_counter() - started)
    # headers and body in two writes without TCP_NODELAY cost ~40 ms a response
    assert statistics.median(timings) < 0.03, timings


def test_schedule_retries_then_sends_the_event_to_the_dead_letter_queue(fixture_runtime):
    module = handler_module(fixture_runtime, "TickFunction")
    module.calls.clear()
    module.failing = True
    try:
        outcome = fixture_runtime.run_schedule_now("TickFunction")
    finally:
        module.failing = False
    assert not outcome.succeeded and outcome.attempts == 3 and outcome.sent_to_dead_letter_queue
    assert len(module.calls) == 3  # one try + MaximumRetryAttempts 2
    assert module.calls[0]["detail-type"] == "Scheduled Event"
    sqs = aws(fixture_runtime, "sqs")
    dead = sqs.receive_message(
        QueueUrl=fixture_runtime.physical("FixtureScheduleDeadLetterQueue").ref,
        MessageAttributeNames=["All"],
        WaitTimeSeconds=1,
    )["Messages"]
    assert len(dead) == 1
    assert json.loads(dead[0]["Body"])["id"] == module.calls[0]["id"]
    assert "failed on purpose" in dead[0]["MessageAttributes"]["ERROR_MESSAGE"]["StringValue"]

    ok = fixture_runtime.run_schedule_now("TickFunction")
    assert ok.succeeded and ok.attempts == 1 and ok.result == {"ran": 4}
    assert fixture_runtime.schedules["TickFunction"].interval_seconds == 3600  # from FIXTURE_TICK_SECONDS


def _wait_for(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


def test_queue_driver_deletes_successes_retries_failures_then_moto_redrives_to_the_dlq(fixture_runtime):
    module = handler_module(fixture_runtime, "ConsumerFunction")
    sqs = aws(fixture_runtime, "sqs")
    queue_url = fixture_runtime.physical("FixtureQueue").ref
    tag = secrets.token_hex(3)
    bodies = [f"ok-1-{tag}", f"fail-{tag}", f"ok-2-{tag}"]
    for body in bodies:
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    def seen(body):
        return [r for r in list(module.seen) if r["body"] == body]

    _wait_for(lambda: all(seen(b) for b in bodies))
    record = seen(f"ok-1-{tag}")[0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == fixture_runtime.physical("FixtureQueue").attributes["Arn"]
    assert record["attributes"]["ApproximateReceiveCount"] == "1"

    # the failed one comes back after the 2 s visibility timeout, then moves to the DLQ (maxReceiveCount 2)
    _wait_for(lambda: len(seen(f"fail-{tag}")) >= 2)
    assert seen(f"fail-{tag}")[1]["attributes"]["ApproximateReceiveCount"] == "2"
    dead_url = fixture_runtime.physical("FixtureDeadLetterQueue").ref
    dead = _wait_for(lambda: sqs.receive_message(QueueUrl=dead_url, WaitTimeSeconds=1).get("Messages"))
    assert [m["Body"] for m in dead] == [f"fail-{tag}"]
    assert (
        len(seen(f"ok-1-{tag}")) == len(seen(f"ok-2-{tag}")) == 1
    )  # deleted after success: never redelivered


def test_sns_publish_reaches_the_queue_consumer(fixture_runtime):
    module = handler_module(fixture_runtime, "ConsumerFunction")
    body = f"published-{secrets.token_hex(3)}"
    aws(fixture_runtime, "sns").publish(TopicArn=fixture_runtime.physical("FixtureTopic").ref, Message=body)
    _wait_for(lambda: [r for r in list(module.seen) if r["body"] == body])
