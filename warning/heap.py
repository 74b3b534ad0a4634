"""Garbage-collector settings for a process that serves feeds (`warning run`, the stream worker).

Such a process holds a large, long-lived heap (compiled rules, series windows) and makes a few
short-lived objects per reading. With CPython's defaults every full collection walks the whole
long-lived heap, several times per 100,000 readings (about a microsecond per reading at city scale,
measured with bench/rules.py). Freezing what exists once the rulebook is compiled takes it out of
those walks, and a larger young generation lets a batch's readings die before any collection sees
them.
"""

from __future__ import annotations

import gc

YOUNG_GENERATION = 20_000  # allocations between young collections (CPython default: 700)


def settle_long_lived_heap() -> None:
    """Call after the rulebook is compiled (at start and after each reload). Unfreezing first lets
    the previous rulebook, now garbage, be collected before the new one is frozen."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_GENERATION, 20, 20)
