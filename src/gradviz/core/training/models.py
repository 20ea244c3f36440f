"""Demo models: d2l's linear regression, the seed notes' two-layer net, and an MLP builder."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence

from torch import nn

from gradviz.core.i18n import _

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "leaky_relu": nn.LeakyReLU,
    "gelu": nn.GELU,
    "linear": nn.Identity,  # no non-linearity: the MLP collapses to one linear map
}


def activation(name: str) -> nn.Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            _("unknown activation {name}: choose one of {choices}").format(
                name=repr(name), choices=", ".join(ACTIVATIONS)
            )
        ) from None


def linreg_model(in_features: int = 2) -> nn.Sequential:
    """``nn.Linear(2, 1)`` initialised as in d2l: weight ~ N(0, 0.01), bias 0."""
    net = nn.Sequential(OrderedDict(linear=nn.Linear(in_features, 1)))
    net[0].weight.data.normal_(0, 0.01)
    net[0].bias.data.fill_(0)
    return net


def twolayer_model(d_in: int = 1000, h: int = 100, d_out: int = 10, act: str = "relu"):
    """Linear, ReLU, Linear: the seed notes' ``torch.nn.Sequential`` two-layer net."""
    layers = [
        ("linear1", nn.Linear(d_in, h)),
        (act, activation(act)),
        ("linear2", nn.Linear(h, d_out)),
    ]
    return nn.Sequential(OrderedDict(layers))


def mlp(in_features: int, hidden: Sequence[int], out_features: int, act: str) -> nn.Sequential:
    """``fc1, act1, fc2, act2, ..., out``: named layers so plots and messages can say which."""
    layers: OrderedDict[str, nn.Module] = OrderedDict()
    width = in_features
    for i, size in enumerate(hidden, start=1):
        layers[f"fc{i}"] = nn.Linear(width, size)
        layers[f"{act}{i}"] = activation(act)
        width = size
    layers["out"] = nn.Linear(width, out_features)
    return nn.Sequential(layers)


def param_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """Modules that own parameters directly, in forward (registration) order."""
    return [
        (name, m)
        for name, m in model.named_modules()
        if name and any(True for _ in m.parameters(recurse=False))
    ]


def activation_layers(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The activation modules of a model (whose outputs the activation plots show)."""
    kinds = tuple(ACTIVATIONS.values())
    return [(name, m) for name, m in model.named_modules() if name and isinstance(m, kinds)]
