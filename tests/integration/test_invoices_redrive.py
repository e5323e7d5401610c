"""scripts/redrive_dlq.py against moto: messages go back from the DLQ to the queue that uses it."""

from __future__ import annotations

import importlib.util
import json
import uuid
from pathlib import Path

from localrun.aws_resources import boto_client

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "redrive_dlq.py"


def load_script():
    spec = importlib.util.spec_from_file_location("redrive_dlq", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_redrive_moves_every_message_back_to_the_source_queue(moto_server, capsys):
    sqs = boto_client("sqs", moto_server)
    name = "redrive-" + uuid.uuid4().hex[:8]
    dead_url = sqs.create_queue(QueueName=name + "-dlq")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    source_url = sqs.create_queue(
        QueueName=name,
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": 2})},
    )["QueueUrl"]
    bodies = {json.dumps({"n": n}) for n in range(13)}
    for body in bodies:
        sqs.send_message(
            QueueUrl=dead_url,
            MessageBody=body,
            MessageAttributes={"type": {"DataType": "String", "StringValue": "order.paid"}},
        )

    assert load_script().main([name + "-dlq", "--endpoint", moto_server, "--region", "us-east-1"]) == 0

    assert json.loads(capsys.readouterr().out)["moved"] == 13
    moved = []
    while batch := sqs.receive_message(
        QueueUrl=source_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", []):
        for message in batch:
            moved.append(message)
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])
    assert {m["Body"] for m in moved} == bodies
    assert all(m["MessageAttributes"]["type"]["StringValue"] == "order.paid" for m in moved)
    assert sqs.receive_message(QueueUrl=dead_url).get("Messages", []) == []
