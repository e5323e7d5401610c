"""`make bench`: hold, expiry, HTTP and on-sale rush benchmarks, each against a reference measured in the same run.

Run from the repository root with `python -m bench` (see docs/BENCHMARKS.md). Speed figures never fail the
run; correctness failures (oversell, a 5xx, more than two round trips per hold) do.
"""
