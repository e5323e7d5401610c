"""Move the messages of a dead-letter queue back to its source queue (after fixing what made them fail).

    python scripts/redrive_dlq.py DLQ_URL_OR_NAME [--to SOURCE_URL_OR_NAME] [--endpoint URL] [--region R]
                                   [--max N] [--copy]

With --endpoint (e.g. the local moto server) or when SQS's own redrive is unavailable, messages are received,
sent to the source queue (body and attributes kept) and only then deleted from the DLQ, so a crash can
duplicate a message but never lose one (the invoice consumer is idempotent). Against AWS without --copy the
script asks SQS to do it (StartMessageMoveTask) and waits for the task to finish. The source queue is the one
whose redrive policy names the DLQ, or the one given with --to.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import boto3
from botocore.exceptions import ClientError


def queue_url(sqs: Any, name_or_url: str) -> str:
    if name_or_url.startswith(("http://", "https://")):
        return name_or_url
    return sqs.get_queue_url(QueueName=name_or_url)["QueueUrl"]


def queue_arn(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def source_queue_of(sqs: Any, dead_url: str) -> str:
    """The queue whose redrive policy sends its failures to this DLQ."""
    found = sqs.list_dead_letter_source_queues(QueueUrl=dead_url).get("queueUrls", [])
    if len(found) != 1:
        raise SystemExit(f"cannot tell the source queue ({len(found)} candidates): pass --to")
    return found[0]


def copy_messages(sqs: Any, dead_url: str, source_url: str, limit: int | None = None) -> int:
    """Receive from the DLQ, send to the source, then delete from the DLQ; returns how many moved."""
    moved = 0
    while limit is None or moved < limit:
        wanted = 10 if limit is None else min(10, limit - moved)
        messages = sqs.receive_message(
            QueueUrl=dead_url,
            MaxNumberOfMessages=wanted,
            WaitTimeSeconds=1,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return moved
        entries = []
        for index, message in enumerate(messages):
            entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"]}
            if message.get("MessageAttributes"):
                entry["MessageAttributes"] = message["MessageAttributes"]
            entries.append(entry)
        sent = sqs.send_message_batch(QueueUrl=source_url, Entries=entries)
        ok = {item["Id"] for item in sent.get("Successful", [])}
        done = [
            {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
            for index, message in enumerate(messages)
            if str(index) in ok
        ]
        if done:
            sqs.delete_message_batch(QueueUrl=dead_url, Entries=done)
        moved += len(done)
        if sent.get("Failed"):
            print(f"not moved (left in the DLQ): {json.dumps(sent['Failed'])}", file=sys.stderr)
            return moved
    return moved


def move_with_sqs(sqs: Any, dead_arn: str, source_arn: str, poll_seconds: float = 2.0) -> int:
    """SQS's own redrive (StartMessageMoveTask); waits until the task ends and returns how many moved."""
    handle = sqs.start_message_move_task(SourceArn=dead_arn, DestinationArn=source_arn)["TaskHandle"]
    while True:
        tasks = sqs.list_message_move_tasks(SourceArn=dead_arn, MaxResults=10).get("Results", [])
        task = next((t for t in tasks if t.get("TaskHandle") == handle), tasks[0] if tasks else None)
        if task is None or task.get("Status") in ("COMPLETED", "FAILED", "CANCELLED"):
            if task and task.get("Status") != "COMPLETED":
                raise SystemExit(f"move task {task.get('Status')}: {task.get('FailureReason', '')}")
            return int((task or {}).get("ApproximateNumberOfMessagesMoved", 0))
        time.sleep(poll_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Move messages from a dead-letter queue back to its source.")
    parser.add_argument("dlq", help="the dead-letter queue's URL or name")
    parser.add_argument("--to", help="the source queue's URL or name (default: the queue that uses this DLQ)")
    parser.add_argument(
        "--endpoint", help="an SQS endpoint such as the local moto server, http://127.0.0.1:5000"
    )
    parser.add_argument("--region", default=None)
    parser.add_argument("--max", type=int, default=None, help="move at most this many messages")
    parser.add_argument(
        "--copy", action="store_true", help="receive/send/delete even where SQS could move them"
    )
    args = parser.parse_args(argv)

    sqs = boto3.session.Session().client("sqs", endpoint_url=args.endpoint, region_name=args.region)
    dead_url = queue_url(sqs, args.dlq)
    dead_arn = queue_arn(sqs, dead_url)
    source_url = queue_url(sqs, args.to) if args.to else source_queue_of(sqs, dead_url)
    if args.endpoint or args.copy or args.max is not None:
        moved = copy_messages(sqs, dead_url, source_url, args.max)
    else:
        try:
            moved = move_with_sqs(sqs, dead_arn, queue_arn(sqs, source_url))
        except ClientError as exc:
            print(
                f"StartMessageMoveTask unavailable ({exc.response['Error']['Code']}); copying",
                file=sys.stderr,
            )
            moved = copy_messages(sqs, dead_url, source_url)
    print(json.dumps({"moved": moved, "from": dead_url, "to": source_url}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
