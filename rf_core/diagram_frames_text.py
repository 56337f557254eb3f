"""Sentences for the frames diagram: the layer's arithmetic, the ceil-mode rule and per-frame captions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rf_core.analysis import LayerResult, axis_name
from rf_core.diagram_svg import join_numbers
from rf_core.layers import WINDOW_KINDS

if TYPE_CHECKING:
    from rf_core.diagram_frames import AxisFrames


def layer_summary(result: LayerResult, axes: list[int], geometry: list[AxisFrames]) -> str:
    """Describe the layer's geometry along the drawn axes, with the output size arithmetic."""
    parts = []
    num_axes = len(result.axes)
    for axis, frames in zip(axes, geometry):
        text = _axis_summary(result, axis, frames)
        if num_axes > 1:
            text = f"Along the {axis_name(axis, num_axes)}: {text}"
        parts.append(text)
    return f"Layer {result.index}, {result.layer.label}. " + " ".join(parts)


def _axis_summary(result: LayerResult, axis: int, frames: AxisFrames) -> str:
    layer = result.layer
    params = layer.axis(axis)
    n, m = frames.size, frames.output_size
    unread = f" Input pixels that no window reads: {join_numbers(frames.unread)}." if frames.unread else ""
    if layer.kind in WINDOW_KINDS:
        window = result.windows[axis]
        before, after = (window.pad_before or 0, window.pad_after or 0) if window is not None else (0, 0)
        mode = " (same)" if layer.padding_mode == "same" else ""
        taps = "" if params.dilation == 1 else f", reading every {_ordinal(params.dilation)} position"
        return (
            f"Kernel {params.kernel}, stride {params.stride}, dilation {params.dilation}, padding {before} before "
            f"and {after} after{mode}, on {n} input pixels. Output size {output_size_text(result, axis)}. "
            f"Unit i's window starts at position {window_start(params.stride, before)}{taps}.{unread}"
        )
    if layer.kind == "convt":
        total = (
            f"({n} - 1) {params.stride} - {params.pad_before} - {params.pad_after} + {params.effective_kernel}"
            f" + {params.output_padding} = {m}"
        )
        relation = f"{window_start(params.stride, params.pad_before)} + {_tap_term(params.dilation)}"
        return (
            f"Transposed convolution with kernel {params.kernel}, stride {params.stride}, padding {params.pad_before}, "
            f"on {n} input units. Output size {total}. Output unit o receives input unit i through tap j "
            f"when o = {relation}.{unread}"
        )
    if layer.kind == "upsample":
        return f"Upsampling by {params.factor}: {n} input units give {m} output units, and output unit o copies input unit floor(o / {params.factor})."
    return f"{n} input positions, {m} output units.{unread}"


def window_start(stride: int, pad: int, variable: str = "i") -> str:
    """Return the formula for the first position of unit i's window, such as `2 i - 1`."""
    term = variable if stride == 1 else f"{stride} {variable}"
    return term if pad == 0 else f"{term} - {pad}"


def _tap_term(dilation: int) -> str:
    return "j" if dilation == 1 else f"{dilation} j"


def _ordinal(value: int) -> str:
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"


def output_size_text(result: LayerResult, axis: int) -> str:
    """Return the output size arithmetic of a window layer, such as `floor((7 + 1 + 1 - 3) / 2) + 1 = 4`."""
    params = result.layer.axis(axis)
    window = result.windows[axis]
    size = result.axes[axis].input_size or 0
    before, after = (window.pad_before or 0, window.pad_after or 0) if window is not None else (0, 0)
    total = size + before + after - params.effective_kernel
    if result.layer.ceil_mode:
        rounded = -(-total // params.stride) + 1
        text = f"ceil(({size} + {before} + {after} - {params.effective_kernel}) / {params.stride}) + 1 = {rounded}"
    else:
        rounded = total // params.stride + 1
        text = f"floor(({size} + {before} + {after} - {params.effective_kernel}) / {params.stride}) + 1 = {rounded}"
    value = result.axes[axis].output_size
    if value != rounded:
        text += f", less the dropped last window: {value}"
    return text


def ceil_note(result: LayerResult, axis: int, frames: AxisFrames) -> str:
    """Explain what ceil mode changed along `axis`, or return "" when it changed nothing."""
    layer = result.layer
    if not layer.ceil_mode:
        return ""
    params = layer.axis(axis)
    window = result.windows[axis]
    before, after = (window.pad_before or 0, window.pad_after or 0) if window is not None else (0, 0)
    total = frames.size + before + after - params.effective_kernel
    floor_size = total // params.stride + 1
    rounded = -(-total // params.stride) + 1
    if rounded != frames.output_size:
        dropped_start = (rounded - 1) * params.stride - before
        return (
            f"Ceil mode rounds up to {rounded} windows, but window {rounded - 1} would start at position "
            f"{dropped_start}, in the padding after the input (which ends at pixel {frames.size - 1}), "
            f"so it is dropped and the layer keeps {frames.output_size} units."
        )
    if rounded != floor_size:
        last = frames.spans[-1]
        end = last[1] if last else frames.size - 1
        return (
            f"Ceil mode adds unit {rounded - 1}, which floor mode would not have. Its window starts at position "
            f"{(rounded - 1) * params.stride - before}, inside the input, and runs to position {end}, past the "
            "padding; positions beyond the padding are drawn dashed and read nothing."
        )
    return "Ceil mode changes nothing here: the windows fit the padded input exactly."


def frame_caption(unit_label: str, axis_taps: list[tuple[str, AxisFrames, int]]) -> str:
    """Write one frame's caption.

    `axis_taps` contains, per drawn axis, the name of its positions (such as
    "positions" or "rows"), the axis geometry and the output unit along it.
    """
    parts = []
    for name, frames, unit in axis_taps:
        taps = list(frames.taps[unit])
        label = name if len(taps) != 1 else name[:-1]
        text = f"{label} {join_numbers(taps)}" if taps else f"no {name}"
        padding = [position for position in taps if frames.kind_of(position) == "rf-dg-pad"]
        beyond = [position for position in taps if frames.kind_of(position) == "rf-dg-overhang"]
        if padding:
            text += f" (padding: {join_numbers(padding)})"
        if beyond:
            text += f" (beyond the padding, reading nothing: {join_numbers(beyond)})"
        skipped = frames.skipped(unit)
        if skipped:
            text += f", skipping {join_numbers(skipped)}"
        parts.append(text)
    return f"Unit {unit_label} reads " + " and ".join(parts) + "."
