"""Counters the suites fill and the test run prints at its end (see tests/plugin.py)."""

from collections import Counter

COUNTS: Counter = Counter()


def count(name: str, amount: int = 1) -> None:
    COUNTS[name] += amount
