"""Built-in presets: registry, spec validity, published receptive fields and a PyTorch cross-check.

The PyTorch tests build each preset's geometry by hand in `tests/torch_models.py`
(without torchvision), back-propagate from one unit and compare the span of
input pixels with a nonzero gradient with rf_core's traced interval for that
unit. The spans are compared exactly: no endpoint tested here has holes at the
ends of its field, because every stride-2 1x1 shortcut and every dilated conv
runs beside a path that reads all pixels between.
"""

from __future__ import annotations

from functools import lru_cache

import pytest

from rf_core import RFError, analyze, parse_spec
from rf_core.analysis import Analysis
from rf_core.presets import Preset, get_preset, preset_names

EXPECTED_PRESETS = [
    "alexnet",
    "vgg11",
    "vgg16",
    "vgg19",
    "resnet18",
    "resnet50",
    "resnet152",
    "mobilenet_v2",
    "inception_v3",
    "unet",
    "wavenet",
]

#: Presets with a 1-D input. Every other preset is 2-D.
ONE_DIMENSIONAL = {"wavenet"}


@lru_cache(maxsize=None)
def analysis_of(name: str) -> Analysis:
    return analyze(parse_spec(get_preset(name).spec))


def axis(name: str, layer: str):
    """Return the first-axis result of `layer` in preset `name` at its own input size."""
    return analysis_of(name).layer(layer).axes[0]


def test_preset_names_lists_every_preset():
    assert preset_names() == EXPECTED_PRESETS


def test_unknown_preset_lists_valid_names():
    with pytest.raises(RFError) as caught:
        get_preset("resnet51")

    assert "'resnet51'" in str(caught.value)
    for name in EXPECTED_PRESETS:
        assert name in str(caught.value)


@pytest.mark.parametrize("name", EXPECTED_PRESETS)
def test_preset_fields_are_filled(name):
    preset = get_preset(name)

    assert isinstance(preset, Preset)
    assert preset.name == name
    assert preset.title
    assert preset.source
    assert preset.description
    assert preset.spec.splitlines()[0] == f"input {preset.input_size}"


@pytest.mark.parametrize("name", EXPECTED_PRESETS)
def test_preset_analyses_without_unknowns(name):
    analysis = analysis_of(name)

    assert analysis.input_size[0] == get_preset(name).input_size
    for result in analysis.layers:
        for axis_result in result.axes:
            assert axis_result.unknown == {}, f"{result.layer.name}: {axis_result.unknown}"


@pytest.mark.parametrize("name", EXPECTED_PRESETS)
def test_preset_endpoints_exist_in_order(name):
    analysis = analysis_of(name)
    names = [result.layer.name for result in analysis.layers]
    endpoints = get_preset(name).endpoints

    assert endpoints
    positions = [names.index(endpoint) for endpoint in endpoints]
    assert positions == sorted(positions)


# Receptive field r, effective stride S and effective padding P of the TF-slim
# models, from the table of Araujo, Norris and Sim's library that accompanies
# "Computing Receptive Fields of Convolutional Neural Networks" (Distill, 2019):
# google-research/receptive_field, receptive_field/RECEPTIVE_FIELD_TABLE.md.
# Only networks whose torchvision definition has the same geometry are listed.
# P is None where it differs: TF-slim's alexnet_v2 pads conv1 with 'VALID' (0)
# where torchvision pads 2, which moves every later field by 2 pixels.
PUBLISHED = [
    # alexnet_v2: conv1, pool1, conv2, conv3, conv4, conv5, pool5
    ("alexnet", "features.0", 11, 4, None),
    ("alexnet", "features.2", 19, 8, None),
    ("alexnet", "features.3", 51, 8, None),
    ("alexnet", "features.6", 99, 16, None),
    ("alexnet", "features.8", 131, 16, None),
    ("alexnet", "features.10", 163, 16, None),
    ("alexnet", "features.12", 195, 32, None),
    # vgg_a is VGG configuration A, torchvision's vgg11: pool1 to pool5
    ("vgg11", "features.2", 4, 2, 1),
    ("vgg11", "features.5", 10, 4, 3),
    ("vgg11", "features.10", 30, 8, 11),
    ("vgg11", "features.15", 70, 16, 27),
    ("vgg11", "features.20", 150, 32, 59),
    # vgg_16: pool1 to pool5
    ("vgg16", "features.4", 6, 2, 2),
    ("vgg16", "features.9", 16, 4, 6),
    ("vgg16", "features.16", 44, 8, 18),
    ("vgg16", "features.23", 100, 16, 42),
    ("vgg16", "features.30", 212, 32, 90),
    # inception_v3: the stem pools and every Mixed block
    ("inception_v3", "maxpool1", 15, 4, 2),
    ("inception_v3", "maxpool2", 31, 8, 2),
    ("inception_v3", "Mixed_5b", 63, 8, 18),
    ("inception_v3", "Mixed_5c", 95, 8, 34),
    ("inception_v3", "Mixed_5d", 127, 8, 50),
    ("inception_v3", "Mixed_6a", 159, 16, 58),
    ("inception_v3", "Mixed_6b", 351, 16, 154),
    ("inception_v3", "Mixed_6c", 543, 16, 250),
    ("inception_v3", "Mixed_6d", 735, 16, 346),
    ("inception_v3", "Mixed_6e", 927, 16, 442),
    ("inception_v3", "Mixed_7a", 1055, 32, 490),
    ("inception_v3", "Mixed_7b", 1183, 32, 554),
    ("inception_v3", "Mixed_7c", 1311, 32, 618),
]


@pytest.mark.parametrize(("name", "layer", "field", "stride", "padding"), PUBLISHED)
def test_published_receptive_field(name, layer, field, stride, padding):
    result = axis(name, layer)

    assert result.receptive_field == field
    assert result.effective_stride == stride
    if padding is not None:
        assert result.effective_padding == padding


def tf_slim_resnet_v1_spec(units: tuple[int, int, int, int]) -> str:
    """Write TF-slim's resnet_v1 layout: the stride sits in the 3x3 conv of the LAST unit of blocks 1 to 3.

    Only r and S are compared, so the padding is written PyTorch-style. Every
    shortcut is a 1x1 conv with the unit's stride, which has the same geometry as
    TF-slim's identity and 1x1 subsampling shortcuts.
    """
    lines = ["input 224", "conv k=7 s=2 p=3 name=conv1", "maxpool k=3 s=2 p=1 name=pool1"]
    previous = "pool1"
    for block, (count, block_stride) in enumerate(zip(units, (2, 2, 2, 1)), start=1):
        for unit in range(1, count + 1):
            stride = block_stride if unit == count else 1
            name = f"block{block}.unit_{unit}"
            lines += [
                f"conv k=1 name={name}.conv1 from={previous}",
                f"conv k=3 s={stride} p=1 name={name}.conv2",
                f"conv k=1 name={name}.conv3",
                f"conv k=1 s={stride} name={name}.shortcut from={previous}",
                f"add name={name} from={name}.conv3,{name}.shortcut",
            ]
            previous = name
    return "\n".join(lines) + "\n"


# The same library table lists resnet_v1_50, _101 and _152 with r 483, 1027 and
# 1507 at block4. Its FAQ explains that TF-slim applies each block's stride in the
# last residual unit of the block, in the 3x3 conv (resnet_v1.py, bottleneck
# conv2). torchvision (v1.5) also strides in the 3x3 conv, but in the FIRST
# block of the next stage, so its 3x3 convs run at a smaller effective stride
# and its r is smaller: ResNet-50 layer4 r = 427, ResNet-152 r = 1451. Those two
# values are computed here and checked against PyTorch below, not published.
@pytest.mark.parametrize(
    ("units", "fields", "strides"),
    [
        ((3, 4, 6, 3), (35, 99, 291, 483), (8, 16, 32, 32)),
        ((3, 4, 23, 3), (35, 99, 835, 1027), (8, 16, 32, 32)),
        ((3, 8, 36, 3), (35, 163, 1315, 1507), (8, 16, 32, 32)),
    ],
)
def test_tf_slim_resnet_layout_matches_published(units, fields, strides):
    analysis = analyze(parse_spec(tf_slim_resnet_v1_spec(units)))

    for block, (count, field, stride) in enumerate(zip(units, fields, strides), start=1):
        result = analysis.layer(f"block{block}.unit_{count}").axes[0]
        assert result.receptive_field == field
        assert result.effective_stride == stride


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        # conv1, maxpool, layer1 to layer4: each 3x3 conv adds 2 S, with S the stride before it.
        ("resnet18", (7, 11, 43, 99, 211, 435)),
        ("resnet50", (7, 11, 35, 91, 267, 427)),
        ("resnet152", (7, 11, 35, 155, 1291, 1451)),
    ],
)
def test_torchvision_resnet_fields(name, fields):
    endpoints = get_preset(name).endpoints

    assert [axis(name, endpoint).receptive_field for endpoint in endpoints] == list(fields)
    assert [axis(name, endpoint).effective_stride for endpoint in endpoints] == [2, 4, 4, 8, 16, 32]


def test_unet_sizes_and_field():
    # Valid 3x3 convs remove 4 pixels per level: 572 -> 568, pool 284 -> 280,
    # 140 -> 136, 68 -> 64, 32 -> 28; up 56 -> 52, 104 -> 100, 200 -> 196, 392 -> 388.
    sizes = [axis("unet", endpoint).output_size for endpoint in get_preset("unet").endpoints]
    assert sizes == [568, 280, 136, 64, 28, 52, 100, 196, 388]
    assert axis("unet", "out").output_size == 388
    # Contracting path: two 3x3 convs per level and 2x2 pools give r = 140 at enc5, S = 16.
    # Each up-convolution feeds two neighbouring units from one input unit, so the
    # fields are unevenly spaced: a decoder level's two 3x3 convs reach 3 units of the
    # level below, adding 2 S: 140 + 2 * 16 = 172 at dec4, 172 + 2 * 8 = 188 at dec3.
    # From dec2 on the field size depends on the unit (period 16 at the output):
    # 188 for units 0 to 3 of each period, 204 for units 4 to 15.
    assert axis("unet", "enc5.conv2").receptive_field == 140
    assert axis("unet", "dec4.conv2").receptive_field == 172
    assert axis("unet", "dec3.conv2").receptive_field == 188
    assert axis("unet", "out").receptive_field == 204
    assert axis("unet", "out").receptive_field_min == 188


def test_unet_rejects_odd_pool_input():
    from rf_core.presets_unet import unet_spec

    with pytest.raises(RFError, match="odd size"):
        unet_spec(570)


def test_unet_rejects_too_small_input():
    from rf_core.presets_unet import unet_spec

    # 172 = 16 * 10 + 12 pools evenly, but dec3.conv2 would have no pixels.
    with pytest.raises(RFError, match="too small"):
        unet_spec(172)


@pytest.mark.parametrize(("size", "output"), [(188, 4), (204, 20), (684, 500)])
def test_unet_spec_fits_other_sizes(size, output):
    network = parse_spec(get_preset("unet").spec)

    assert analyze(network, [size]).layers[-1].axes[0].output_size == output


def test_wavenet_field_is_causal():
    result = axis("wavenet", "head.conv2")

    # 1 + 1 (causal k=2) + 3 cycles * (1 + 2 + ... + 512 = 1023) = 3071
    assert result.receptive_field == 3071
    assert result.effective_stride == 1
    assert result.output_size == 16000
    # Unit t reads inputs t - 3070 to t and nothing after t.
    assert analysis_of("wavenet").layers[-1].axes[0].interval(5000) == (1930, 5000)


RESIDUAL_EXAMPLE = """\
input 8
conv k=1 name=a
conv k=3 s=2 p=1 name=b
conv k=1 name=c
conv k=1 s=2 name=shortcut from=input
add name=sum from=c,shortcut
"""


def test_residual_example_field():
    result = analyze(parse_spec(RESIDUAL_EXAMPLE)).layer("sum").axes[0]

    # Main path: r = 1 + 2 * 1 = 3, S = 2, P = 1. The shortcut's field (r = 1) lies inside it.
    assert result.receptive_field == 3
    assert result.effective_stride == 2
    assert result.start == 0
    # (8 + 2 - 3) // 2 + 1 = 4
    assert result.output_size == 4


# PyTorch cross-check ---------------------------------------------------------


def spatial_shape(name: str, input_size: int | None = None) -> tuple[int, ...]:
    size = input_size or get_preset(name).input_size
    return (size,) if name in ONE_DIMENSIONAL else (size, size)


def rf_unit_and_span(analysis: Analysis, layer: str, num_axes: int):
    """Return the central unit of `layer` (per torch axis) and rf_core's clipped span for it."""
    result = analysis.layer(layer)
    sizes = [axis_result.output_size for axis_result in result.axes]
    if len(sizes) == 1:
        sizes *= num_axes
    unit = [size // 2 for size in sizes]
    field = analysis.unit_field(result.index, unit[: analysis.num_axes])
    clipped = list(field.clipped)
    if len(clipped) == 1:
        clipped *= num_axes
    return unit, clipped, result.layer.kind


def torch_cases() -> list[tuple[str, str]]:
    cases = []
    for name in EXPECTED_PRESETS:
        analysis = analysis_of(name)
        layers = list(get_preset(name).endpoints) + [analysis.layers[-1].layer.name]
        cases.extend((name, layer) for layer in dict.fromkeys(layers))
    return cases


@lru_cache(maxsize=None)
def torch_model(name: str):
    from torch_models import build_model

    return build_model(name)


def module_path(name: str, layer: str) -> str | None:
    """Return the module path of `layer`, or None when it is the model's output."""
    return None if layer == analysis_of(name).layers[-1].layer.name else layer


@pytest.mark.torch
@pytest.mark.parametrize(("name", "layer"), torch_cases())
def test_torch_output_size_matches(name, layer):
    torch = pytest.importorskip("torch")
    from torch_models import forward_to

    shape = spatial_shape(name)
    with torch.no_grad():
        x = torch.ones((1, 1, *shape), dtype=torch.float64)
        output = forward_to(torch_model(name), x, module_path(name, layer))
    result = analysis_of(name).layer(layer)
    sizes = [axis_result.output_size for axis_result in result.axes] * (len(shape) // len(result.axes))

    if result.layer.kind == "fc":
        # A linear layer flattens the map: rf_core counts one unit per axis.
        assert output.dim() == 2
        assert sizes == [1] * len(shape)
    else:
        assert tuple(output.shape[2:]) == tuple(sizes)


@pytest.mark.torch
@pytest.mark.parametrize(("name", "layer"), torch_cases())
def test_torch_gradient_span_matches(name, layer):
    pytest.importorskip("torch")
    from torch_models import measure_span

    shape = spatial_shape(name)
    unit, clipped, kind = rf_unit_and_span(analysis_of(name), layer, len(shape))
    index = () if kind == "fc" else tuple(unit)

    span = measure_span(torch_model(name), (1, 1, *shape), index, layer=module_path(name, layer))

    assert span == clipped


# At their own input size the fields of the last stages fill the whole input,
# so the span above is clipped on both sides and would not notice a wrong r.
# A taller input, H = r + 64 with width 96, keeps the central unit's field
# inside the input along the height, where the span must then equal r.
UNCLIPPED = [
    ("vgg19", "features.36"),
    ("resnet18", "layer4.1"),
    ("resnet50", "layer4.2"),
    ("resnet152", "layer4.2"),
    ("mobilenet_v2", "features.18.0"),
    ("inception_v3", "Mixed_7c"),
]


@pytest.mark.torch
@pytest.mark.parametrize(("name", "layer"), UNCLIPPED)
def test_torch_span_of_whole_field(name, layer):
    pytest.importorskip("torch")
    from torch_models import measure_span

    field = axis(name, layer).receptive_field
    shape = (field + 64, 96)
    analysis = analyze(parse_spec(get_preset(name).spec), shape)
    unit, clipped, _ = rf_unit_and_span(analysis, layer, 2)
    interval = analysis.unit_field(analysis.layer(layer).index, unit).interval
    assert interval[0][0] >= 0, "the field must lie inside the input"
    assert interval[0][1] <= shape[0] - 1, "the field must lie inside the input"

    span = measure_span(torch_model(name), (1, 1, *shape), tuple(unit), layer=layer)

    assert span == clipped
    assert span[0] == interval[0]
    assert span[0][1] - span[0][0] + 1 == field


@pytest.mark.torch
@pytest.mark.parametrize(("unit", "field"), [(194, 188), (196, 204)])
def test_torch_unet_field_varies_by_unit(unit, field):
    pytest.importorskip("torch")
    from torch_models import measure_span

    analysis = analysis_of("unet")
    expected = analysis.unit_field(len(analysis.layers), [unit])
    first, last = expected.interval[0]
    assert last - first + 1 == field

    span = measure_span(torch_model("unet"), (1, 1, 572, 572), (unit, unit))

    assert span == [(first, last), (first, last)]


@pytest.mark.torch
def test_torch_residual_example():
    torch = pytest.importorskip("torch")
    from torch_models import conv, measure_span

    class Residual(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = conv(1, 1, dims=1)
            self.b = conv(1, 3, 2, 1, dims=1)
            self.c = conv(1, 1, dims=1)
            self.shortcut = conv(1, 1, 2, dims=1)

        def forward(self, x):
            return self.c(self.b(self.a(x))) + self.shortcut(x)

    model = Residual().double()
    analysis = analyze(parse_spec(RESIDUAL_EXAMPLE))
    assert tuple(model(torch.ones(1, 1, 8, dtype=torch.float64)).shape) == (1, 1, 4)
    for unit in range(4):
        expected = analysis.unit_field(len(analysis.layers), [unit]).clipped
        assert measure_span(model, (1, 1, 8), (unit,)) == list(expected)
