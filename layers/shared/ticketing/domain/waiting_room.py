"""The on-sale waiting room as numbers, without I/O: who goes in which order, how many are admitted by when,
a buyer's position, and the admission token.

An event's queue is a few counters (kept in DynamoDB by services/waiting_room.py):
- `joined` J: entries numbered so far; each entry has its join number `seq` (1..J).
- `pre_open` P and `seed`: frozen once, at `opens_at`: the entries numbered 1..P joined before `opens_at`
  and are admitted in a uniformly random order drawn from `seed`; later entries follow in join order. An
  entry's `rank` (its place in the admission order) is therefore a permutation of 1..J.
- `admitted` A: every rank up to A is admitted (the serving counter). Position = rank - A.
- `credited_ms` L: the time the A-th admission was credited. Admission number A+1 is due at
  L + 60000 / admit_per_minute: admissions are spread evenly, and never run ahead of the rate.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import random
import threading
from dataclasses import dataclass, replace

MINUTE_MS = 60_000
TOKEN_VERSION = "q1"  # noqa: S105 - the format version of the token, not a secret


@dataclass(frozen=True)
class QueueState:
    enabled: bool
    admit_per_minute: int
    opens_at_ms: int
    joined: int = 0
    admitted: int = 0
    credited_ms: float | None = None
    pre_open: int | None = None
    seed: str | None = None

    @property
    def interval_ms(self) -> float:
        return MINUTE_MS / self.admit_per_minute

    @property
    def drawn(self) -> bool:
        """Whether the pre-opening entries' order has been drawn (the queue has opened)."""
        return self.pre_open is not None

    @property
    def waiting(self) -> int:
        return max(0, self.joined - self.admitted)


def first_credit_ms(opens_at_ms: int, admit_per_minute: int) -> float:
    """The credit a new (or re-timed) queue starts from: its first admission is due at `opens_at`."""
    return opens_at_ms - MINUTE_MS / admit_per_minute


def admissions_due(state: QueueState, now_ms: int) -> tuple[int, float]:
    """How many more ranks to admit at `now_ms`, and the credit time after them: (count, credited_ms).

    Spread evenly: admission A+k is due at L + k·interval (the credit is kept in fractions of a millisecond,
    so 100,000 a minute does not drift). Capacity unused while nobody waits is not saved up: when everyone
    waiting is admitted before the slots due run out, the credit moves to `now_ms`."""
    credited = state.credited_ms
    if credited is None:
        credited = first_credit_ms(state.opens_at_ms, state.admit_per_minute)
    if not state.enabled or now_ms < state.opens_at_ms or state.waiting == 0 or now_ms < credited:
        return 0, credited
    interval = state.interval_ms
    due = math.floor((now_ms - credited) / interval)
    count = min(due, state.waiting)
    if count <= 0:
        return 0, credited
    if count < due:
        return count, float(now_ms)  # drained: the last one went in now, the idle slots are not kept
    return count, credited + count * interval


def joined_empty_queue_credit(state: QueueState, now_ms: int) -> float | None:
    """When an entry joins a queue nobody waits in, the credit an idle queue may carry: at most one
    interval's worth, so its admission is due now, not as many as the idle time would allow. None: as is."""
    if state.credited_ms is None:
        return None
    floor = now_ms - state.interval_ms
    return floor if state.credited_ms < floor else None


# ---------------------------------------------------------------- the order of admission

_orders: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
_orders_lock = threading.Lock()


def draw_order(seed: str, size: int) -> tuple[list[int], list[int]]:
    """The random order of the `size` pre-opening entries drawn from `seed`: (rank_of_seq, seq_of_rank),
    0-based. A Fisher-Yates shuffle (uniform over all size! orders) seeded with 256 random bits, computed
    once per process and kept (a 100,000-entry draw takes about 0.1 s)."""
    key = (seed, size)
    found = _orders.get(key)
    if found is None:
        seq_of_rank = list(range(size))
        random.Random(seed).shuffle(seq_of_rank)  # noqa: S311 - the seed comes from secrets.token_hex
        rank_of_seq = [0] * size
        for rank, seq in enumerate(seq_of_rank):
            rank_of_seq[seq] = rank
        found = (rank_of_seq, seq_of_rank)
        with _orders_lock:
            if len(_orders) > 64:
                _orders.clear()
            _orders[key] = found
    return found


def rank_of(state: QueueState, seq: int) -> int | None:
    """The entry's place in the admission order (1-based), or None while its pre-opening draw is ahead."""
    if not state.drawn:
        return None
    if seq > state.pre_open:
        return seq
    return draw_order(state.seed, state.pre_open)[0][seq - 1] + 1


def seq_at_rank(state: QueueState, rank: int) -> int:
    """The join number of the entry admitted at `rank` (the inverse of rank_of, once drawn)."""
    if not state.drawn or rank > state.pre_open:
        return rank
    return draw_order(state.seed, state.pre_open)[1][rank - 1] + 1


@dataclass(frozen=True)
class Standing:
    admitted: bool
    position: int
    eta_seconds: int


def standing(state: QueueState, seq: int, now_ms: int) -> Standing:
    """Where an entry stands: admitted, or its position (1 + entries ahead still waiting) and the estimated
    wait. Before the draw, the position is the number of entries in the draw so far (nobody's order is
    known yet) and the wait counts from `opens_at` to the middle of the draw."""
    interval_s = state.interval_ms / 1000
    rank = rank_of(state, seq)
    if rank is None:
        until_open = max(0.0, (state.opens_at_ms - now_ms) / 1000)
        return Standing(
            False, max(1, state.joined), math.ceil(until_open + (state.joined + 1) / 2 * interval_s)
        )
    if rank <= state.admitted:
        return Standing(True, 0, 0)
    position = rank - state.admitted
    until_open = max(0.0, (state.opens_at_ms - now_ms) / 1000)
    return Standing(False, position, math.ceil(until_open + position * interval_s))


def with_admissions(state: QueueState, now_ms: int) -> QueueState:
    """The state after the admissions due at `now_ms` (what a tick writes)."""
    count, credited = admissions_due(state, now_ms)
    if count == 0:
        return state
    return replace(state, admitted=state.admitted + count, credited_ms=credited)


# ---------------------------------------------------------------- the admission token


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_admission(key: bytes, buyer_sub: str, event_id: str, expires_ms: int) -> str:
    """`q1.<claims>.<HMAC-SHA256>`: the buyer and the event it admits, and when it expires."""
    claims = _b64(
        json.dumps({"sub": buyer_sub, "event": event_id, "exp": expires_ms}, separators=(",", ":")).encode()
    )
    mac = hmac.new(key, f"{TOKEN_VERSION}.{claims}".encode(), hashlib.sha256).digest()
    return f"{TOKEN_VERSION}.{claims}.{_b64(mac)}"


def admission_valid(key: bytes, token: str | None, buyer_sub: str, event_id: str, now_ms: int) -> bool:
    """True only for an untampered token of this buyer, for this event, not yet expired."""
    if not token or len(token) > 1000:
        return False
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != TOKEN_VERSION:
        return False
    try:
        expected = hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return False
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, TypeError):
        return False
    return (
        isinstance(claims, dict)
        and claims.get("sub") == buyer_sub
        and claims.get("event") == event_id
        and isinstance(claims.get("exp"), int)
        and claims["exp"] > now_ms
    )
