"""Receptive fields as periodic functions from unit index to input interval.

Along one axis, the field of unit i of a node is an inclusive interval
[lo(i), hi(i)] of input pixels. For ordinary layers lo(i) = -P + i S. Transposed
convolutions, upsampling and adaptive pooling make the fields unevenly spaced, but
they stay periodic: after `period` units the interval moves by `shift` pixels.
A `Periodic` stores one such function. A node's field is the union of one or more
of them, and more than one only when merged paths have different effective strides.

Both lo and hi are non-decreasing in i for every layer kind here, which is what
lets a window of input units be summarised by its first and last unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from math import gcd

from rf_core.errors import RFError
from rf_core.limits import MAX_PERIOD

__all__ = ["IDENTITY", "MAX_PERIOD", "Periodic", "compose", "shifted", "uniform", "union"]


@dataclass(frozen=True)
class Periodic:
    """A periodic map from unit index to a range: unit q * period + phase maps to
    (first[phase] + q * shift, last[phase] + q * shift). None marks an empty phase.

    Windows use it to map an output unit to the input units it reads, and
    components to map a unit to the input pixels it sees.
    """

    period: int
    shift: int
    first: tuple[int | None, ...]
    last: tuple[int | None, ...]

    def first_at(self, unit: int) -> int | None:
        """Return the first value for `unit`, or None when that unit's range is empty."""
        cycle, phase = divmod(unit, self.period)
        value = self.first[phase]
        return None if value is None else value + cycle * self.shift

    def last_at(self, unit: int) -> int | None:
        """Return the last value for `unit`, or None when that unit's range is empty."""
        cycle, phase = divmod(unit, self.period)
        value = self.last[phase]
        return None if value is None else value + cycle * self.shift

    @property
    def slope(self) -> Fraction:
        """Average distance between the ranges of neighbouring units: shift / period."""
        return Fraction(self.shift, self.period)

    def first_in(self, low: int, high: int) -> int | None:
        """Return the first value of the first unit in [low, high] whose range is not empty.

        Takes constant time: a scan unit by unit would cost up to one period per
        call, which made long networks after a transposed convolution slow.
        """
        offset = self._ahead[low % self.period]
        if offset is None or low + offset > high:
            return None
        return self.first_at(low + offset)

    def last_in(self, low: int, high: int) -> int | None:
        """Return the last value of the last unit in [low, high] whose range is not empty."""
        offset = self._behind[high % self.period]
        if offset is None or high - offset < low:
            return None
        return self.last_at(high - offset)

    @cached_property
    def _ahead(self) -> tuple[int | None, ...]:
        """Per phase, the distance to the nearest phase at or after it with a first value."""
        return _distances(self.first)

    @cached_property
    def _behind(self) -> tuple[int | None, ...]:
        """Per phase, the distance to the nearest phase at or before it with a last value."""
        return tuple(reversed(_distances(tuple(reversed(self.last)))))


def _distances(values: tuple[int | None, ...]) -> tuple[int | None, ...]:
    """Return, per index, how far ahead (cyclically) the nearest value that is not None lies."""
    period = len(values)
    known = [index for index, value in enumerate(values) if value is not None]
    if not known:
        return (None,) * period
    distances: list[int | None] = [None] * period
    # Walk backwards twice round the cycle, so every index sees the next known one.
    nearest = known[0] + period
    for index in range(2 * period - 1, -1, -1):
        if values[index % period] is not None:
            nearest = index
        if index < period:
            distances[index] = nearest - index
    return tuple(distances)


#: The field of the input itself: pixel i sees pixel i.
IDENTITY = Periodic(1, 1, (0,), (0,))


def uniform(stride: int, first: int, last: int) -> Periodic:
    """Return an evenly spaced map: unit i maps to [first + i s, last + i s]."""
    return Periodic(1, stride, (first,), (last,))


def compose(field: Periodic, window: Periodic) -> Periodic:
    """Return the field of a layer's output from its input's field and its window.

    The window maps an output unit to the input units it reads; the result maps it
    to the union of those units' fields, which is [lo(first unit), hi(last unit)]
    because lo and hi never decrease.

    Raises:
        RFError: the combined period exceeds MAX_PERIOD.
    """
    if window == IDENTITY:
        return field
    # After `cycles` window periods the first input unit moves by cycles * window.shift,
    # which must be a whole number of field periods for the result to repeat.
    cycles = field.period // gcd(window.shift, field.period)
    period = window.period * cycles
    if period > MAX_PERIOD:
        raise RFError(
            f"unit fields repeat only every {period} units, above the limit of {MAX_PERIOD}; "
            "use strides, scale factors or adaptive output sizes with common factors"
        )
    shift = cycles * window.shift // field.period * field.shift

    first: list[int | None] = []
    last: list[int | None] = []
    for phase in range(period):
        low, high = window.first_at(phase), window.last_at(phase)
        if low is None or high is None:
            first.append(None)
            last.append(None)
            continue
        first.append(field.first_in(low, high))
        last.append(field.last_in(low, high))
    return Periodic(period, shift, tuple(first), tuple(last))


def union(fields: list[Periodic]) -> Periodic:
    """Return the union of fields with the same slope as one periodic field.

    Raises:
        RFError: the slopes differ (use a list of components instead) or the
            combined period exceeds MAX_PERIOD.
    """
    slope = fields[0].slope
    if any(field.slope != slope for field in fields):
        raise RFError("cannot merge fields with different effective strides into one periodic field")
    period = 1
    for field in fields:
        period = period * field.period // gcd(period, field.period)
    if period > MAX_PERIOD:
        raise RFError(
            f"unit fields repeat only every {period} units, above the limit of {MAX_PERIOD}; "
            "use strides, scale factors or adaptive output sizes with common factors"
        )
    shift = int(slope * period)
    first = []
    last = []
    for phase in range(period):
        firsts = [value for value in (field.first_at(phase) for field in fields) if value is not None]
        lasts = [value for value in (field.last_at(phase) for field in fields) if value is not None]
        first.append(min(firsts) if firsts else None)
        last.append(max(lasts) if lasts else None)
    return Periodic(period, shift, tuple(first), tuple(last))


def shifted(field: Periodic, offset: int) -> Periodic:
    """Return the field moved by `offset` input pixels."""
    return Periodic(
        field.period,
        field.shift,
        tuple(None if value is None else value + offset for value in field.first),
        tuple(None if value is None else value + offset for value in field.last),
    )
