"""The events handed to functions: API Gateway HTTP API v2.0 (JWT claims as strings), SQS, schedules."""

import base64
import json

import pytest

from localrun.drivers import rate_seconds
from localrun.events import LambdaContext, http_api_event, schedule_event, sqs_batch_event, stringify_claim
from localrun.gateway import response_from_result

COGNITO_ACCESS_CLAIMS = {
    "sub": "7c1e-1",
    "cognito:groups": ["organizer"],
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x",
    "client_id": "abc",
    "token_use": "access",
    "scope": "aws.cognito.signin.user.admin",
    "auth_time": 1764072000,
    "exp": 1764075600,
    "iat": 1764072000,
    "jti": "j",
    "username": "organizer@example.com",
}


def test_claims_are_strings_the_way_api_gateway_hands_them_over():
    assert stringify_claim(["organizer"]) == "[organizer]"
    assert stringify_claim(["organizer", "admin"]) == "[organizer admin]"
    assert stringify_claim(1764072000) == "1764072000"
    assert stringify_claim(1.5) == "1.5"
    assert stringify_claim(True) == "true"
    assert stringify_claim(False) == "false"
    assert stringify_claim("text") == "text"


def test_http_api_v2_event_shape():
    event = http_api_event(
        method="POST",
        raw_path="/events/e1/sectors/s1/seats",
        raw_query="a=1&a=2&b=",
        headers=[
            ("Host", "127.0.0.1:3000"),
            ("User-Agent", "pytest"),
            ("X-Dup", "one"),
            ("x-dup", "two"),
            ("Cookie", "a=1; b=2"),
        ],
        body=b'{"x": 1}',
        route_key="POST /events/{event_id}/sectors/{sector_id}/seats",
        path_parameters={"event_id": "e1", "sector_id": "s1"},
        claims=COGNITO_ACCESS_CLAIMS,
        request_id="req-1",
        now=1764072000.25,
    )
    assert event["version"] == "2.0"
    assert event["routeKey"] == "POST /events/{event_id}/sectors/{sector_id}/seats"
    assert event["rawPath"] == "/events/e1/sectors/s1/seats"
    assert event["rawQueryString"] == "a=1&a=2&b="
    assert event["headers"] == {"host": "127.0.0.1:3000", "user-agent": "pytest", "x-dup": "one,two"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["queryStringParameters"] == {"a": "1,2", "b": ""}
    assert event["pathParameters"] == {"event_id": "e1", "sector_id": "s1"}
    assert event["body"] == '{"x": 1}' and event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["http"] == {
        "method": "POST",
        "path": "/events/e1/sectors/s1/seats",
        "protocol": "HTTP/1.1",
        "sourceIp": "127.0.0.1",
        "userAgent": "pytest",
    }
    assert context["requestId"] == "req-1"
    assert context["routeKey"] == event["routeKey"]
    assert context["stage"] == "$default"
    assert context["time"] == "25/Nov/2025:12:00:00 +0000"
    assert context["timeEpoch"] == 1764072000250
    assert {"accountId", "apiId", "domainName"} <= set(context)
    jwt = context["authorizer"]["jwt"]
    assert jwt["scopes"] == ["aws.cognito.signin.user.admin"]
    assert jwt["claims"]["cognito:groups"] == "[organizer]"
    assert jwt["claims"]["exp"] == "1764075600"
    assert all(isinstance(value, str) for value in jwt["claims"].values())


def test_the_shared_layer_reads_the_stringified_groups():
    from ticketing.auth import Caller

    event = http_api_event(
        method="GET",
        raw_path="/users/me",
        raw_query="",
        headers=[],
        body=b"",
        route_key="GET /users/me",
        claims=COGNITO_ACCESS_CLAIMS,
    )
    caller = Caller.from_claims(event["requestContext"]["authorizer"]["jwt"]["claims"])
    assert caller.is_organizer


def test_public_requests_have_no_authorizer_and_binary_bodies_are_base64():
    event = http_api_event(
        method="POST", raw_path="/x", raw_query="", headers=[], body=b"\xff\x00", route_key="POST /x"
    )
    assert "authorizer" not in event["requestContext"]
    assert "queryStringParameters" not in event and "pathParameters" not in event and "cookies" not in event
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00"


def test_sqs_batch_event_records():
    messages = [
        {
            "MessageId": "m1",
            "ReceiptHandle": "r1",
            "Body": "hello",
            "MD5OfBody": "5d41402abc4b2a76b9719d911017c592",
            "Attributes": {"ApproximateReceiveCount": "2", "SentTimestamp": "1"},
            "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "paid"}},
        }
    ]
    (record,) = sqs_batch_event(messages, "arn:aws:sqs:us-east-1:123456789012:q")["Records"]
    assert record["messageId"] == "m1" and record["receiptHandle"] == "r1" and record["body"] == "hello"
    assert record["attributes"]["ApproximateReceiveCount"] == "2"
    assert record["messageAttributes"]["kind"]["stringValue"] == "paid"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == "arn:aws:sqs:us-east-1:123456789012:q"
    assert record["awsRegion"] == "us-east-1"
    assert record["md5OfBody"] == "5d41402abc4b2a76b9719d911017c592"


def test_schedule_events_and_rates():
    event = schedule_event("arn:aws:scheduler:us-east-1:123456789012:schedule/default/x")
    assert event["detail-type"] == "Scheduled Event" and event["resources"][0].endswith("/x")
    assert schedule_event("arn", '{"a": 1}') == {"a": 1}
    assert rate_seconds("rate(1 minute)") == 60
    assert rate_seconds("rate(5 minutes)") == 300
    assert rate_seconds("rate(30 seconds)") == 30
    assert rate_seconds("rate(2 hours)") == 7200
    assert rate_seconds("cron(0 * * * ? *)") is None


def test_lambda_context():
    context = LambdaContext(function_name="f", memory_limit_in_mb=512, timeout_seconds=10)
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:f"
    assert 9000 < context.get_remaining_time_in_millis() <= 10000
    assert context.aws_request_id


@pytest.mark.parametrize(
    ("result", "status", "body", "content_type"),
    [
        (
            {"statusCode": 201, "headers": {"Content-Type": "text/plain"}, "body": "made"},
            201,
            b"made",
            "text/plain",
        ),
        (
            {
                "statusCode": 200,
                "body": base64.b64encode(b"\x89PNG").decode(),
                "isBase64Encoded": True,
                "headers": {"content-type": "image/png"},
            },
            200,
            b"\x89PNG",
            "image/png",
        ),
        ({"hello": "world"}, 200, json.dumps({"hello": "world"}).encode(), "application/json"),
        ({"statusCode": 204}, 204, b"", "application/json"),
    ],
)
def test_responses_from_payload_2_results(result, status, body, content_type):
    response = response_from_result(result)
    assert response.status == status
    assert response.body == body
    assert response.header("content-type") == content_type


def test_cookies_and_multi_value_headers_become_separate_header_lines():
    response = response_from_result(
        {
            "statusCode": 200,
            "cookies": ["a=1", "b=2"],
            "multiValueHeaders": {"X-Many": ["1", "2"]},
            "body": "",
        }
    )
    assert [v for n, v in response.headers if n == "Set-Cookie"] == ["a=1", "b=2"]
    assert [v for n, v in response.headers if n == "X-Many"] == ["1", "2"]
