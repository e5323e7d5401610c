"""The waiting room's rules without I/O: order of admission, rate, position, token (issue 17)."""

from __future__ import annotations

import itertools
import math
import secrets
from collections import Counter
from dataclasses import replace

import pytest

from ticketing.domain import waiting_room as rules

OPENS = 1_800_000_000_000  # ms


def opened(state: rules.QueueState) -> rules.QueueState:
    """The draw at opens_at: who joined so far is frozen, with a fresh seed."""
    return replace(state, pre_open=state.joined, seed=secrets.token_hex(32))


def new_queue(rate: int, joined: int = 0) -> rules.QueueState:
    return rules.QueueState(
        enabled=True,
        admit_per_minute=rate,
        opens_at_ms=OPENS,
        joined=joined,
        credited_ms=rules.first_credit_ms(OPENS, rate),
    )


def admission_order(state: rules.QueueState) -> list[int]:
    """Join numbers in the order they are admitted."""
    return [rules.seq_at_rank(state, rank) for rank in range(1, state.joined + 1)]


def test_after_opening_it_is_first_come_first_served():
    state = opened(new_queue(600, joined=0))  # nobody before opens_at
    state = replace(state, joined=500)
    assert admission_order(state) == list(range(1, 501))
    for seq in range(1, 501):
        assert rules.rank_of(state, seq) == seq


def test_who_joined_before_opening_goes_first_in_a_random_order_then_the_rest_in_join_order():
    state = replace(opened(new_queue(600, joined=100)), joined=150)
    order = admission_order(state)
    assert sorted(order[:100]) == list(range(1, 101))
    assert order[100:] == list(range(101, 151))
    assert order[:100] != list(range(1, 101))
    assert [rules.rank_of(state, seq) for seq in order] == list(range(1, 151))


def test_the_draw_before_opening_is_uniform_chi_square_over_all_orders():
    """5 entries joined before opens_at: over 24,000 draws each of the 120 orders comes up ~200 times."""
    draws = 24_000
    counts = Counter(tuple(admission_order(opened(new_queue(60, joined=5)))) for _ in range(draws))
    assert set(counts) == set(itertools.permutations(range(1, 6)))
    expected = draws / 120
    chi_square = sum((observed - expected) ** 2 / expected for observed in counts.values())
    # 119 degrees of freedom: the 99.9th percentile is about 172.
    assert chi_square < 172, chi_square


def test_each_early_entry_is_equally_likely_at_each_place_chi_square():
    size, draws = 20, 5_000
    at_first = Counter()
    at_place = Counter()
    for _ in range(draws):
        state = opened(new_queue(60, joined=size))
        order = admission_order(state)
        at_first[order[0]] += 1
        at_place[order.index(1) + 1] += 1
    expected = draws / size
    for counts in (at_first, at_place):
        chi_square = sum((counts[k] - expected) ** 2 / expected for k in range(1, size + 1))
        assert chi_square < 43.8, chi_square  # 19 degrees of freedom, 99.9th percentile


class Clock:
    """A controllable clock: the tests move time, ticks read it."""

    def __init__(self, at_ms: int) -> None:
        self.at = at_ms

    def advance(self, ms: float) -> None:
        self.at += ms


@pytest.mark.parametrize("rate", [60, 600, 7_777, 100_000])
@pytest.mark.parametrize("tick_every_ms", [37, 250, 1_000])
def test_admission_is_spread_evenly_at_the_rate_within_2_percent_per_10_seconds(rate, tick_every_ms):
    state = opened(new_queue(rate, joined=10 * rate))  # enough people waiting for ten minutes
    clock = Clock(OPENS)
    windows: Counter[int] = Counter()
    while clock.at < OPENS + 120_000:
        before = state.admitted
        state = rules.with_admissions(state, int(clock.at))
        windows[int((clock.at - OPENS) // 10_000)] += state.admitted - before
        clock.advance(tick_every_ms)
    target = rate / 6
    for window in range(12):
        # A window's edge can split one tick's admissions: allow a tick's worth besides the 2 %.
        slack = max(0.02 * target, rate * tick_every_ms / 60_000 + 1)
        assert abs(windows[window] - target) <= slack, (window, windows[window], target)
    total = state.admitted
    assert abs(total - rate * 2) <= rate * tick_every_ms / 60_000 + 1


def test_never_ahead_of_the_rate_and_unused_capacity_is_not_saved_up():
    rate = 60  # one a second
    state = opened(new_queue(rate))
    clock = Clock(OPENS)
    # Nobody waits for ten minutes: then five buyers join at once.
    clock.advance(600_000)
    state = replace(state, joined=5)
    credit = rules.joined_empty_queue_credit(replace(state, joined=0), int(clock.at))
    state = replace(state, credited_ms=credit)
    admitted_at: list[float] = []
    while state.admitted < 5:
        before = state.admitted
        state = rules.with_admissions(state, int(clock.at))
        admitted_at += [clock.at] * (state.admitted - before)
        clock.advance(50)
    assert admitted_at[0] == OPENS + 600_000  # the first at once
    gaps = [b - a for a, b in itertools.pairwise(admitted_at)]
    assert all(gap >= 1_000 - 50 for gap in gaps), gaps  # then one a second, not a burst of five


def test_a_drained_queue_does_not_keep_idle_slots():
    state = opened(new_queue(60, joined=2))
    state = rules.with_admissions(state, OPENS + 10_000)  # 11 slots due, 2 waiting
    assert state.admitted == 2 and state.credited_ms == OPENS + 10_000
    state = replace(state, joined=4)
    assert rules.admissions_due(state, OPENS + 10_500)[0] == 0
    assert rules.admissions_due(state, OPENS + 11_000)[0] == 1


def test_nothing_is_admitted_before_opens_at_or_when_disabled():
    state = new_queue(600, joined=10)
    assert rules.admissions_due(state, OPENS - 1)[0] == 0
    assert rules.admissions_due(replace(opened(state), enabled=False), OPENS + 60_000)[0] == 0


def test_the_rate_changes_live():
    state = opened(new_queue(60, joined=10_000))
    state = rules.with_admissions(state, OPENS + 60_000)
    assert state.admitted == 61
    state = replace(state, admit_per_minute=600)
    state = rules.with_admissions(state, OPENS + 120_000)
    assert state.admitted == 61 + 600


def test_position_is_one_plus_those_ahead_still_waiting_and_eta_follows_the_rate():
    state = replace(opened(new_queue(60)), joined=10, admitted=3)
    where = rules.standing(state, 7, OPENS + 1_000)
    assert where == rules.Standing(False, 4, 4)
    assert rules.standing(state, 3, OPENS).admitted
    early = new_queue(60, joined=9)
    before = rules.standing(early, 4, OPENS - 30_000)
    assert not before.admitted and before.position == 9 and before.eta_seconds == math.ceil(30 + 5)


KEY = b"k" * 32


def test_a_token_admits_its_buyer_to_its_event_until_it_expires():
    token = rules.sign_admission(KEY, "buyer-1", "event-1", OPENS + 900_000)
    assert rules.admission_valid(KEY, token, "buyer-1", "event-1", OPENS)
    assert not rules.admission_valid(KEY, token, "buyer-2", "event-1", OPENS)  # another buyer
    assert not rules.admission_valid(KEY, token, "buyer-1", "event-2", OPENS)  # another event
    assert not rules.admission_valid(KEY, token, "buyer-1", "event-1", OPENS + 900_000)  # expired
    assert not rules.admission_valid(b"x" * 32, token, "buyer-1", "event-1", OPENS)  # another key
    version, claims, mac = token.split(".")
    forged = rules._b64(rules._unb64(claims).replace(b"buyer-1", b"buyer-2"))
    assert not rules.admission_valid(KEY, f"{version}.{forged}.{mac}", "buyer-2", "event-1", OPENS)
    tampered_mac = mac[:-2] + ("AA" if mac[-2:] != "AA" else "BB")
    assert not rules.admission_valid(KEY, f"{version}.{claims}.{tampered_mac}", "buyer-1", "event-1", OPENS)
    for junk in ("", "q1", "q1..", "x.y.z", "q1.!!!.???", "q1." + "A" * 2000 + ".B"):
        assert not rules.admission_valid(KEY, junk, "buyer-1", "event-1", OPENS)
