"""Tensor factories the editor offers: every constructor the seed notes use.

Like the op catalog, each factory is data: its parameters (typed as text),
the torch call, and the code line. The common options (dtype, device,
requires_grad, seed) are added by the workspace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from gradviz.core.i18n import N_
from gradviz.core.ops import DTYPES, Param

__all__ = ["DTYPES", "FACTORIES", "FactorySpec"]


@dataclass(frozen=True)
class FactorySpec:
    name: str
    doc: str
    params: tuple[Param, ...]
    call: Callable[..., torch.Tensor]  # parsed params + dtype/device/requires_grad keywords
    code: str  # template like ops.OpSpec.code; "{opts}" is where dtype/device/... go
    random: bool = False  # uses the RNG, so a seed makes it reproducible
    like: bool = False  # takes an existing tensor ("*_like")
    example: tuple[tuple[str, str], ...] = ()


SHAPE = Param("size", "shape", help=N_("e.g. 2, 3"))
FACTORIES: dict[str, FactorySpec] = {}


def _f(spec: FactorySpec) -> None:
    FACTORIES[spec.name] = spec


_f(FactorySpec(
    "tensor", N_("From a nested-list literal, e.g. [[1, 2], [3, 4]]."),
    (Param("data", "literal"),),
    lambda data, **o: torch.tensor(data, **o), "torch.tensor({data}{opts})",
    example=(("data", "[[1., 2.], [3., 4.]]"),),
))  # fmt: skip
for _name, _doc in (
    ("zeros", N_("All zeros.")),
    ("ones", N_("All ones.")),
    ("empty", N_("Uninitialised memory: the values are whatever was there.")),
    ("rand", N_("Uniform on [0, 1).")),
    ("randn", N_("Standard normal: mean 0, std 1.")),
):
    _f(FactorySpec(
        _name, _doc, (SHAPE,),
        (lambda fn: lambda size, **o: fn(size, **o))(getattr(torch, _name)),
        f"torch.{_name}({{size*}}{{opts}})", random=_name in ("rand", "randn"),
        example=(("size", "2, 3"),),
    ))  # fmt: skip
_f(FactorySpec(
    "full", N_("Every element equal to fill_value."),
    (SHAPE, Param("fill_value", "number")),
    lambda size, fill_value, **o: torch.full(size, fill_value, **o),
    "torch.full({size,}, {fill_value}{opts})", example=(("size", "2, 2"), ("fill_value", "7.")),
))  # fmt: skip
_f(FactorySpec(
    "eye", N_("Identity matrix (n × m)."),
    (Param("n", "int"), Param("m", "int", None)),
    lambda n, m, **o: torch.eye(n, m, **o) if m is not None else torch.eye(n, **o),
    "torch.eye({n}⟦, {m}⟧{opts})", example=(("n", "3"),),
))  # fmt: skip
_f(FactorySpec(
    "arange", N_("start, start+step, … below end."),
    (Param("start", "number", 0), Param("end", "number"), Param("step", "number", 1)),
    lambda start, end, step, **o: torch.arange(start, end, step, **o),
    "torch.arange(⟦{start}, {step~}⟧{end}⟦, {step}⟧{opts})", example=(("end", "12"),),
))  # fmt: skip
_f(FactorySpec(
    "linspace", N_("steps evenly spaced points from start to end."),
    (Param("start", "number"), Param("end", "number"), Param("steps", "int")),
    lambda start, end, steps, **o: torch.linspace(start, end, steps, **o),
    "torch.linspace({start}, {end}, {steps}{opts})",
    example=(("start", "-1"), ("end", "1"), ("steps", "5")),
))  # fmt: skip
_f(FactorySpec(
    "randint", N_("Uniform integers in [low, high)."),
    (Param("low", "int", 0), Param("high", "int"), SHAPE),
    lambda low, high, size, **o: torch.randint(low, high, size, **o),
    "torch.randint({low}, {high}, {size,}{opts})", random=True,
    example=(("high", "10"), ("size", "2, 3")),
))  # fmt: skip
_f(FactorySpec(
    "randperm", N_("A random permutation of 0 … n−1."),
    (Param("n", "int"),), lambda n, **o: torch.randperm(n, **o),
    "torch.randperm({n}{opts})", random=True, example=(("n", "6"),),
))  # fmt: skip
_f(FactorySpec(
    "normal", N_("Normal samples with the given mean and std."),
    (Param("mean", "float", 0.0), Param("std", "float", 1.0), SHAPE),
    lambda mean, std, size, **o: torch.normal(mean, std, size, **o),
    "torch.normal({mean}, {std}, {size,}{opts})", random=True,
    example=(("size", "3"),),
))  # fmt: skip
for _name, _doc, _random in (
    (
        "zeros_like",
        N_("Zeros with the shape (and by default dtype/device) of another tensor."),
        False,
    ),
    ("ones_like", N_("Ones shaped like another tensor."), False),
    ("empty_like", N_("Uninitialised, shaped like another tensor."), False),
    ("rand_like", N_("Uniform [0, 1), shaped like another tensor."), True),
    ("randn_like", N_("Standard normal, shaped like another tensor."), True),
):
    _f(FactorySpec(
        _name, _doc, (Param("input", "tensor"),),
        (lambda fn: lambda input, **o: fn(input, **o))(getattr(torch, _name)),
        f"torch.{_name}({{input}}{{opts}})", random=_random, like=True,
        example=(("input", "[[1., 2.], [3., 4.]]"),),
    ))  # fmt: skip
_f(FactorySpec(
    "full_like", N_("fill_value everywhere, shaped like another tensor."),
    (Param("input", "tensor"), Param("fill_value", "number")),
    lambda input, fill_value, **o: torch.full_like(input, fill_value, **o),
    "torch.full_like({input}, {fill_value}{opts})", like=True,
    example=(("input", "[1., 2.]"), ("fill_value", "3.")),
))  # fmt: skip
