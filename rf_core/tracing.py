"""Trace a unit back to the input pixels that reach it, through chains and graphs."""

from __future__ import annotations

from collections.abc import Sequence

from rf_core.analysis import LayerResult


def trace_interval(results: Sequence[LayerResult], layer_index: int, axis: int, unit: int) -> tuple[int, int] | None:
    """Return the span of input pixels that reach `unit` of layer `layer_index` (1-based), or None.

    Walks back in reverse layer order and keeps, per layer, the range of units
    that the traced unit depends on. A window maps output units first..last to
    input units window.first(first)..window.last(last), of which only 0 to
    n - 1 exist; merges pass the range to every input. Holes inside the span
    (from dilation, or strides above the kernel size) are not tracked.
    """
    needed: dict[int, tuple[int, int]] = {layer_index - 1: (unit, unit)}
    for index in range(layer_index - 1, -1, -1):
        if index not in needed:
            continue
        first, last = needed.pop(index)
        result = results[index]
        if result.layer.is_merge:
            for source in result.sources:
                _widen(needed, source, first, last)
            continue

        window = result.windows[axis]
        if window is None or window.window is None:
            return None
        low = _first_source(window.window, first, last)
        high = _last_source(window.window, first, last)
        source = result.sources[0]
        size = result.axes[axis].input_size
        if low is None or high is None or size is None:
            continue
        low, high = max(low, 0), min(high, size - 1)
        if low <= high:
            _widen(needed, source, low, high)
    return needed.get(-1)


def _widen(needed: dict[int, tuple[int, int]], index: int, first: int, last: int) -> None:
    if index in needed:
        old_first, old_last = needed[index]
        first, last = min(first, old_first), max(last, old_last)
    needed[index] = (first, last)


def _first_source(window, first: int, last: int) -> int | None:
    for unit in range(first, min(last, first + window.period - 1) + 1):
        value = window.first_at(unit)
        if value is not None:
            return value
    return None


def _last_source(window, first: int, last: int) -> int | None:
    for unit in range(last, max(first, last - window.period + 1) - 1, -1):
        value = window.last_at(unit)
        if value is not None:
            return value
    return None
