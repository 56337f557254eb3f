"""Convolution arithmetic frames: one layer's window placed on its input, one frame per output unit.

Every frame is drawn into the SVG as its own `<g class="rf-dg-frame">`. The frame
of the requested unit is shown and the others carry `display="none"`; the
browser module rf-diagrams.js steps through them. Without JavaScript the reader
sees that one frame and a note.
"""

from __future__ import annotations

from dataclasses import dataclass

from rf_core.analysis import Analysis, LayerResult
from rf_core.diagram_frames_text import ceil_note, layer_summary
from rf_core.diagram_geometry import reads
from rf_core.diagram_svg import escape, figure, legend
from rf_core.errors import RFError
from rf_core.layers import WINDOW_KINDS

CELL = 28
MARGIN = 12
#: Largest number of positions drawn along one axis (1-D) and per axis (2-D).
MAX_POSITIONS_1D = 48
MAX_POSITIONS_2D = 16


@dataclass(frozen=True)
class AxisFrames:
    """One layer's windows along one axis.

    Attributes:
        size: Input size n; positions outside [0, n - 1] are padding.
        output_size: Number of output units, one frame each.
        first: Leftmost position drawn (the first padding position, if any).
        last: Rightmost position drawn.
        pad_after: Last padding position is n - 1 + pad_after; positions beyond
            it are outside the padded input (only a ceil-mode window reaches there).
        taps: Per output unit, the positions it reads.
        spans: Per output unit, the first and last position of its window.
        unread: Input pixels that no output unit reads.
        dropped: First and last position of the window that ceil mode drops
            because it would start in the padding after the input, or None.
    """

    size: int
    output_size: int
    first: int
    last: int
    pad_after: int
    taps: tuple[tuple[int, ...], ...]
    spans: tuple[tuple[int, int] | None, ...]
    unread: tuple[int, ...]
    dropped: tuple[int, int] | None = None

    def kind_of(self, position: int) -> str:
        """Return the CSS class of a position: input pixel, padding or beyond the padding."""
        if 0 <= position < self.size:
            return "rf-dg-cell"
        if position > self.size - 1 + self.pad_after:
            return "rf-dg-overhang"
        return "rf-dg-pad"

    def skipped(self, unit: int) -> list[int]:
        """Return the positions inside unit `unit`'s window that no tap reads (dilation)."""
        span = self.spans[unit]
        if span is None:
            return []
        taps = set(self.taps[unit])
        return [position for position in range(span[0], span[1] + 1) if position not in taps]


def axis_frames(result: LayerResult, axis: int) -> AxisFrames:
    """Collect the windows of every output unit of a layer along `axis`."""
    size = result.axes[axis].input_size
    output_size = result.axes[axis].output_size
    if size is None or output_size is None:
        raise RFError("frames need an input size; add an 'input' line such as 'input 8'")
    window = result.windows[axis]
    pad_before = pad_after = 0
    if window is not None and result.layer.kind in WINDOW_KINDS:
        pad_before, pad_after = window.pad_before or 0, window.pad_after or 0

    taps = tuple(tuple(reads(result, axis, unit)) for unit in range(output_size))
    spans = tuple((min(unit_taps), max(unit_taps)) if unit_taps else None for unit_taps in taps)
    read = {position for unit_taps in taps for position in unit_taps}
    ends = [span[1] for span in spans if span is not None]
    dropped = _dropped_window(result, axis, size, pad_before, pad_after)
    if dropped is not None:
        ends.append(dropped[1])
    return AxisFrames(
        size=size,
        output_size=output_size,
        first=min([-pad_before] + [span[0] for span in spans if span is not None]),
        last=max([size - 1 + pad_after] + ends),
        pad_after=pad_after,
        taps=taps,
        spans=spans,
        unread=tuple(position for position in range(size) if position not in read),
        dropped=dropped,
    )


def _dropped_window(result: LayerResult, axis: int, size: int, pad_before: int, pad_after: int) -> tuple[int, int] | None:
    """Return the span of the last window that ceil mode rounds up to but then drops, or None."""
    if not result.layer.ceil_mode:
        return None
    params = result.layer.axis(axis)
    rounded = -(-(size + pad_before + pad_after - params.effective_kernel) // params.stride) + 1
    if rounded == result.axes[axis].output_size:
        return None
    start = (rounded - 1) * params.stride - pad_before
    return start, start + params.effective_kernel - 1


def render_frames(analysis: Analysis, layer_index: int, unit: tuple[int, ...], axis: int | None, diagram_id: str) -> str:
    """Render the frames of layer `layer_index` (1-based), starting at unit `unit`.

    `axis` picks one axis of a 2-D network; None draws every axis (1-D or 2-D).

    Raises:
        RFError: the layer merges inputs, the input is too large to draw, or the
            network has three axes and no axis was picked.
    """
    result = analysis.layers[layer_index - 1]
    if result.layer.is_merge:
        raise RFError(f"layer {layer_index} ({result.layer.label}) merges inputs and has no window to draw; pick a conv or pooling layer with layer=")
    axes = [axis] if axis is not None else list(range(analysis.num_axes))
    if len(axes) > 2:
        raise RFError("frames draw one or two axes; pick one with axis=, such as axis=width")
    geometry = [axis_frames(result, a) for a in axes]
    limit = MAX_POSITIONS_1D if len(axes) == 1 else MAX_POSITIONS_2D
    for a, frames in zip(axes, geometry):
        drawn = max(frames.last - frames.first + 1, frames.output_size)
        if drawn > limit:
            raise RFError(f"frames draw at most {limit} positions per axis, but axis {a + 1} needs {drawn}; use a smaller input")
    start = tuple(unit[a] for a in axes)
    for a, index, frames in zip(axes, start, geometry):
        if index >= frames.output_size:
            raise RFError(f"unit {index} on axis {a + 1} is out of range; layer {layer_index} has {frames.output_size} units, use 0 to {frames.output_size - 1}")

    if len(geometry) == 1:
        from rf_core.diagram_frames_1d import draw_1d

        width, height, body, captions = draw_1d(geometry[0], start[0])
    else:
        from rf_core.diagram_frames_2d import draw_2d

        width, height, body, captions = draw_2d(geometry[0], geometry[1], start)

    summary = layer_summary(result, axes, geometry)
    notes = [ceil_note(result, a, frames) for a, frames in zip(axes, geometry)]
    description = " ".join([summary, *(note for note in notes if note), "Frames: " + " ".join(captions)])
    current = _frame_number(start, geometry)
    title = f"Windows of layer {layer_index}, {result.layer.label}, one frame per output unit"
    extra = _controls(diagram_id, len(captions), current, captions[current], [note for note in notes if note])
    extra.extend(legend(_legend_keys(geometry)))
    return figure(
        kind="frames",
        diagram_id=diagram_id,
        title=title,
        description=description,
        width=width,
        height=height,
        body=body,
        caption=summary,
        extra=extra,
    )


def _legend_keys(geometry: list[AxisFrames]) -> list[str]:
    keys = ["cell"]
    positions = [(frames, position) for frames in geometry for position in range(frames.first, frames.last + 1)]
    if any(frames.kind_of(position) == "rf-dg-pad" for frames, position in positions):
        keys.append("pad")
    if any(frames.kind_of(position) == "rf-dg-overhang" for frames, position in positions):
        keys.append("overhang")
    keys.append("read")
    if any(frames.skipped(unit) for frames in geometry for unit in range(frames.output_size)):
        keys.append("skipped")
    if any(frames.unread for frames in geometry):
        keys.append("unread")
    if any(frames.dropped for frames in geometry):
        keys.append("dropped")
    keys.append("out")
    return keys


def _frame_number(start: tuple[int, ...], geometry: list[AxisFrames]) -> int:
    number = 0
    for index, frames in zip(start, geometry):
        number = number * frames.output_size + index
    return number


def _controls(diagram_id: str, count: int, current: int, caption: str, notes: list[str]) -> list[str]:
    """Return the step control (hidden until the script shows it), the live caption and the notes."""
    step_id = f"{diagram_id}-step"
    lines = [
        '<div class="rf-diagram__controls" hidden="hidden">',
        f'<button type="button" class="rf-diagram__prev md-button" aria-controls="{escape(diagram_id)}">Previous</button>',
        f'<button type="button" class="rf-diagram__next md-button" aria-controls="{escape(diagram_id)}">Next</button>',
        '<span class="rf-diagram__slider">',
        f'<label class="rf-diagram__step-label" for="{escape(step_id)}">Frame</label>',
        f'<input type="range" id="{escape(step_id)}" class="rf-diagram__step" min="0" max="{count - 1}" step="1" value="{current}"/>',
        f'<output class="rf-diagram__value" for="{escape(step_id)}">{current + 1} of {count}</output>',
        "</span>",
        "</div>",
        f'<p class="rf-diagram__status" aria-live="polite">{escape(caption)}</p>',
        f'<p class="rf-diagram__note rf-diagram__no-script">Frame {current + 1} of {count} is shown. '
        "With JavaScript on, the slider steps through every output unit.</p>",
    ]
    lines.extend(f'<p class="rf-diagram__note">{escape(note)}</p>' for note in notes)
    return lines
