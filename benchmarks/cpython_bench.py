"""rf_core under CPython: chains, the largest preset, depth scaling and a PyTorch tool.

Every time is in seconds. Each measurement is repeated and reported as the
minimum wall-clock time (`time.perf_counter`), which is the least disturbed by
other processes, next to the median and the CPU time of the same runs.
"""

from __future__ import annotations

import contextlib
import cProfile
import gc
import importlib.util
import io
import math
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from rf_core import analyze, parse_spec
from rf_core.presets import get_preset, preset_names
from rf_core.render import to_text
from rf_core.render_html import to_html

REPO_ROOT = Path(__file__).resolve().parents[1]

#: ResNet-50's receptive field at layer4, as the PyTorch gradient check in
#: tests/test_browser.py measures it. compare_torchscan measures it again.
RESNET50_LAYER4_FIELD = 427


def chain_spec(depth: int, first_kernel: int = 3) -> str:
    """Return a spec of `depth` 3x3 stride-1 padding-1 convs on a 224 input; the first has `first_kernel`."""
    first = f"conv k={first_kernel} s=1 p={first_kernel // 2}\n"
    return "input 224\n" + first + "conv k=3 s=1 p=1\n" * (depth - 1)


def largest_preset() -> tuple[str, int]:
    """Return the name and layer count of the preset with the most layers."""
    counts = {name: len(parse_spec(get_preset(name).spec).layers) for name in preset_names()}
    name = max(counts, key=counts.get)
    return name, counts[name]


def time_call(function: Callable[[], object], repeats: int) -> dict:
    """Run `function` `repeats` times and return min and median wall time and median CPU time."""
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(repeats):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall_start)
        cpus.append(time.process_time() - cpu_start)
    return {
        "repeats": repeats,
        "min_s": min(walls),
        "median_s": statistics.median(walls),
        "median_cpu_s": statistics.median(cpus),
    }


#: Deepest chain whose HTML table is timed, to bound the run. A row traces its unit
#: back through earlier layers only where clipping the interval could be inexact,
#: so for these chains the table's time grows in proportion to the depth.
HTML_MAX_DEPTH = 10_000


def measure_network(spec: str, repeats: int, *, html: bool = True) -> dict:
    """Time parsing, analysis and the text table of one spec, and the HTML table when `html` is true."""
    network = parse_spec(spec, text_limits=False)
    analysis = analyze(network)
    timings = {
        "layers": len(network.layers),
        "parse": time_call(lambda: parse_spec(spec, text_limits=False), repeats),
        "analyze": time_call(lambda: analyze(network), repeats),
        "render_text": time_call(lambda: to_text(analysis), repeats),
        "render_html": None,
    }
    if html:
        timings["render_html"] = time_call(lambda: to_html(analysis, (0,)), repeats)
    return timings


def measure_cpython(chain_depth: int, repeats: int) -> dict:
    """Time a `chain_depth`-layer chain and the largest preset under CPython.

    The chain's HTML table is left out (None) above HTML_MAX_DEPTH layers.
    """
    name, _ = largest_preset()
    return {
        "chain": measure_network(chain_spec(chain_depth), repeats, html=chain_depth <= HTML_MAX_DEPTH),
        "preset": {"name": name, **measure_network(get_preset(name).spec, repeats)},
    }


# --- Scaling with depth ---------------------------------------------------------------


def fit_line(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Return (intercept, slope) of the least-squares line through the points."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / spread
    return mean_y - slope * mean_x, slope


def measure_scaling(depths: list[int], repeats: int) -> dict:
    """Time parse and analyze on chains of each depth and fit both a line and a power law.

    Both fits use the depths from 1,000 up, because fixed costs dominate smaller
    chains. The power-law exponent is the slope of log(time) against log(depth),
    so an exponent near 1 means linear time.
    """
    points = []
    for depth in depths:
        spec = chain_spec(depth)
        network = parse_spec(spec, text_limits=False)
        points.append(
            {
                "depth": depth,
                "parse": time_call(lambda: parse_spec(spec, text_limits=False), repeats),
                "analyze": time_call(lambda: analyze(network), repeats),
            }
        )
        del network

    fits = {}
    for stage in ("parse", "analyze"):
        fitted = [point for point in points if point["depth"] >= 1000] or points
        xs = [float(point["depth"]) for point in fitted]
        ys = [point[stage]["min_s"] for point in fitted]
        intercept, slope = fit_line(xs, ys)
        exponent = None
        if len(fitted) >= 2:
            _, exponent = fit_line([math.log(x) for x in xs], [math.log(y) for y in ys])
        fits[stage] = {
            "intercept_s": intercept,
            "seconds_per_layer": slope,
            "loglog_exponent": exponent,
            "fitted_depths": [point["depth"] for point in fitted],
        }
    return {"points": points, "fits": fits}


def measure_html_scaling(depths: list[int], repeats: int) -> dict:
    """Time the calculator's HTML table on chains of each depth, fit a power law and profile the deepest.

    The exponent is fitted over all depths given.
    """
    points = []
    for depth in depths:
        analysis = analyze(parse_spec(chain_spec(depth), text_limits=False))
        points.append({"depth": depth, "render_html": time_call(lambda: to_html(analysis, (0,)), repeats)})
    xs = [math.log(point["depth"]) for point in points]
    ys = [math.log(point["render_html"]["min_s"]) for point in points]
    _, exponent = fit_line(xs, ys)

    profiler = cProfile.Profile()
    profiler.enable()
    to_html(analysis, (0,))
    profiler.disable()
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(6)
    return {
        "points": points,
        "loglog_exponent": exponent,
        "profile_depth": depths[-1],
        "cprofile_top_tottime": _trim_profile(report.getvalue()),
    }


def profile_analysis(depth: int) -> dict:
    """Explain how analyze's time splits at one depth: cyclic GC on and off, and a cProfile.

    The cyclic garbage collector is timed through `gc.callbacks`, per generation.
    """
    network = parse_spec(chain_spec(depth), text_limits=False)
    collections = {0: 0, 1: 0, 2: 0}
    gc_seconds = {0: 0.0, 1: 0.0, 2: 0.0}
    started: dict[int, float] = {}

    def on_collection(phase: str, info: dict) -> None:
        generation = info["generation"]
        if phase == "start":
            started[generation] = time.perf_counter()
        else:
            collections[generation] += 1
            gc_seconds[generation] += time.perf_counter() - started.pop(generation)

    gc.collect()
    gc.callbacks.append(on_collection)
    try:
        with_gc = time_call(lambda: analyze(network), 1)
    finally:
        gc.callbacks.remove(on_collection)

    gc.collect()
    gc.disable()
    try:
        without_gc = time_call(lambda: analyze(network), 1)
    finally:
        gc.enable()

    profiler = cProfile.Profile()
    profiler.enable()
    analyze(network)
    profiler.disable()
    report = io.StringIO()
    pstats.Stats(profiler, stream=report).sort_stats("tottime").print_stats(8)
    return {
        "depth": depth,
        "analyze_gc_enabled_s": with_gc["min_s"],
        "analyze_gc_disabled_s": without_gc["min_s"],
        "gc_collections": {str(key): value for key, value in collections.items()},
        "gc_seconds": {str(key): value for key, value in gc_seconds.items()},
        "gc_thresholds": list(gc.get_threshold()),
        "cprofile_top_tottime": _trim_profile(report.getvalue()),
    }


def _trim_profile(text: str) -> list[str]:
    lines = [line.rstrip() for line in text.splitlines()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    # Paths relative to the repository, so the listing does not depend on the checkout.
    prefix = str(REPO_ROOT) + "/"
    return [line.replace(prefix, "") for line in lines[start:] if line.strip()]


# --- A PyTorch tool on the same network ------------------------------------------------


def _torch_models():
    """Import tests/torch_models.py, the project's PyTorch models with the presets' geometry."""
    spec = importlib.util.spec_from_file_location("torch_models", REPO_ROOT / "tests" / "torch_models.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["torch_models"] = module
    spec.loader.exec_module(module)
    return module


def compare_torchscan(repeats: int) -> dict:
    """Time torchscan's summary and rf_core on the largest preset, and check both on ResNet-50.

    The models come from tests/torch_models.py: one channel per conv, positive
    weights and average pooling in place of max pooling, with torchvision's
    kernels, strides, paddings and module paths. torchscan sees the same
    layer types and geometry as in torchvision.

    Returns a dict with "available": False and the reason when torch or
    torchscan cannot be imported.
    """
    try:
        import torch
        import torchscan
    except ImportError as error:
        return {"available": False, "reason": f"{error}; install torch and torchscan==0.2.0 to compare"}

    models = _torch_models()
    name, _ = largest_preset()
    spec = get_preset(name).spec
    model = models.build_model(name).float()
    size = get_preset(name).input_size

    def run_torchscan(module) -> dict:
        with contextlib.redirect_stdout(io.StringIO()):
            return torchscan.summary(module, (1, size, size), receptive_field=True)

    rf_core_time = time_call(lambda: analyze(parse_spec(spec, text_limits=False)), repeats)
    torchscan_time = time_call(lambda: run_torchscan(model), repeats)

    # ResNet-50: the field at layer4 by gradient, by rf_core and by torchscan.
    resnet50 = models.build_model("resnet50")
    spans = models.measure_span(resnet50, (1, 1, 491, 96), (7, 1), layer="layer4.2")
    gradient_field = spans[0][1] - spans[0][0] + 1
    rf_core_field = analyze(parse_spec(get_preset("resnet50").spec)).layer("layer4.2").axes[0].receptive_field
    report = run_torchscan(resnet50.float())
    torchscan_fields = {
        layer["path"]: (layer["metrics"].get("receptive_field") or {}).get("value")
        for layer in report["layers"]
        if layer["path"] in ("layer4", "layer4.2", "layer4.2.conv3", "")
    }
    return {
        "available": True,
        "network": name,
        "torch_version": torch.__version__,
        "torchscan_version": report["context"]["torchscan_version"],
        "rf_core_parse_analyze": rf_core_time,
        "torchscan_summary": torchscan_time,
        "resnet50_layer4": {
            "expected": RESNET50_LAYER4_FIELD,
            "gradient": gradient_field,
            "rf_core": rf_core_field,
            "torchscan": {path or "(model)": value for path, value in torchscan_fields.items()},
            "rf_core_correct": rf_core_field == gradient_field,
            "torchscan_correct": torchscan_fields.get("layer4") == gradient_field,
        },
    }
