"""Trace a unit back to the input pixels that reach it, through chains and graphs."""

from __future__ import annotations

from collections.abc import Sequence

from rf_core.analysis import LayerResult

Region = tuple[tuple[int, int], ...]


def trace_region(results: Sequence[LayerResult], layer_index: int, unit: Sequence[int]) -> Region | None:
    """Return, per axis, the span of input pixels that reach `unit` of layer `layer_index` (1-based).

    Walks back in reverse layer order and keeps, per layer, the box of units
    that the traced unit depends on. A window maps output units first..last to
    input units window.first(first)..window.last(last) on each axis, of which
    only 0 to n - 1 exist. A box that is empty along any axis reaches nothing,
    so it is dropped on every axis. Merges pass the box to every input, and
    boxes that meet at a layer are joined into their bounding box, which keeps
    the span on each axis exact. Holes inside the span (from dilation, or
    strides above the kernel size) are not tracked. Returns None when no input
    pixel reaches the unit, or when a window is unknown.
    """
    needed: dict[int, Region] = {layer_index - 1: tuple((index, index) for index in unit)}
    for index in range(layer_index - 1, -1, -1):
        if index not in needed:
            continue
        box = needed.pop(index)
        result = results[index]
        if result.layer.is_merge:
            for source in result.sources:
                _widen(needed, source, box)
            continue

        source_box = []
        for axis, (first, last) in enumerate(box):
            window = result.windows[axis]
            size = result.axes[axis].input_size
            if window is None or window.window is None or size is None:
                return None
            low = window.window.first_in(first, last)
            high = window.window.last_in(first, last)
            if low is None or high is None:
                break
            low, high = max(low, 0), min(high, size - 1)
            if low > high:
                break
            source_box.append((low, high))
        else:
            _widen(needed, result.sources[0], tuple(source_box))
    return needed.get(-1)


def _widen(needed: dict[int, Region], index: int, box: Region) -> None:
    if index in needed:
        box = tuple((min(a[0], b[0]), max(a[1], b[1])) for a, b in zip(needed[index], box))
    needed[index] = box
