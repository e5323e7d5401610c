"""The on-sale waiting room (issue 17): buyers join, poll their position, and get an admission token.

Entries and counters live in one DynamoDB table (WAITING_ROOM_TABLE), never in PostgreSQL: a poll of one's
position is a GetItem pair and, now and then, one conditional UpdateItem (the admission tick), so the
queue's traffic never reaches the database that the holds need during an on-sale. The rules (order, rate,
position, token) are in ticketing.domain.waiting_room; this module keeps them in DynamoDB.

Items (partition `pk` = "EVENT#<event id>"):
- sk "STATE": enabled, admit_per_minute, opens_at_ms, hold_minutes, status (copied from PostgreSQL by
  `configure` whenever the organizer changes the event), and the counters joined, admitted, credited_ms,
  pre_open, seed.
- sk "ENTRY#<entry id>": buyer, joined_ms, seq (the join number), admitted_ms (set once, on the first poll
  that finds it admitted). The index `by_seq` (pk, seq) finds the entry a rank points to (oldest wait).
The entry id is derived from the event and the account (uuid5), so "one entry per account" is one
conditional PutItem.
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from ticketing import db
from ticketing.auth import Caller
from ticketing.config import settings
from ticketing.domain import waiting_room as rules
from ticketing.errors import InvalidState, NotFound
from ticketing.ids import parse_id
from ticketing.metrics import emit
from ticketing.secret_values import SecretValue
from ticketing.times import utc_text

ENTRY_NAMESPACE = uuid.UUID("6f1d4a52-3b7e-4c55-9a57-7d0f8e0f1a17")
SEQ_INDEX = "by_seq"
_serialize = TypeSerializer().serialize
_deserialize = TypeDeserializer().deserialize

_KEY = SecretValue(
    "ADMISSION_SECRET", lambda: settings().admission_secret, lambda: settings().admission_secret_arn
)


def now_ms() -> int:
    return int(time.time() * 1000)


# ---------------------------------------------------------------- DynamoDB


def _dynamodb() -> Any:
    from ticketing.aws import client

    return client("dynamodb")


def _table() -> str:
    name = settings().waiting_room_table
    if not name:
        raise RuntimeError("WAITING_ROOM_TABLE is not set")
    return name


def _pk(event_id: str) -> str:
    return f"EVENT#{event_id}"


def _plain(item: dict | None) -> dict | None:
    if item is None:
        return None
    return {name: _number(_deserialize(value)) for name, value in item.items()}


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _values(**values: Any) -> dict:
    return {
        f":{name}": _serialize(Decimal(str(v)) if isinstance(v, float) else v) for name, v in values.items()
    }


def _conditional_failed(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in (
        "ConditionalCheckFailedException",
        "TransactionCanceledException",
    )


def _state_of(item: dict | None) -> rules.QueueState | None:
    if item is None or "admit_per_minute" not in item:
        return None
    return rules.QueueState(
        enabled=bool(item.get("enabled")),
        admit_per_minute=int(item["admit_per_minute"]),
        opens_at_ms=int(item["opens_at_ms"]),
        joined=int(item.get("joined", 0)),
        admitted=int(item.get("admitted", 0)),
        credited_ms=float(item["credited_ms"]) if item.get("credited_ms") is not None else None,
        pre_open=int(item["pre_open"]) if item.get("pre_open") is not None else None,
        seed=item.get("seed"),
    )


def _read(event_id: str, entry_id: str | None = None) -> tuple[dict | None, dict | None]:
    """The queue's state item and, if asked, one entry: one BatchGetItem, strongly consistent."""
    keys = [{"pk": {"S": _pk(event_id)}, "sk": {"S": "STATE"}}]
    if entry_id:
        keys.append({"pk": {"S": _pk(event_id)}, "sk": {"S": f"ENTRY#{entry_id}"}})
    table = _table()
    found = _dynamodb().batch_get_item(RequestItems={table: {"Keys": keys, "ConsistentRead": True}})
    state = entry = None
    for item in found.get("Responses", {}).get(table, []):
        plain = _plain(item)
        if plain["sk"] == "STATE":
            state = plain
        else:
            entry = plain
    return state, entry


def _read_state(event_id: str) -> dict | None:
    found = _dynamodb().get_item(
        TableName=_table(), Key={"pk": {"S": _pk(event_id)}, "sk": {"S": "STATE"}}, ConsistentRead=True
    )
    return _plain(found.get("Item"))


def _update_state(event_id: str, update: str, condition: str, **values: Any) -> dict | None:
    """One conditional UpdateItem of the event's STATE item: the item as it is after it, or None when the
    condition no longer held (a concurrent writer got there first)."""
    try:
        found = _dynamodb().update_item(
            TableName=_table(),
            Key={"pk": {"S": _pk(event_id)}, "sk": {"S": "STATE"}},
            UpdateExpression=update,
            ConditionExpression=condition,
            ExpressionAttributeValues=_values(**values),
            ReturnValues="ALL_NEW",
        )
    except ClientError as exc:
        if not _conditional_failed(exc):
            raise
        return None
    return _plain(found["Attributes"])


def _read_entry(event_id: str, entry_id: str) -> dict | None:
    found = _dynamodb().get_item(
        TableName=_table(),
        Key={"pk": {"S": _pk(event_id)}, "sk": {"S": f"ENTRY#{entry_id}"}},
        ConsistentRead=True,
    )
    return _plain(found.get("Item"))


# ---------------------------------------------------------------- the organizer's settings


def configure(event: dict) -> None:
    """Copy an event's queue settings (a row of `events`) to its STATE item; counters are kept. A new or
    re-timed opening (not yet drawn) moves the credit so the first admission is due at `opens_at`."""
    if event.get("queue_admit_per_minute") is None:
        return
    opens_at = event["queue_opens_at"] or datetime.now(UTC)
    opens_ms = int(opens_at.timestamp() * 1000)
    rate = int(event["queue_admit_per_minute"])
    key = {"pk": {"S": _pk(str(event["id"]))}, "sk": {"S": "STATE"}}
    _dynamodb().update_item(
        TableName=_table(),
        Key=key,
        UpdateExpression=(
            "SET enabled = :enabled, admit_per_minute = :rate, opens_at_ms = :opens, hold_minutes = :hold, "
            "event_status = :status, joined = if_not_exists(joined, :zero), "
            "admitted = if_not_exists(admitted, :zero)"
        ),
        ExpressionAttributeValues=_values(
            enabled=bool(event["queue_enabled"]),
            rate=rate,
            opens=opens_ms,
            hold=int(event["hold_minutes"]),
            status=event["status"],
            zero=0,
        ),
    )
    # Not drawn yet: the first admission is due at opens_at (whatever opens_at was before).
    credit = rules.first_credit_ms(opens_ms, rate)
    _update_state(
        str(event["id"]), "SET credited_ms = :credit", "attribute_not_exists(pre_open)", credit=credit
    )


# ---------------------------------------------------------------- the admission tick


def _draw(event_id: str) -> dict:
    """At opens_at, once: freeze who joined before it and the seed of their random order."""
    drawn = _update_state(
        event_id,
        "SET pre_open = joined, seed = :seed",
        "attribute_not_exists(pre_open) AND opens_at_ms <= :now",
        seed=secrets.token_hex(32),
        now=now_ms(),
    )
    return drawn or _read_state(event_id)


def tick(event_id: str, item: dict, at_ms: int | None = None) -> dict:
    """The admissions due now, written with one conditional UpdateItem (a concurrent tick that wrote first
    wins; its state is read back). Returns the state item as it is after the tick."""
    at = at_ms if at_ms is not None else now_ms()
    state = _state_of(item)
    if state is None or not state.enabled or at < state.opens_at_ms:
        return item
    if not state.drawn:
        item = _draw(event_id)
        state = _state_of(item)
    count, credited = rules.admissions_due(state, at)
    if count == 0:
        return item
    admitted = _update_state(
        event_id,
        "SET admitted = :new, credited_ms = :credit",
        "admitted = :old",
        new=state.admitted + count,
        credit=credited,
        old=state.admitted,
    )
    if admitted is None:
        return _read_state(event_id) or item
    emit("QueueAdmissions", count)
    return admitted


# ---------------------------------------------------------------- buyers


@dataclass(frozen=True)
class Joined:
    entry: dict
    created: bool


def entry_id_for(event_id: str, buyer_sub: str) -> str:
    return str(uuid.uuid5(ENTRY_NAMESPACE, f"{event_id}/{buyer_sub}"))


def _no_queue(event_id: str, caller: Caller) -> None:
    """Why a join is refused when the STATE item says no queue: the event is unknown (404) or has none (409).
    Only refused joins ask PostgreSQL."""
    from ticketing.db import catalog as catalog_sql

    row = db.fetch_one(catalog_sql.find_visible_event, {"event_id": uuid.UUID(event_id), "sub": caller.sub})
    if row is None:
        raise NotFound("No such event")
    raise InvalidState("This event has no waiting room enabled")


def join(caller: Caller, event_id: str) -> Joined:
    """POST /events/{id}/queue: the caller's entry, created once per account (201), or the same again (200)."""
    event_id = str(parse_id(event_id, "event"))
    entry_id = entry_id_for(event_id, caller.sub)
    state_item, entry = _read(event_id, entry_id)
    if entry is not None:
        entry = _settled_entry(event_id, entry)
        return Joined(_entry_document(event_id, tick(event_id, state_item), entry), False)
    state = _state_of(state_item)
    if state is None or not state.enabled or state_item.get("event_status") != "on_sale":
        _no_queue(event_id, caller)
    at = now_ms()
    if at >= state.opens_at_ms and not state.drawn:
        _draw(event_id)  # whoever joins from now on comes after the draw
    try:
        _dynamodb().put_item(
            TableName=_table(),
            Item={
                "pk": {"S": _pk(event_id)},
                "sk": {"S": f"ENTRY#{entry_id}"},
                "buyer": {"S": caller.sub},
                "joined_ms": {"N": str(at)},
            },
            ConditionExpression="attribute_not_exists(pk)",
        )
    except ClientError as exc:
        if not _conditional_failed(exc):
            raise
        entry = _settled_entry(event_id, _read_entry(event_id, entry_id))
        return Joined(_entry_document(event_id, tick(event_id, _read_state(event_id)), entry), False)
    entry = _number_entry(event_id, entry_id, at)
    return Joined(_entry_document(event_id, tick(event_id, _read_state(event_id)), entry), True)


def _number_entry(event_id: str, entry_id: str, joined_ms: int) -> dict:
    """Give a new entry its join number (ADD on the counter), then write it on the entry."""
    table, pk = _table(), {"S": _pk(event_id)}
    state_item = _update_state(event_id, "ADD joined :one", "enabled = :yes", one=1, yes=True)
    if state_item is None:
        _dynamodb().delete_item(TableName=table, Key={"pk": pk, "sk": {"S": f"ENTRY#{entry_id}"}})
        raise InvalidState("This event has no waiting room enabled")
    seq = int(state_item["joined"])
    entry = _plain(
        _dynamodb().update_item(
            TableName=table,
            Key={"pk": pk, "sk": {"S": f"ENTRY#{entry_id}"}},
            UpdateExpression="SET seq = :seq",
            ExpressionAttributeValues=_values(seq=seq),
            ReturnValues="ALL_NEW",
        )["Attributes"]
    )
    state = _state_of(state_item)
    if state.drawn and seq - 1 == state.admitted:
        _limit_idle_credit(event_id, state, joined_ms)
    return entry


def _limit_idle_credit(event_id: str, state: rules.QueueState, at_ms: int) -> None:
    """The first one into an empty queue: the idle time before it is not saved up as admissions."""
    credit = rules.joined_empty_queue_credit(state, at_ms)
    if credit is None:
        return
    _update_state(
        event_id,
        "SET credited_ms = :credit",
        "credited_ms < :credit AND admitted = :admitted",
        credit=credit,
        admitted=state.admitted,
    )


def _settled_entry(event_id: str, entry: dict | None, wait_seconds: float = 5.0) -> dict:
    """An entry with its join number: a parallel join of the same account may still be writing it."""
    deadline = time.monotonic() + wait_seconds
    while entry is not None and entry.get("seq") is None:
        if time.monotonic() > deadline or now_ms() - int(entry["joined_ms"]) > wait_seconds * 1000:
            # The join that created it died before numbering it: number it now.
            return _number_entry(event_id, entry["sk"].removeprefix("ENTRY#"), int(entry["joined_ms"]))
        time.sleep(0.02)
        entry = _read_entry(event_id, entry["sk"].removeprefix("ENTRY#"))
    if entry is None:
        raise NotFound("No such queue entry")
    return entry


def get_entry(caller: Caller, event_id: str, entry_id: str) -> dict:
    """GET /events/{id}/queue/{entry_id}: the caller's own entry; admits whoever is due first."""
    event_id = str(parse_id(event_id, "event"))
    entry_id = str(parse_id(entry_id, "queue entry"))
    state_item, entry = _read(event_id, entry_id)
    if entry is None or entry.get("buyer") != caller.sub or state_item is None:
        raise NotFound("No such queue entry")
    entry = _settled_entry(event_id, entry)
    return _entry_document(event_id, tick(event_id, state_item), entry)


def _entry_document(event_id: str, state_item: dict, entry: dict) -> dict:
    state = _state_of(state_item)
    at = now_ms()
    where = rules.standing(state, int(entry["seq"]), at)
    doc: dict[str, Any] = {
        "id": entry["sk"].removeprefix("ENTRY#"),
        "event_id": event_id,
        "status": "admitted" if where.admitted else "waiting",
        "position": where.position,
        "eta_seconds": where.eta_seconds,
        "joined_at": utc_text(datetime.fromtimestamp(int(entry["joined_ms"]) / 1000, UTC)),
    }
    if where.admitted:
        admitted_ms = entry.get("admitted_ms")
        if admitted_ms is None:
            admitted_ms = _mark_admitted(event_id, entry["sk"], at)
        expires_ms = int(admitted_ms) + int(state_item.get("hold_minutes", 15)) * 60_000
        doc["admission_token"] = rules.sign_admission(admission_key(), entry["buyer"], event_id, expires_ms)
        doc["admission_expires_at"] = utc_text(datetime.fromtimestamp(expires_ms / 1000, UTC))
    return doc


def _mark_admitted(event_id: str, sort_key: str, at_ms: int) -> int:
    found = _dynamodb().update_item(
        TableName=_table(),
        Key={"pk": {"S": _pk(event_id)}, "sk": {"S": sort_key}},
        UpdateExpression="SET admitted_ms = if_not_exists(admitted_ms, :now)",
        ExpressionAttributeValues=_values(now=at_ms),
        ReturnValues="ALL_NEW",
    )
    return int(_plain(found["Attributes"])["admitted_ms"])


# ---------------------------------------------------------------- the admission token


def admission_key() -> bytes:
    """The token's HMAC key: ADMISSION_SECRET (handler tests) or the Secrets Manager secret
    ADMISSION_SECRET_ARN points to (AWS; moto locally), fetched once per process."""
    return _KEY.value()


def forget_key() -> None:
    _KEY.forget()


def admitted(caller: Caller, event_id: str, token: str | None) -> bool:
    """Whether `token` admits this buyer to this event now (no I/O once the key is known). The hold decides
    whether the event needs one."""
    if not token:
        return False
    return rules.admission_valid(admission_key(), token, caller.sub, str(event_id), now_ms())


# ---------------------------------------------------------------- the organizer's figures


def figures(caller: Caller, event_id: str) -> dict:
    """GET /events/{id}/queue: the waiting room of an event the caller organizes."""
    from ticketing.db import catalog as catalog_sql

    event_uuid = parse_id(event_id, "event")
    row = db.fetch_one(catalog_sql.find_own_event, {"event_id": event_uuid, "sub": caller.sub})
    if row is None:
        raise NotFound("No such event")
    if row["queue_admit_per_minute"] is None:
        return _figures_document()  # no waiting room was ever set up
    event_id = str(event_uuid)
    item = _read_state(event_id)
    if item is None:
        configure(row)
        item = _read_state(event_id)
    item = tick(event_id, item)
    state = _state_of(item)
    return _figures_document(
        enabled=bool(row["queue_enabled"]),
        admit_per_minute=row["queue_admit_per_minute"],
        opens_at=utc_text(datetime.fromtimestamp(state.opens_at_ms / 1000, UTC)),
        waiting=state.waiting,
        admitted=state.admitted,
        oldest_wait_seconds=oldest_wait_seconds(event_id, state),
    )


def _figures_document(
    enabled: bool = False,
    admit_per_minute: int | None = None,
    opens_at: str | None = None,
    waiting: int = 0,
    admitted: int = 0,
    oldest_wait_seconds: int = 0,
) -> dict:
    """The waiting room's figures as GET /events/{id}/queue answers them (the defaults: no waiting room)."""
    return {
        "enabled": enabled,
        "admit_per_minute": admit_per_minute,
        "opens_at": opens_at,
        "waiting": waiting,
        "admitted": admitted,
        "oldest_wait_seconds": oldest_wait_seconds,
    }


def oldest_wait_seconds(event_id: str, state: rules.QueueState, at_ms: int | None = None) -> int:
    """How long the next one to be admitted has waited (the queue's age): 0 when nobody waits."""
    if state.waiting == 0:
        return 0
    seq = rules.seq_at_rank(state, state.admitted + 1) if state.drawn else 1
    found = _dynamodb().query(
        TableName=_table(),
        IndexName=SEQ_INDEX,
        KeyConditionExpression="pk = :pk AND seq = :seq",
        ExpressionAttributeValues=_values(pk=_pk(event_id), seq=seq),
        Limit=1,
    )
    items = found.get("Items") or []
    if not items:
        return 0
    joined_ms = int(_plain(items[0])["joined_ms"])
    return max(0, ((at_ms if at_ms is not None else now_ms()) - joined_ms) // 1000)


# ---------------------------------------------------------------- the scheduled tick


def tick_all(event_ids: Iterable[str]) -> dict[str, int]:
    """Every minute, for each enabled queue: admit whoever is due (nobody may be polling) and report the
    queue's age and how far admission lags behind its rate."""
    ticked = admitted_total = 0
    for event_id in event_ids:
        item = _read_state(event_id)
        if item is None:
            continue
        before = _state_of(item)
        item = tick(event_id, item)
        state = _state_of(item)
        ticked += 1
        admitted_total += state.admitted - before.admitted
        at = now_ms()
        emit("QueueOldestWaitSeconds", oldest_wait_seconds(event_id, state, at))
        lag = 0.0
        if state.waiting and state.credited_ms is not None and at >= state.opens_at_ms:
            lag = max(0.0, (at - state.credited_ms - state.interval_ms) / 1000)
        emit("QueueAdmissionLagSeconds", lag)
    return {"queues": ticked, "admitted": admitted_total}


def tick_enabled_queues(time_budget_seconds: float) -> dict[str, int]:
    """The scheduled run: the enabled queues come from PostgreSQL (one small query a minute), then
    `tick_all` within the time budget."""
    from ticketing.db import catalog as catalog_sql

    deadline = time.monotonic() + time_budget_seconds
    event_ids = [str(row["id"]) for row in db.fetch_all(catalog_sql.events_with_queue, {})]
    return tick_all(event_id for event_id in event_ids if time.monotonic() < deadline)
