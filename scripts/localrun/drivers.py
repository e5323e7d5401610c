"""What AWS does on its own locally: schedules invoke functions, SQS event sources poll queues.

Each driver runs in a daemon thread of its own and stops within about a second.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

from localrun.events import schedule_event, sqs_batch_event
from localrun.functions import Function
from localrun.template import ACCOUNT_ID, REGION, Resolver, TemplateError, scalar_text

log = logging.getLogger("localrun.drivers")

SCHEDULE_TYPES = ("ScheduleV2", "Schedule")
DEFAULT_SCHEDULE_RETRIES = 185  # EventBridge's default MaximumRetryAttempts
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(second|minute|hour|day)s?\s*\)$", re.IGNORECASE)
_UNIT_SECONDS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs of `rate(N unit)`; None for cron() and at() expressions."""
    found = _RATE.match(expression.strip())
    if not found:
        return None
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2).lower()]


@dataclass
class ScheduleOutcome:
    succeeded: bool
    attempts: int
    error: str | None = None
    result: Any = None
    sent_to_dead_letter_queue: bool = False


@dataclass(frozen=True)
class DriverWiring:
    """What an event source needs of the local stack: the template's resolver, SQS, the local queues."""

    resolver: Resolver
    sqs: Any
    queue_urls_by_arn: dict[str, str]

    def queue_url(self, function: Function, what: str, arn: str) -> str:
        """The local URL of a queue the template names by ARN (a source or a dead-letter queue)."""
        if arn not in self.queue_urls_by_arn:
            raise TemplateError(f"{function.logical_id}: {what} {arn} is not a local queue")
        return self.queue_urls_by_arn[arn]


@dataclass(frozen=True)
class EventSource:
    """One event of a function in the template (a schedule, a queue): its name and properties."""

    function: Function
    name: str
    properties: dict


class DriverThread:
    """What both drivers share: one daemon thread running the driver's `_loop` from start() to stop()."""

    thread_prefix = "driver"
    enabled: bool

    def __init__(self, source: EventSource, wiring: DriverWiring) -> None:
        self.function = source.function
        self.sqs = wiring.sqs
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _loop(self) -> None:
        raise NotImplementedError

    def _stop_seconds(self) -> float:
        return 5.0

    def start(self) -> None:
        if not self.enabled:
            return
        self._thread = threading.Thread(
            target=self._loop, name=f"{self.thread_prefix}-{self.function.logical_id}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(self._stop_seconds())
            self._thread = None


class ScheduleDriver(DriverThread):
    """Invokes a function on its schedule; retries failures per RetryPolicy, then sends the event to the DLQ."""

    thread_prefix = "schedule"

    def __init__(self, source: EventSource, wiring: DriverWiring, retry_delay_seconds: float = 1.0) -> None:
        super().__init__(source, wiring)
        function, properties, resolver = source.function, source.properties, wiring.resolver
        self.event_name = source.name
        self.retry_delay_seconds = retry_delay_seconds
        expression = scalar_text(resolver.resolve(properties.get("ScheduleExpression", "")))
        self.interval_seconds = self._interval(expression)
        retry = resolver.resolve(properties.get("RetryPolicy") or {})
        self.max_retries = int(retry.get("MaximumRetryAttempts", DEFAULT_SCHEDULE_RETRIES))
        self.input = resolver.resolve(properties.get("Input")) if "Input" in properties else None
        self.dead_letter_queue_url = None
        dead_letter = properties.get("DeadLetterConfig") or {}
        if dead_letter.get("Arn"):
            self.dead_letter_queue_url = wiring.queue_url(
                function, "dead-letter queue", resolver.resolve(dead_letter["Arn"])
            )
        state = str(properties.get("State", "ENABLED")).upper()
        self.enabled = state != "DISABLED" and properties.get("Enabled", True) is not False
        self.schedule_arn = (
            f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/{function.logical_id}-{source.name}"
        )
        self._run_lock = threading.Lock()

    def _interval(self, expression: str) -> float:
        local = (self.function.metadata.get("LocalRuntime") or {}).get("IntervalSecondsEnv")
        if local and os.environ.get(local):
            return float(os.environ[local])
        seconds = rate_seconds(expression)
        if seconds is None:
            log.warning(
                "schedule is not a rate(); running it every 60 s locally",
                extra={"function": self.function.logical_id, "expression": expression},
            )
            return 60.0
        return float(seconds)

    @property
    def timed(self) -> bool:
        """Whether the schedule runs on its own (else only when asked, by run_now)."""
        return self._thread is not None

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                self.run_now()
            except Exception:
                log.exception("schedule driver failed", extra={"function": self.function.logical_id})

    def run_now(self) -> ScheduleOutcome:
        """One scheduled invocation with its retries (also what tests call)."""
        with self._run_lock:
            event = schedule_event(self.schedule_arn, self.input)
            error = ""
            attempts = 0
            for attempt in range(self.max_retries + 1):
                attempts = attempt + 1
                try:
                    result = self.function.invoke(event)
                    return ScheduleOutcome(True, attempts, result=result)
                except Exception as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    log.exception(
                        "scheduled invocation failed",
                        extra={"function": self.function.logical_id, "attempt": attempts},
                    )
                if attempt < self.max_retries and self._stop.wait(self.retry_delay_seconds):
                    break
            sent = self._send_to_dead_letter_queue(event, error, attempts)
            return ScheduleOutcome(False, attempts, error=error, sent_to_dead_letter_queue=sent)

    def _send_to_dead_letter_queue(self, event: Any, error: str, attempts: int) -> bool:
        if self.dead_letter_queue_url is None:
            return False
        text = {"DataType": "String"}
        self.sqs.send_message(
            QueueUrl=self.dead_letter_queue_url,
            MessageBody=json.dumps(event),
            MessageAttributes={
                "ERROR_CODE": {**text, "StringValue": "FunctionError"},
                "ERROR_MESSAGE": {**text, "StringValue": error[:1000] or "failed"},
                "RETRY_ATTEMPTS": {"DataType": "Number", "StringValue": str(attempts - 1)},
                "TARGET_ARN": {**text, "StringValue": self.function.context().invoked_function_arn},
                "SCHEDULE_ARN": {**text, "StringValue": self.schedule_arn},
            },
        )
        log.warning(
            "scheduled event sent to the dead-letter queue", extra={"function": self.function.logical_id}
        )
        return True


class QueueDriver(DriverThread):
    """An SQS event source mapping: long-polls the queue and invokes the function with batches."""

    thread_prefix = "sqs"

    def __init__(self, source: EventSource, wiring: DriverWiring, wait_seconds: int = 1) -> None:
        super().__init__(source, wiring)
        function, properties = source.function, source.properties
        self.wait_seconds = wait_seconds
        self.queue_arn = wiring.resolver.resolve(properties["Queue"])
        self.queue_url = wiring.queue_url(function, "queue", self.queue_arn)
        self.batch_size = int(properties.get("BatchSize", 10))
        self.reports_failures = "ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or [])
        self.enabled = properties.get("Enabled", True) is not False

    def _stop_seconds(self) -> float:
        return self.wait_seconds + 5  # a long poll in flight ends first

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:
                if self._stop.is_set():
                    return
                log.exception("queue driver failed", extra={"function": self.function.logical_id})
                self._stop.wait(1)

    def poll_once(self) -> int:
        """Receive up to one batch, invoke, delete what succeeded; returns the number of messages received."""
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=min(self.batch_size, 10),
            WaitTimeSeconds=self.wait_seconds,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = sqs_batch_event(messages, self.queue_arn)
        try:
            result = self.function.invoke(event)
        except Exception:
            # The whole batch failed: nothing is deleted, the messages come back after the visibility timeout.
            log.exception(
                "queue batch failed", extra={"function": self.function.logical_id, "size": len(messages)}
            )
            return len(messages)
        failed = self._failed_ids(result, {m["MessageId"] for m in messages})
        done = [m for m in messages if m["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(done[start : start + 10])
                ],
            )
        if failed:
            log.info(
                "queue batch partly failed",
                extra={"function": self.function.logical_id, "failed": sorted(failed), "deleted": len(done)},
            )
        return len(messages)

    def _failed_ids(self, result: Any, received: set[str]) -> set[str]:
        if not self.reports_failures or not isinstance(result, dict):
            return set()
        failures = result.get("batchItemFailures") or []
        ids = {str((item or {}).get("itemIdentifier") or "") for item in failures if isinstance(item, dict)}
        if len(ids) != len(failures) or "" in ids or not ids <= received:
            # Lambda treats a malformed failure report as a failure of the whole batch.
            log.warning(
                "malformed batchItemFailures: whole batch retried", extra={"result": str(result)[:500]}
            )
            return received
        return ids
