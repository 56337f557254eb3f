"""PyTorch module types and the rf_core geometry they map to.

Shared by the printout parser and the torch.fx importer. Standard library only,
so it runs in Pyodide.
"""

from __future__ import annotations

from dataclasses import dataclass

from rf_core.layers import AxisParams

#: Module types that change no geometry, and the rf_core kind of each. Element-wise
#: activations without a kind of their own map to `identity`, which has the same
#: geometry.
PASS_THROUGH_MODULES: dict[str, str] = {
    "ReLU": "relu",
    "ReLU6": "relu6",
    "LeakyReLU": "leakyrelu",
    "ELU": "elu",
    "GELU": "gelu",
    "SiLU": "silu",
    "Sigmoid": "sigmoid",
    "Tanh": "tanh",
    "Softmax": "softmax",
    "LogSoftmax": "softmax",
    "Softmax2d": "softmax",
    "BatchNorm1d": "batchnorm",
    "BatchNorm2d": "batchnorm",
    "BatchNorm3d": "batchnorm",
    "SyncBatchNorm": "batchnorm",
    "LayerNorm": "layernorm",
    "GroupNorm": "groupnorm",
    "InstanceNorm1d": "instancenorm",
    "InstanceNorm2d": "instancenorm",
    "InstanceNorm3d": "instancenorm",
    "LocalResponseNorm": "lrn",
    "CrossMapLRN2d": "lrn",
    "Dropout": "dropout",
    "Dropout1d": "dropout",
    "Dropout2d": "dropout",
    "Dropout3d": "dropout",
    "AlphaDropout": "dropout",
    "FeatureAlphaDropout": "dropout",
    "Identity": "identity",
    "Flatten": "identity",
    **{
        name: "identity"
        for name in (
            "Hardswish",
            "Hardsigmoid",
            "Hardtanh",
            "PReLU",
            "RReLU",
            "Mish",
            "SELU",
            "CELU",
            "Softplus",
            "Softsign",
            "LogSigmoid",
            "Tanhshrink",
            "Hardshrink",
            "Softshrink",
            "Threshold",
        )
    },
}


@dataclass(frozen=True)
class Geometry:
    """The rf_core geometry of one module, before it gets a name.

    Attributes:
        kind: rf_core layer kind.
        axes: One AxisParams per spatial axis, or one for every axis.
        padding_mode: `explicit`, `same` or `valid`.
        ceil_mode: Pooling only: PyTorch's ceil_mode.
        groups: Convolution groups.
        note: A sentence on what the conversion assumed, or "".
    """

    kind: str
    axes: tuple[AxisParams, ...] = (AxisParams(),)
    padding_mode: str = "explicit"
    ceil_mode: bool = False
    groups: int = 1
    note: str = ""
