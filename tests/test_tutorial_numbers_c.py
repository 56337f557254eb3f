"""Numbers and formulas that the gallery and notation pages state in prose.

Values of the built-in networks appear in the gallery as inline values or
rf-output tables, which the build computes. The numbers below are the rest:
kernel sizes, counts of blocks, input sizes and published values. Each test
finds the sentence in the page, so an edit to it fails here, and checks the
number against rf_core or the publication named in the test. The notation
page's formulas are checked against rf_core on every layer of a preset.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest

from rf_core import analyze, parse_spec
from rf_core.analysis import Analysis
from rf_core.arithmetic import same_padding
from rf_core.layers import Layer
from rf_core.presets import get_preset, preset_names

REPO_ROOT = Path(__file__).resolve().parent.parent
GALLERY = REPO_ROOT / "docs" / "tutorial" / "gallery.md"
NOTATION = REPO_ROOT / "docs" / "notation.md"


@lru_cache(maxsize=None)
def gallery_text() -> str:
    """Return the gallery's prose, with line breaks folded so sentences match whole."""
    return re.sub(r"\s+", " ", GALLERY.read_text(encoding="utf-8"))


def assert_states(phrase: str) -> None:
    assert phrase in gallery_text(), f"the gallery no longer says {phrase!r}"


@lru_cache(maxsize=None)
def analysis_of(name: str) -> Analysis:
    return analyze(parse_spec(get_preset(name).spec))


def layers_of(name: str) -> list[Layer]:
    return list(parse_spec(get_preset(name).spec).layers)


def axis(name: str, layer: str):
    return analysis_of(name).layer(layer).axes[0]


def field_sizes(name: str) -> list[int]:
    return [axis(name, endpoint).receptive_field for endpoint in get_preset(name).endpoints]


# Section intro and conventions ---------------------------------------------------


def test_gallery_counts_every_preset():
    assert_states("lists the eleven networks built into Receptive Field Lab")
    assert len(preset_names()) == 11
    for name in preset_names():
        assert f"preset={name} endpoints" in gallery_text(), f"{name} has no table"


@pytest.mark.parametrize(
    ("names", "phrase", "size"),
    [
        (("alexnet",), "`preset:alexnet`, input 224 x 224.", 224),
        (("vgg11", "vgg16", "vgg19"), "`preset:vgg11`, `preset:vgg16` and `preset:vgg19`, input 224 x 224.", 224),
        (("resnet18", "resnet50", "resnet152"), "`preset:resnet152`, input 224 x 224.", 224),
        (("mobilenet_v2",), "`preset:mobilenet_v2`, input 224 x 224.", 224),
        (("inception_v3",), "`preset:inception_v3`, input 299 x 299.", 299),
        (("unet",), "`preset:unet`, input 572 x 572", 572),
        (("wavenet",), "`preset:wavenet`, a 1-D input of 16000 samples.", 16000),
    ],
)
def test_gallery_input_sizes(names, phrase, size):
    assert_states(phrase)
    for name in names:
        assert get_preset(name).input_size == size


def test_no_preset_rounds_up():
    assert_states("None of torchvision's definitions of these networks rounds up, so no preset does.")
    for name in preset_names():
        assert not any(layer.ceil_mode for layer in layers_of(name)), name


# AlexNet ---------------------------------------------------------------------------


def test_alexnet_prose():
    assert_states("an 11x11 convolution with stride 4")
    assert_states("The last stage, three 3x3 convolutions and pool5, grows the field most")
    assert_states("conv1 pads 2 pixels on each side, fewer than the half kernel (5)")
    assert_states("the pools are not padded")
    layers = layers_of("alexnet")
    conv1 = layers[0].axes[0]
    assert (conv1.kernel, conv1.stride, conv1.pad_before, conv1.pad_after) == (11, 4, 2, 2)
    # Centring an 11-pixel kernel on pixel 0 needs (11 - 1) / 2 = 5 pixels of padding.
    assert (conv1.kernel - 1) // 2 == 5

    names = [layer.name for layer in layers]
    last_stage = layers[names.index("features.5") + 1 : names.index("features.12")]
    convs = [layer for layer in last_stage if layer.kind == "conv"]
    assert len(convs) == 3
    assert all(layer.axes[0].kernel == 3 for layer in convs)
    pools = [layer for layer in layers if layer.kind == "maxpool"]
    assert all(layer.axes[0].pad_before == layer.axes[0].pad_after == 0 for layer in pools)

    # conv1 11, pool1 19, pool2 67, pool5 195: the last stage adds 128, more than any other.
    sizes = field_sizes("alexnet")
    growth = [after - before for before, after in zip(sizes, sizes[1:])]
    assert growth[-1] == max(growth)


# VGG -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["vgg11", "vgg16", "vgg19"])
def test_vgg_layers_match_prose(name):
    assert_states("every convolution is 3x3 with padding 1, and every stage ends in a 2x2 max pool with stride 2")
    layers = layers_of(name)
    for layer in layers:
        params = layer.axes[0]
        if layer.kind == "conv" and layer.name.startswith("features"):
            assert (params.kernel, params.pad_before, params.pad_after) == (3, 1, 1)
        if layer.kind == "maxpool":
            assert (params.kernel, params.stride) == (2, 2)
    assert len(get_preset(name).endpoints) == 5


def test_vgg_strides_shared_and_fields_differ():
    assert_states("so they have the same $S$ at every end-point and different $r$")
    strides = {
        name: [axis(name, endpoint).effective_stride for endpoint in get_preset(name).endpoints]
        for name in ("vgg11", "vgg16", "vgg19")
    }
    assert strides["vgg11"] == strides["vgg16"] == strides["vgg19"]
    assert len({tuple(field_sizes(name)) for name in ("vgg11", "vgg16", "vgg19")}) == 3


def test_vgg16_stage_more_than_doubles_field():
    assert_states("Each stage of VGG-16 more than doubles the field.")
    # Published (Araujo, Norris and Sim, 2019, library table): 6, 16, 44, 100, 212.
    sizes = [1, *field_sizes("vgg16")]
    for before, after in zip(sizes, sizes[1:]):
        assert after > 2 * before


def test_vgg16_exercise_object_between_pool3_and_pool4():
    assert_states("An object 100 pixels wide sits in a VGG-16 input.")
    assert_states("pool3 sees too little of it and pool4 sees enough")
    assert_states("If it is below 100 pixels, pool4 is the first layer whose units can see the whole object.")
    assert axis("vgg16", "features.16").receptive_field < 100 <= axis("vgg16", "features.23").receptive_field
    # conv4_3 (features.21), which the exercise asks about, sees 92 pixels, so pool4 is the first.
    assert axis("vgg16", "features.21").receptive_field < 100


# ResNet ----------------------------------------------------------------------------


def main_path_kernels(name: str, stage: str) -> list[int]:
    """Return the kernel sizes of the residual branch's convolutions in one stage (layer1 to layer4)."""
    return [
        layer.axes[0].kernel
        for layer in layers_of(name)
        if layer.kind == "conv" and layer.name.startswith(f"{stage}.") and "downsample" not in layer.name
    ]


def block_count(name: str, stage: str) -> int:
    return sum(1 for layer in layers_of(name) if layer.kind == "add" and layer.name.startswith(f"{stage}."))


def test_resnet_kernels_are_1x1_and_3x3():
    assert_states("only the 3x3 convolutions of the main path grow a ResNet's field")
    for name in ("resnet18", "resnet50", "resnet152"):
        for stage in ("layer1", "layer2", "layer3", "layer4"):
            assert set(main_path_kernels(name, stage)) <= {1, 3}


def test_resnet_block_counts_match_prose():
    assert_states("In ResNet-50 that is conv4_x (layer3), whose six blocks")
    assert_states("ResNet-152, whose conv4_x has 36 blocks")
    assert block_count("resnet50", "layer3") == 6
    assert block_count("resnet152", "layer3") == 36


def test_resnet18_and_resnet50_three_by_three_counts():
    assert_states("sixteen 3x3 convolutions on its main path, as many as ResNet-50")
    assert_states("it has four in each stage where ResNet-50 has 3, 4, 6 and 3")
    stages = ("layer1", "layer2", "layer3", "layer4")
    resnet18 = [main_path_kernels("resnet18", stage).count(3) for stage in stages]
    resnet50 = [main_path_kernels("resnet50", stage).count(3) for stage in stages]
    assert resnet18 == [4, 4, 4, 4]
    assert resnet50 == [3, 4, 6, 3]
    assert sum(resnet18) == sum(resnet50) == 16


def test_resnet_growth_stage():
    # The stage that adds most: conv4_x for ResNet-50 (267 - 91 = 176 against
    # 427 - 267 = 160) and ResNet-152; conv5_x for ResNet-18 (224 against 112).
    for name, stage_index in (("resnet50", 4), ("resnet152", 4), ("resnet18", 5)):
        sizes = field_sizes(name)
        growth = [after - before for before, after in zip(sizes, sizes[1:])]
        assert growth.index(max(growth)) + 1 == stage_index, name


def test_resnet_fields_exceed_input_and_centred():
    assert_states("At the end of conv5_x all three fields are larger than the 224-pixel input")
    assert_states("the start is {rf preset:resnet50 layer4.2 start} at every end-point")
    for name in ("resnet18", "resnet50", "resnet152"):
        preset = get_preset(name)
        assert axis(name, preset.endpoints[-1]).receptive_field > 224
        assert preset.input_size == 224
        assert all(axis(name, endpoint).start == 0 for endpoint in preset.endpoints)


def test_resnet18_strides_in_first_three_by_three():
    assert_states("ResNet-18's basic blocks stride in their first 3x3 convolution in every version.")
    layers = {layer.name: layer for layer in layers_of("resnet18")}
    for stage in ("layer2", "layer3", "layer4"):
        first = layers[f"{stage}.0.conv1"].axes[0]
        assert (first.kernel, first.stride) == (3, 2)


# MobileNetV2 -----------------------------------------------------------------------


def test_mobilenet_v2_prose():
    assert_states("from 112 x 112 down to 7 x 7")
    assert_states("The field grows most at the last two resolutions.")
    assert_states("The seven blocks at 14 x 14 (features.7 to features.13)")
    assert_states("the last four blocks, which halve the resolution once more")
    endpoints = get_preset("mobilenet_v2").endpoints
    assert [axis("mobilenet_v2", endpoint).output_size for endpoint in endpoints] == [112, 56, 28, 14, 7]

    blocks_at_14 = [f"features.{index}" for index in range(7, 14)]
    assert len(blocks_at_14) == 7
    for block in blocks_at_14:
        depthwise = axis("mobilenet_v2", f"{block}.conv.1.0")
        assert depthwise.output_size == 14
    assert axis("mobilenet_v2", "features.6").output_size == 28

    last_four = [f"features.{index}.conv.1.0" for index in range(14, 18)]
    assert [axis("mobilenet_v2", name).output_size for name in last_four] == [7, 7, 7, 7]
    assert axis("mobilenet_v2", "features.14.conv.0.0").output_size == 14

    # End-point fields 7, 19, 59, 267, 491: the stages at 14 x 14 (+208) and 7 x 7 (+224)
    # add more than the three before them (+12, +40).
    sizes = field_sizes("mobilenet_v2")
    growth = [after - before for before, after in zip(sizes, sizes[1:])]
    assert min(growth[-2:]) > max(growth[:-2])
    assert all(axis("mobilenet_v2", endpoint).start == 0 for endpoint in endpoints)


# Inception-v3 ----------------------------------------------------------------------


def test_inception_square_and_paired_kernels():
    assert_states("the two are equal at every end-point, because each 1x7 kernel has a 7x1 partner")
    for endpoint in get_preset("inception_v3").endpoints:
        height, width = analysis_of("inception_v3").layer(endpoint).axes
        assert height.receptive_field == width.receptive_field
        assert height.effective_padding == width.effective_padding
    spec = get_preset("inception_v3").spec
    assert spec.count("k=1x7") == spec.count("k=7x1") > 0


def test_inception_mixed_6_prose():
    assert_states("The four blocks Mixed_6b to Mixed_6e grow the field most")
    assert_states("their longest branch stacks two 7x1 and two 1x7 convolutions")
    assert_states("The field passes the input size in Mixed_6b")
    spec = get_preset("inception_v3").spec
    branch = [line for line in spec.splitlines() if "name=Mixed_6b.branch7x7dbl_" in line]
    assert sum("k=7x1" in line for line in branch) == 2
    assert sum("k=1x7" in line for line in branch) == 2

    endpoints = list(get_preset("inception_v3").endpoints)
    sizes = field_sizes("inception_v3")
    growth = {endpoint: after - before for endpoint, before, after in zip(endpoints[1:], sizes, sizes[1:])}
    top_four = sorted(growth, key=growth.get, reverse=True)[:4]
    assert sorted(top_four) == ["Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e"]
    assert axis("inception_v3", "Mixed_6a").receptive_field < 299 < axis("inception_v3", "Mixed_6b").receptive_field


# U-Net -----------------------------------------------------------------------------


def test_unet_prose():
    assert_states("so $P$ is 0 at every end-point")
    assert_states("the 572-pixel input gives a")
    assert_states("Each 2x2 up-convolution with stride 2 sends one input unit to two output units")
    assert_states("so in the last two levels the units are unevenly placed")
    for endpoint in get_preset("unet").endpoints:
        assert axis("unet", endpoint).effective_padding == 0
    ups = [layer.axes[0] for layer in layers_of("unet") if layer.kind == "convt"]
    assert len(ups) == 4
    assert all((params.kernel, params.stride) == (2, 2) for params in ups)
    for level in ("dec4", "dec3"):
        result = axis("unet", f"{level}.conv2")
        assert result.receptive_field_min == result.receptive_field
    for level in ("dec2", "dec1"):
        result = axis("unet", f"{level}.conv2")
        assert result.receptive_field_min < result.receptive_field


# WaveNet ---------------------------------------------------------------------------


def test_wavenet_prose():
    assert_states("three cycles of ten residual layers whose kernel-2 causal convolutions have dilations 1, 2, 4, ..., 512")
    assert_states("each cycle adds the same number of samples")
    assert_states("the dilation-512 layer adds just over half of its cycle's growth by itself")
    dilated = [layer.axes[0] for layer in layers_of("wavenet") if layer.name.endswith(".dilated")]
    assert len(dilated) == 30
    assert [params.dilation for params in dilated] == [2**power for power in range(10)] * 3
    assert all(params.kernel == 2 and params.stride == 1 for params in dilated)

    # r = 1 + 1 (causal conv) + 1023 per cycle: 1025, 2048, 3071.
    sizes = field_sizes("wavenet")[:3]
    cycle_growth = {sizes[1] - sizes[0], sizes[2] - sizes[1]}
    assert cycle_growth == {1023}
    # A k=2 kernel with dilation 512 spans 513 samples and adds 512 of the cycle's 1023.
    assert 512 / 1023 > 0.5


# Comparison with published values ----------------------------------------------------

#: r, S and P of the TF-Slim models at input 224 (299 for Inception-v3), from the table
#: in Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural
#: Networks", Distill (2019), section "Discussion: receptive fields of modern networks".
PUBLISHED = {
    "alexnet_v2": (195, 32, 64),
    "vgg_16": (212, 32, 90),
    "resnet_v1_50": (483, 32, 239),
    "resnet_v1_152": (1507, 32, 751),
    "inception_v3": (1311, 32, 618),
}


def published_row(slim_name: str) -> str:
    r, stride, padding = PUBLISHED[slim_name]
    return f"({slim_name}) | {r}, {stride}, {padding} |"


def values(analysis: Analysis, layer: str) -> tuple[int, int, int]:
    result = analysis.layer(layer).axes[0]
    return result.receptive_field, result.effective_stride, result.effective_padding


def tf_slim_resnet_spec(units: tuple[int, int, int, int], pool_padding: str = "p=same") -> str:
    """Write TF-Slim's resnet_v1 layout at input 224.

    The stride sits in the 3x3 conv of the last unit of block1 to block3. Strided
    convs use TF-Slim's conv2d_same, an explicit padding of (k - 1) / 2; the max pool
    after conv1 uses TensorFlow's `same` padding.
    """
    lines = ["input 224", "conv k=7 s=2 p=3 name=conv1", f"maxpool k=3 s=2 {pool_padding} name=pool1"]
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


def original_resnet_spec(units: tuple[int, int, int, int]) -> str:
    """Write the paper's bottleneck layout: the first block of a stage strides in its first 1x1 conv."""
    lines = ["input 224", "conv k=7 s=2 p=3 name=conv1", "maxpool k=3 s=2 p=1 name=pool1"]
    previous = "pool1"
    for stage, (count, stage_stride) in enumerate(zip(units, (1, 2, 2, 2)), start=2):
        for block in range(count):
            stride = stage_stride if block == 0 else 1
            name = f"conv{stage}_{block}"
            lines += [
                f"conv k=1 s={stride} name={name}.a from={previous}",
                f"conv k=3 p=1 name={name}.b",
                f"conv k=1 name={name}.c",
                f"conv k=1 s={stride} name={name}.shortcut from={previous}",
                f"add name={name} from={name}.c,{name}.shortcut",
            ]
            previous = name
    return "\n".join(lines) + "\n"


RESNET_UNITS = {"resnet_v1_50": (3, 4, 6, 3), "resnet_v1_152": (3, 8, 36, 3)}
TORCHVISION = {"resnet_v1_50": "resnet50", "resnet_v1_152": "resnet152"}


def test_comparison_rows_are_published_values():
    for slim_name in PUBLISHED:
        assert_states(published_row(slim_name))


def test_vgg16_and_inception_match_published():
    assert_states("VGG-16 and Inception-v3 agree in all three values.")
    assert values(analysis_of("vgg16"), "features.30") == PUBLISHED["vgg_16"]
    assert values(analysis_of("inception_v3"), "Mixed_7c") == PUBLISHED["inception_v3"]


def test_alexnet_v2_differs_by_conv1_padding():
    assert_states("TF-Slim's alexnet_v2 does not pad conv1, where torchvision pads 2 pixels on each side.")
    assert_states("torchvision's $P$ is 2 larger; $r$ and $S$ agree")
    # alexnet_v2 pads conv1 and the pools with VALID (nothing). conv2 to conv5 use SAME
    # at stride 1, which pads (k - 1) / 2 on each side.
    alexnet_v2 = analyze(
        parse_spec(
            "input 224\nconv k=11 s=4 name=conv1\nmaxpool k=3 s=2 name=pool1\nconv k=5 p=2 name=conv2\n"
            "maxpool k=3 s=2 name=pool2\nconv k=3 p=1 name=conv3\nconv k=3 p=1 name=conv4\n"
            "conv k=3 p=1 name=conv5\nmaxpool k=3 s=2 name=pool5\n"
        )
    )
    assert values(alexnet_v2, "pool5") == PUBLISHED["alexnet_v2"]
    r, stride, padding = values(analysis_of("alexnet"), "features.12")
    assert (r, stride) == PUBLISHED["alexnet_v2"][:2]
    assert padding == PUBLISHED["alexnet_v2"][2] + 2


@pytest.mark.parametrize("slim_name", ["resnet_v1_50", "resnet_v1_152"])
def test_tf_slim_resnet_reproduces_published(slim_name):
    units = RESNET_UNITS[slim_name]
    analysis = analyze(parse_spec(tf_slim_resnet_spec(units)))
    assert values(analysis, "block4.unit_3") == PUBLISHED[slim_name]


@pytest.mark.parametrize("slim_name", ["resnet_v1_50", "resnet_v1_152"])
def test_resnet_stride_placement_adds_56(slim_name):
    assert_states("That adds 8 + 16 + 32 = 56 pixels to $r$, for ResNet-50 as for ResNet-152.")
    torchvision = axis(TORCHVISION[slim_name], "layer4.2").receptive_field
    assert PUBLISHED[slim_name][0] - torchvision == 8 + 16 + 32 == 56


@pytest.mark.parametrize("slim_name", ["resnet_v1_50", "resnet_v1_152"])
def test_original_resnet_layout_matches_tf_slim(slim_name):
    assert_states("as the original paper does, gives the same $r$ as TF-Slim")
    analysis = analyze(parse_spec(original_resnet_spec(RESNET_UNITS[slim_name])))
    assert analysis.layers[-1].axes[0].receptive_field == PUBLISHED[slim_name][0]


def test_tf_slim_pool_padding_explains_p():
    assert_states("$P$ would be $(r - 1)/2$, 241 for resnet_v1_50")
    assert_states("which pads 0 pixels before and 1 after a 112-pixel input")
    assert_states("at effective stride 2 that is 2 pixels less, 239")
    assert (PUBLISHED["resnet_v1_50"][0] - 1) // 2 == 241
    # conv1 gives ceil(224 / 2) = 112 units; TensorFlow's same padding for k=3, s=2 on 112.
    assert axis("resnet50", "conv1").output_size == 112
    assert same_padding(112, 3, 2, 1) == (0, 1)
    symmetric = analyze(parse_spec(tf_slim_resnet_spec(RESNET_UNITS["resnet_v1_50"], pool_padding="p=1")))
    assert values(symmetric, "block4.unit_3")[2] == 241
    # One pixel of padding before the pool's input, at that input's effective stride.
    assert axis("resnet50", "conv1").effective_stride == 2
    assert 241 - PUBLISHED["resnet_v1_50"][2] == 1 * 2


# Exercises -------------------------------------------------------------------------


def exercise_specs() -> list[str]:
    blocks = re.findall(r"```rf-exercise[^\n]*\n(.*?)```", GALLERY.read_text(encoding="utf-8"), re.S)
    return [block.split("\n---\n")[-1] for block in blocks]


def test_exercise_specs_match_presets():
    # The exercises write VGG-16 and AlexNet with the papers' layer names. Their
    # geometry must equal the presets', so that the gallery's tables lead to the results.
    vgg16_spec, alexnet_spec = exercise_specs()
    pairs = [
        (vgg16_spec, "vgg16", {"pool3": "features.16", "conv4_3": "features.21", "pool4": "features.23"}),
        (alexnet_spec, "alexnet", {"conv1": "features.0", "pool2": "features.5", "pool5": "features.12"}),
    ]
    for spec, preset, names in pairs:
        exercise = analyze(parse_spec(spec))
        for own, torchvision in names.items():
            assert values(exercise, own) == values(analysis_of(preset), torchvision), (preset, own)


# Notation page ---------------------------------------------------------------------

NOTATION_FORMULAS = [
    "$K = d(k - 1) + 1$",
    "$r_0 = 1$, $r_l = r_{l-1} + (K_l - 1)\\,S_{l-1}$",
    "$S_0 = 1$, $S_l = s_l\\,S_{l-1}$",
    "$P_0 = 0$, $P_l = P_{l-1} + p_l\\,S_{l-1}$",
    "$c_l = -P_l + (r_l - 1)/2$",
    "$u = -P_l + i\\,S_l$, $v = u + r_l - 1$",
    "$c_l + i\\,S_l = (u + v)/2$",
]


@pytest.mark.parametrize("name", ["alexnet", "vgg16"])
def test_notation_formulas_hold_for_chain(name):
    text = NOTATION.read_text(encoding="utf-8")
    for formula in NOTATION_FORMULAS:
        assert formula in text, f"the notation page no longer states {formula}"

    # Walk the chain with the page's recurrences and compare every layer with rf_core.
    r, stride, padding = 1, 1, 0
    checked = 0
    for layer, result in zip(layers_of(name), analysis_of(name).layers):
        if layer.kind in ("adaptivepool", "fc", "globalpool"):
            break
        checked += 1
        params = layer.axes[0]
        span = params.dilation * (params.kernel - 1) + 1
        r, stride, padding = r + (span - 1) * stride, params.stride * stride, padding + params.pad_before * stride
        computed = result.axes[0]
        assert (computed.receptive_field, computed.effective_stride, computed.effective_padding) == (
            r,
            stride,
            padding,
        ), layer.name
        start = -padding + (r - 1) / 2
        assert computed.start == start, layer.name
        for unit in (0, 1, computed.output_size - 1):
            u = -padding + unit * stride
            v = u + r - 1
            assert computed.interval(unit) == (u, v), (layer.name, unit)
            assert start + unit * stride == (u + v) / 2
    # Five convs and three pools in AlexNet, thirteen convs and five pools in VGG-16.
    assert checked == {"alexnet": 8, "vgg16": 18}[name]
