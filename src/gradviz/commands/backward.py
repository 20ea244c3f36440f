"""``gradviz backward SCRIPT.py [--tensor NAME]``: run backward for real and print each step.

Without ``--tensor`` the script runs (like ``python SCRIPT.py``) with every
backward call it makes itself recorded (``loss.backward()``,
``torch.autograd.backward``, ``torch.autograd.grad``); the calls are listed
and the steps of the last one (or ``--call N``) are printed.

With ``--tensor NAME`` (for a script that does not call backward), backward
runs from that module-level tensor with every node hooked, and each node the
engine ran is printed in order: what arrived, what it sent and where to.
Leaves are named after the script's module-level variables.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gradviz.cli import CommandError
from gradviz.core.i18n import _

VALUES_UP_TO = 8  # gradients with at most this many elements are printed value by value


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "backward",
        help=_("run backward from a script's tensor and print every step (runs the script)"),
        description=_(
            "Run SCRIPT.py (it is executed, exactly like `python SCRIPT.py`). Without --tensor, "
            "every backward() / autograd.grad() call the script makes is recorded through the "
            "real engine: the calls are listed, then the steps of the last one (--call N picks "
            "another). With --tensor NAME (a script that does not call backward itself), "
            "backward is called from that module-level tensor. Steps are printed in the order "
            "PyTorch's engine ran them: the gradient that reached each node, the gradients it "
            "sent on, and finally each leaf's .grad."
        ),
        epilog=_(
            "A non-scalar tensor needs --grad, a gradient v of its shape: backward(v) computes "
            "the gradient of sum(v * NAME). Examples: "
            "`gradviz backward train.py --json calls.json`; "
            "`gradviz backward model.py --tensor loss`"
        ),
    )
    p.add_argument("script", metavar="SCRIPT.py", help=_("the Python script to run"))
    p.add_argument(
        "--tensor",
        "-t",
        metavar="NAME",
        help=_(
            "start backward from this module-level tensor (for a script that does not call "
            "backward itself)"
        ),
    )
    p.add_argument(
        "--grad",
        metavar="LITERAL",
        help=_("the gradient to start from, e.g. '[1.0, 0.5]' (needed when NAME is not a scalar)"),
    )
    p.add_argument(
        "--call",
        metavar="N",
        type=int,
        help=_(
            "without --tensor: print the steps of the script's N-th backward call "
            "(1 = first; default: the last)"
        ),
    )
    p.add_argument("--json", metavar="FILE", help=_("also write the trace as JSON to FILE"))


def _check_json(path: str | None) -> Path | None:
    if path is None:
        return None
    out = Path(path)
    if out.parent and not out.parent.exists():
        raise CommandError(
            _("cannot write {out}: folder {folder} does not exist").format(
                out=path, folder=out.parent
            )
        )
    if out.is_dir():
        raise CommandError(_("cannot write {out}: it is a folder").format(out=path))
    return out


def _parse_grad(text: str | None) -> Any:
    """The --grad literal as a nested list (or number), parsed with ast, never eval."""
    if text is None:
        return None
    from gradviz.core import literals

    try:
        return literals.parse_tensor_literal(text)
    except literals.LiteralError as exc:
        raise CommandError(f"--grad: {exc}") from None


def _shape(shape: Any) -> str:
    return str(tuple(shape))


def _seed(root: Any, name: str, value: Any) -> Any:
    import torch

    if value is None:
        if root.numel() != 1:
            raise CommandError(
                _(
                    "{name} has shape {shape}, not a scalar: give --grad, a gradient "
                    "of shape {shape} (backward(v) computes the gradient of "
                    "sum(v * {name}))"
                ).format(name=name, shape=_shape(root.shape))
            )
        return None
    try:
        grad = torch.tensor(value, dtype=root.dtype, device=root.device)
    except (TypeError, ValueError, RuntimeError) as exc:
        raise CommandError(
            _("--grad: cannot make a {dtype} tensor of it ({error})").format(
                dtype=root.dtype, error=exc
            )
        ) from None
    if tuple(grad.shape) != tuple(root.shape):
        raise CommandError(
            _(
                "--grad has shape {grad_shape} but {name} has shape {shape}: "
                "give a gradient of shape {shape}"
            ).format(grad_shape=_shape(grad.shape), name=name, shape=_shape(root.shape))
        )
    return grad


def _names(namespace: dict[str, Any]) -> dict[str, Any]:
    """Module-level tensors by variable name, and the parameters of module-level nn.Modules."""
    import torch

    from gradviz.core.script import tensors_in

    names = dict(tensors_in(namespace))
    for var, value in namespace.items():
        if isinstance(value, torch.nn.Module) and not var.startswith("_"):
            for pname, param in value.named_parameters():
                names.setdefault(f"{var}.{pname}", param)
    return names


def _grad_text(g: Any) -> str:
    from gradviz.core.backward import norm_of, shape_text, values_text

    if g is None:
        return "None"
    shown = values_text(g, VALUES_UP_TO)
    if shown is not None:
        return f"{shape_text(g)}  {shown}"
    return f"{shape_text(g)}  ‖g‖={norm_of(g):.4g}"


def _step_lines(trace: Any, step: Any, total: int, labels: dict[str, str]) -> list[str]:
    from gradviz.core.backward import ACCUMULATE

    if step.label == ACCUMULATE:
        head = _("step {i}/{total}  {leaf_name}.grad += incoming").format(
            i=step.index + 1, total=total, leaf_name=trace.leaf_name(step.node)
        )
    else:
        head = _("step {i}/{total}  {label}").format(
            i=step.index + 1, total=total, label=step.label
        )
    lines = [head]
    for i, g in enumerate(step.grad_in):
        tag = "in " if i == 0 else "   "
        lines.append(f"    {tag} {_grad_text(g)}")
    for i, (g, dest) in enumerate(zip(step.grad_out, step.inputs, strict=False)):
        tag = "out" if i == 0 else "   "
        where = _("(no gradient needed)") if dest is None else f"→ {labels.get(dest, dest)}"
        lines.append(f"    {tag} {_grad_text(g) if g is not None else '—'}  {where}")
    return lines


def run(args: argparse.Namespace) -> int:
    out = _check_json(args.json)  # before running anything: a typo costs nothing
    if args.tensor is None:
        if args.grad is not None:
            raise CommandError(
                _("--grad needs --tensor (a recorded call already has its gradient)")
            )
        return _run_recorded(args, out)
    if args.call is not None:
        raise CommandError(_("--call picks one of the script's own backward calls: drop --tensor"))
    value = _parse_grad(args.grad)
    from gradviz.core.script import run_releasing_graphs

    # a 100 000-node graph must be freed node by node, or exit segfaults
    return run_releasing_graphs(lambda keep: _run(args, out, value, keep))


def _run(args: argparse.Namespace, out: Path | None, value: Any, keep: list) -> int:
    from gradviz.core.backward import ACCUMULATE, shape_text, trace_backward
    from gradviz.core.errors import explain, one_line
    from gradviz.core.script import (
        ScriptError,
        describe_error,
        graph_nodes,
        pick_tensor,
        run_script,
    )

    try:
        namespace = run_script(args.script)
        keep.extend(graph_nodes(namespace))
        root = pick_tensor(namespace, args.tensor)
    except ScriptError as exc:
        raise CommandError(str(exc)) from None
    name = args.tensor
    if not root.requires_grad:
        raise CommandError(
            _(
                "{name} does not require grad: no tensor it was computed from requires grad "
                "(or it was detached / made under torch.no_grad()), so there is nothing to "
                "backpropagate"
            ).format(name=name)
        )
    grad = _seed(root, name, value)
    try:
        trace = trace_backward(root, grad, names=_names(namespace))
    except RuntimeError as exc:  # PyTorch's own refusals have plain explanations
        raise CommandError(one_line(explain(exc))) from None
    except Exception as exc:  # a custom Function or a hook in the script raised
        raise CommandError(
            describe_error(exc, _("backward stopped: the script's code raised"), args.script)
        ) from None

    labels = {s.node: s.label for s in trace.steps if s.label != ACCUMULATE}
    labels.update({lid: leaf.name for lid, leaf in trace.leaves.items()})
    start = "1" if grad is None else _grad_text(grad)
    print(
        _("backward from {name} ({size}), starting gradient {start}").format(
            name=name, size=shape_text(root), start=start
        )
    )
    print(_("{n} steps, in the order PyTorch's engine ran them:").format(n=len(trace.steps)))
    for step in trace.steps:
        print("\n".join(_step_lines(trace, step, len(trace.steps), labels)))
    print(_("leaf gradients (.grad after backward):"))
    width = max((len(leaf.name) for leaf in trace.leaves.values()), default=0)
    for leaf in trace.leaves.values():
        print(f"  {leaf.name:<{width}}  {_grad_text(leaf.after)}")
    if out is not None:
        try:
            out.write_text(json.dumps(trace.to_json()) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                _("cannot write {out}: {reason}").format(out=out, reason=exc.strerror or exc)
            ) from None
        print(_("wrote {out}").format(out=out))
    return 0


def _run_recorded(args: argparse.Namespace, out: Path | None) -> int:
    """Run the script with every backward call it makes recorded; list them, show one."""
    from gradviz.core.backward import ACCUMULATE, shape_text
    from gradviz.core.recorded_calls import record_script, script_names
    from gradviz.core.script import ScriptError

    try:
        namespace, calls = record_script(args.script)
    except ScriptError as exc:
        raise CommandError(str(exc)) from None
    if not calls:
        raise CommandError(
            _(
                "{script} made no backward call: give --tensor NAME to run backward from one "
                "of its tensors"
            ).format(script=args.script)
        )
    pick = len(calls) if args.call is None else args.call
    if not 1 <= pick <= len(calls):
        raise CommandError(
            _("--call {call}: the script made {n} backward call(s)").format(
                call=args.call, n=len(calls)
            )
        )
    print(_("{script} made {n} backward call(s):").format(script=args.script, n=len(calls)))
    width = len(str(len(calls)))
    for i, call in enumerate(calls, start=1):
        kept = "" if call.kept else "  " + _("(steps not kept)")
        print(f"  {i:>{width}}. {call.summary()}{kept}  {call.source_line}")
    call = calls[pick - 1]
    if not call.kept:
        raise CommandError(
            _(
                "call {pick}'s steps were not kept: gradviz keeps the steps of the first call and "
                "of the most recent ones (see gradviz.core.recording.FULL_CALLS)"
            ).format(pick=pick)
        )
    labels = {s.node: s.label for s in call.steps if s.label != ACCUMULATE}
    labels.update({lid: leaf.name for lid, leaf in call.leaves.items()})
    root = call.root_name or _("an unnamed tensor")
    shape = shape_text(call.root) if call.root is not None else "?"
    print(
        _(
            "call {pick}: line {line}, {kind} from {root} ({size}), "
            "{n} steps in the order PyTorch's engine ran them:"
        ).format(
            pick=pick, line=call.line, kind=call.kind, root=root, size=shape, n=len(call.steps)
        )
    )
    for step in call.steps:
        print("\n".join(_step_lines(call, step, len(call.steps), labels)))
    if call.leaves:
        print(_("leaf gradients (.grad after this call):"))
        lw = max(len(leaf.name) for leaf in call.leaves.values())
        for leaf in call.leaves.values():
            print(f"  {leaf.name:<{lw}}  {_grad_text(leaf.after)}")
    if out is not None:
        names = script_names(namespace)
        data = {
            "calls": [c.to_json() for c in calls],
            "grads": {
                n: t.grad.detach().cpu().tolist()
                for n, t in names.items()
                if t.is_leaf and t.grad is not None
            },
        }
        try:
            out.write_text(json.dumps(data) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CommandError(
                _("cannot write {out}: {reason}").format(out=out, reason=exc.strerror or exc)
            ) from None
        print(_("wrote {out}").format(out=out))
    return 0
