"""Layer kinds and option names that the text spec accepts, with their aliases."""

from __future__ import annotations

from rf_core.layers import PASS_THROUGH_KINDS

#: Accepted spellings of each layer kind, lower-cased.
KIND_ALIASES = {
    "conv": "conv",
    "conv1d": "conv",
    "conv2d": "conv",
    "conv3d": "conv",
    "maxpool": "maxpool",
    "maxpool1d": "maxpool",
    "maxpool2d": "maxpool",
    "maxpool3d": "maxpool",
    "avgpool": "avgpool",
    "avgpool1d": "avgpool",
    "avgpool2d": "avgpool",
    "avgpool3d": "avgpool",
    "bn": "batchnorm",
    "batchnorm1d": "batchnorm",
    "batchnorm2d": "batchnorm",
    "batchnorm3d": "batchnorm",
    "leaky_relu": "leakyrelu",
    "dropout2d": "dropout",
    "localresponsenorm": "lrn",
    "convt": "convt",
    "deconv": "convt",
    "convtranspose": "convt",
    "convtranspose1d": "convt",
    "convtranspose2d": "convt",
    "convtranspose3d": "convt",
    "upsample": "upsample",
    "pad": "pad",
    "zeropad": "pad",
    "crop": "crop",
    "globalpool": "globalpool",
    "globalavgpool": "globalpool",
    "globalmaxpool": "globalpool",
    "adaptivepool": "adaptivepool",
    "adaptiveavgpool": "adaptivepool",
    "adaptiveavgpool1d": "adaptivepool",
    "adaptiveavgpool2d": "adaptivepool",
    "adaptivemaxpool": "adaptivepool",
    "adaptivemaxpool1d": "adaptivepool",
    "adaptivemaxpool2d": "adaptivepool",
    "fc": "fc",
    "linear": "fc",
    "dense": "fc",
    "add": "add",
    "sum": "add",
    "concat": "concat",
    "cat": "concat",
    **{kind: kind for kind in PASS_THROUGH_KINDS},
}

#: Option spellings, mapped to the short name used in messages.
OPTION_ALIASES = {
    "k": "k",
    "kernel": "k",
    "s": "s",
    "stride": "s",
    "p": "p",
    "pad": "p",
    "padding": "p",
    "d": "d",
    "dilation": "d",
    "name": "name",
    "ceil": "ceil",
    "from": "from",
    "g": "g",
    "groups": "g",
    "op": "op",
    "output_padding": "op",
    "f": "f",
    "scale": "f",
    "o": "o",
    "output_size": "o",
    "c": "c",
    "crop": "c",
}

VALID_OPTIONS = {
    "conv": ("k", "s", "p", "d", "g", "name", "from"),
    "maxpool": ("k", "s", "p", "d", "ceil", "name", "from"),
    "avgpool": ("k", "s", "p", "ceil", "name", "from"),
    "convt": ("k", "s", "p", "op", "d", "g", "name", "from"),
    "upsample": ("f", "name", "from"),
    "pad": ("p", "name", "from"),
    "crop": ("c", "name", "from"),
    "adaptivepool": ("o", "name", "from"),
}

#: Options of every other kind (pass-through, merge, global pooling, fc).
DEFAULT_OPTIONS = ("name", "from")
