"""The events AWS hands to functions: API Gateway HTTP API payload 2.0, SQS batches, schedules.

Shapes follow the AWS documentation; the JWT authorizer claims are stringified as API Gateway does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from localrun.template import ACCOUNT_ID, REGION

API_ID = "local"


def stringify_claim(value: Any) -> str:
    """One claim as an HTTP API JWT authorizer passes it: everything becomes a string.

    Numbers as decimal text, booleans "true"/"false", lists as "[a b]" (so cognito:groups
    ["organizer"] becomes "[organizer]")."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(stringify_claim(item) for item in value) + "]"
    if value is None:
        return "null"
    return json.dumps(value, separators=(",", ":"))


def authorizer_context(claims: dict[str, Any]) -> dict[str, Any]:
    """`requestContext.authorizer` of a request the JWT authorizer let through."""
    scope = claims.get("scope")
    scopes = str(scope).split() if scope else None
    return {"jwt": {"claims": {name: stringify_claim(v) for name, v in claims.items()}, "scopes": scopes}}


def _request_time(now: float) -> str:
    return datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _joined(pairs: Iterable[tuple[str, str]], lower: bool) -> dict[str, str]:
    joined: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower() if lower else name
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def http_api_event(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    route_key: str,
    path_parameters: dict[str, str] | None = None,
    source_ip: str = "127.0.0.1",
    claims: dict[str, Any] | None = None,
    request_id: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """An API Gateway HTTP API payload format 2.0 event."""
    now = time.time() if now is None else now
    header_pairs = list(headers)
    cookies = [
        part.strip()
        for name, value in header_pairs
        if name.lower() == "cookie"
        for part in value.split(";")
        if part.strip()
    ]
    # Payload 2.0 moves cookies into `cookies` and leaves them out of `headers`.
    header_map = _joined(((n, v) for n, v in header_pairs if n.lower() != "cookie"), lower=True)
    request_id = request_id or str(uuid.uuid4())
    host = header_map.get("host", "127.0.0.1").split(",")[0]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": header_map,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": host,
            "domainPrefix": host.split(".")[0],
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": header_map.get("user-agent", ""),
            },
            "requestId": request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": _request_time(now),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if cookies:
        event["cookies"] = cookies
    if raw_query:
        event["queryStringParameters"] = _joined(parse_qsl(raw_query, keep_blank_values=True), lower=False)
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    if claims is not None:
        event["requestContext"]["authorizer"] = authorizer_context(claims)
    if body:
        try:
            event["body"] = body.decode("utf-8")
        except UnicodeDecodeError:
            event["body"] = base64.b64encode(body).decode("ascii")
            event["isBase64Encoded"] = True
    return event


@dataclass
class LambdaContext:
    """The context object Lambda passes next to the event."""

    function_name: str
    memory_limit_in_mb: int = 128
    timeout_seconds: float = 3.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None

    def __post_init__(self) -> None:
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name = f"local/{self.aws_request_id}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def sqs_batch_event(messages: list[dict[str, Any]], queue_arn: str) -> dict[str, Any]:
    """An SQS event source batch built from `receive_message` results."""
    records = []
    for message in messages:
        attributes = {
            name: value
            for name, value in (message.get("Attributes") or {}).items()
            if name
            in (
                "ApproximateReceiveCount",
                "SentTimestamp",
                "SenderId",
                "ApproximateFirstReceiveTimestamp",
                "SequenceNumber",
                "MessageGroupId",
                "MessageDeduplicationId",
                "AWSTraceHeader",
            )
        }
        message_attributes = {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
            for name, value in (message.get("MessageAttributes") or {}).items()
        }
        body = message.get("Body", "")
        records.append(
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": body,
                "attributes": attributes,
                "messageAttributes": message_attributes,
                "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),  # noqa: S324
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": REGION,
            }
        )
    return {"Records": records}


def schedule_event(schedule_arn: str, given_input: Any = None, now: float | None = None) -> dict[str, Any]:
    """What EventBridge (Scheduler) hands a Lambda target: the configured Input, or a scheduled event."""
    if given_input is not None:
        return json.loads(given_input) if isinstance(given_input, str) else given_input
    now = time.time() if now is None else now
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.scheduler",
        "account": ACCOUNT_ID,
        "time": datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": REGION,
        "resources": [schedule_arn],
        "detail": {},
    }
