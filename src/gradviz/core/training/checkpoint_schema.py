"""What a checkpoint may hold, checked before anything in it is loaded.

``torch.load(weights_only=True)`` refuses code, but it still accepts any tensor:
a 1-element tensor expanded to a billion elements costs 4 bytes in the file and
gigabytes once ``load_state_dict`` converts it. So every tensor is compared with
what this session's model and optimizer expect (shape, dtype, and a plain dense
layout), every setting with its expected type, and every index with its range,
before ``load_state_dict`` sees any of it. The first mismatch raises
:class:`SchemaError` with one line naming the field.
"""

from __future__ import annotations

from typing import Any

import torch

from gradviz.core.i18n import _
from gradviz.core.training.config import describe, is_finite_number
from gradviz.core.training.optim import make_optimizer
from gradviz.core.training.session import TrainSession


class SchemaError(ValueError):
    """A field of the checkpoint is not what this model and optimizer expect."""


def check_payload(payload: dict[str, Any], session: TrainSession) -> int:
    """Check model, optimizer, loader and step of ``payload`` against ``session`` (a fresh
    session built from the checkpoint's config); returns the step."""
    for key, kind in (("model", dict), ("optimizer", dict), ("loader", dict)):
        if key not in payload:
            raise SchemaError(_("the {key} state is missing").format(key=key))
        if not isinstance(payload[key], kind):
            raise SchemaError(
                _("the {key} state is a {kind}, not a mapping").format(
                    key=key, kind=type(payload[key]).__name__
                )
            )
    check_model_state(payload["model"], session)
    check_optimizer_state(payload["optimizer"], session)
    check_loader_state(payload["loader"], session)
    return check_step(payload.get("step"), session)


def _shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(n) for n in t.shape) + ("," if t.dim() == 1 else "") + ")"


def check_tensor(what: str, value: object, like: torch.Tensor) -> None:
    """``value`` must be a plain dense tensor with ``like``'s shape and dtype."""
    if not isinstance(value, torch.Tensor):
        raise SchemaError(
            _("{what} is a {kind}, not a tensor").format(what=what, kind=type(value).__name__)
        )
    if value.shape != like.shape:
        raise SchemaError(
            _("{what} has shape {value}, expected {value2}").format(
                what=what, value=_shape(value), value2=_shape(like)
            )
        )
    if value.dtype != like.dtype:
        raise SchemaError(
            _("{what} is {dtype}, expected {dtype2}").format(
                what=what, dtype=value.dtype, dtype2=like.dtype
            )
        )
    if value.layout != torch.strided or value.is_quantized or value.device.type != "cpu":
        raise SchemaError(_("{what} is not a plain tensor in memory").format(what=what))
    stored = value.untyped_storage().nbytes()
    needed = value.numel() * value.element_size()
    if not value.is_contiguous() or value.storage_offset() != 0 or stored != needed:
        raise SchemaError(
            _(
                "{what} is an expanded or strided view ({stored} bytes stored for {needed}), not "
                "a plain tensor"
            ).format(what=what, stored=f"{stored:,}", needed=f"{needed:,}")
        )


def check_model_state(state: dict, session: TrainSession) -> None:
    expected = session.model.state_dict()
    missing = [k for k in expected if k not in state]
    extra = [str(k) for k in state if k not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(_("missing {names}").format(names=", ".join(missing[:4])))
        if extra:
            parts.append(_("unexpected {names}").format(names=", ".join(e[:40] for e in extra[:4])))
        raise SchemaError(
            _("the weights do not fit the model ({value})").format(value="; ".join(parts))
        )
    for key, like in expected.items():
        check_tensor(_("weight {key}").format(key=key), state[key], like)


def _reference_optimizer_state(session: TrainSession) -> dict:
    """The state dict of the same optimizer after one step: the tensors a real one holds."""
    params = [p.detach().clone().requires_grad_(True) for p in session.model.parameters()]
    for p in params:
        p.grad = torch.zeros_like(p)
    c = session.config
    opt = make_optimizer(c.optimizer, params, c.lr, c.weight_decay, c.momentum)
    opt.step()
    return opt.state_dict()


def check_optimizer_state(state: dict, session: TrainSession) -> None:
    fresh = session.optimizer.state_dict()
    ref = _reference_optimizer_state(session)
    if set(state) != {"state", "param_groups"}:
        raise SchemaError(_("the optimizer state needs exactly 'state' and 'param_groups'"))
    groups = state["param_groups"]
    if not isinstance(groups, list) or len(groups) != len(fresh["param_groups"]):
        raise SchemaError(
            _("the optimizer state needs {value} parameter group(s)").format(
                value=len(fresh["param_groups"])
            )
        )
    for group, like in zip(groups, fresh["param_groups"], strict=True):
        _check_group(group, like)
    per_param = state["state"]
    if not isinstance(per_param, dict):
        raise SchemaError(_("the optimizer's per-parameter state is not a mapping"))
    params = [i for g in fresh["param_groups"] for i in g["params"]]
    by_index = dict(enumerate(session.model.parameters()))
    for index, entry in per_param.items():
        if type(index) is not int or index not in params:
            raise SchemaError(
                _("the optimizer holds state for unknown parameter {index}").format(
                    index=f"{index!r:.40}"
                )
            )
        _check_param_state(index, entry, ref["state"].get(index, {}), by_index[index])


def _check_group(group: object, like: dict) -> None:
    if not isinstance(group, dict) or set(group) != set(like):
        raise SchemaError(_("the optimizer's settings do not match its kind"))
    ids = group["params"]
    # plain ints before comparing: a tensor in the list would make == ambiguous
    if not isinstance(ids, list) or any(type(i) is not int for i in ids) or ids != like["params"]:
        raise SchemaError(_("the optimizer's parameter list does not fit the model"))
    for key, expected in like.items():
        if key != "params":
            _check_setting(_("optimizer setting {key}").format(key=key), group[key], expected)


def _check_setting(what: str, value: object, expected: object) -> None:
    if expected is None:  # "foreach", "fused": unset, or a switch
        ok = value is None or type(value) is bool
    elif isinstance(expected, bool):
        ok = type(value) is bool
    elif isinstance(expected, (int, float)):
        ok = is_finite_number(value)
    elif isinstance(expected, (tuple, list)):
        ok = (
            isinstance(value, (tuple, list))
            and len(value) == len(expected)
            and all(map(is_finite_number, value))
        )
    else:
        ok = type(value) is type(expected)
    if not ok:
        raise SchemaError(
            _("{what} is {value}, expected {value2}").format(
                what=what, value=describe(value), value2=describe(expected)
            )
        )


def _check_param_state(index: int, entry: object, ref: dict, param: torch.Tensor) -> None:
    what = _("the optimizer state of parameter {index}").format(index=index)
    if not isinstance(entry, dict):
        raise SchemaError(
            _("{what} is a {kind}, not a mapping").format(what=what, kind=type(entry).__name__)
        )
    if set(entry) != set(ref):
        extra = sorted(str(k)[:30] for k in set(entry) - set(ref))
        missing = sorted(set(ref) - set(entry))
        detail = "; ".join(
            [_("unexpected {names}").format(names=", ".join(extra))] * bool(extra)
            + [_("missing {names}").format(names=", ".join(missing))] * bool(missing)
        )
        raise SchemaError(
            _("{what} does not fit the optimizer ({detail})").format(what=what, detail=detail)
        )
    for key, value in entry.items():
        like = ref[key]
        if like is None:
            if value is not None:
                raise SchemaError(_("{what}: {key} should be empty").format(what=what, key=key))
            continue
        check_tensor(f"{what}: {key}", value, like)


def check_loader_state(state: dict, session: TrainSession) -> None:
    if set(state) != {"generator", "perm", "pos"}:
        raise SchemaError(_("the shuffle state needs exactly generator, perm and pos"))
    check_tensor(
        _("the shuffle generator's state"), state["generator"], session.generator.get_state()
    )
    n = session.data.n_train
    perm = state["perm"]
    if perm is not None:
        check_tensor(_("the shuffle order"), perm, torch.empty(n, dtype=torch.int64))
        if not torch.equal(torch.sort(perm).values, torch.arange(n)):
            raise SchemaError(
                _("the shuffle order is not an order of the {n} training samples").format(
                    n=f"{n:,}"
                )
            )
    pos = state["pos"]
    top = n + session.config.batch_size  # the last batch of an epoch may run past the end
    if isinstance(pos, bool) or not isinstance(pos, int) or not 0 <= pos <= top:
        raise SchemaError(
            _("the shuffle position {value} is not in 0..{top}").format(
                value=describe(pos), top=f"{top:,}"
            )
        )


def check_step(step: object, session: TrainSession) -> int:
    total = session.total_steps
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= total:
        raise SchemaError(
            _("the step {value} is not a whole number from 0 to the run's {total}").format(
                value=describe(step), total=f"{total:,}"
            )
        )
    return step
