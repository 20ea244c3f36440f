"""``gradviz train``: train a demo net headless, with a progress bar on stderr.

gradviz train --demo NAME [--device cpu|cuda|cuda:N|mps] [--epochs N | --steps N]
              [--batch-size N] [--lr F] [--optimizer NAME] [--hidden 16,16]
              [--activation NAME] [--seed N] [--csv FILE] [--json FILE] [--checkpoint FILE]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time

from gradviz.cli import CommandError
from gradviz.core.i18n import _

DEMOS = ("linreg", "twolayer", "circles", "xor", "gauss", "spiral", "moons")  # see config.DEMOS


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train",
        help=_("train a demo net headless (progress on stderr)"),
        description=_(
            "Train one of the demo nets without the GUI. Unset options take the "
            "demo's defaults (linreg: SGD lr 0.03, batch 10, 3 epochs, as in d2l 3.3)."
        ),
    )
    p.add_argument(
        "--demo", metavar="NAME", help=_("one of: {names}").format(names=", ".join(DEMOS))
    )
    p.add_argument("--device", default="cpu", help=_("cpu, cuda, cuda:N or mps (default: cpu)"))
    span = p.add_mutually_exclusive_group()
    span.add_argument("--epochs", type=int, metavar="N", help=_("passes over the training data"))
    span.add_argument("--steps", type=int, metavar="N", help=_("number of mini-batch steps"))
    p.add_argument("--batch-size", type=int, metavar="N")
    p.add_argument("--lr", type=float, metavar="F", help=_("learning rate"))
    p.add_argument("--optimizer", metavar="NAME", help=_("sgd, sgd_momentum, adam, adamw, rmsprop"))
    p.add_argument("--weight-decay", type=float, metavar="F")
    p.add_argument("--hidden", metavar="SIZES", help=_("hidden layer sizes, e.g. 16,16"))
    p.add_argument(
        "--activation", metavar="NAME", help=_("relu, tanh, sigmoid, elu, leaky_relu, gelu, linear")
    )
    p.add_argument("--noise", type=float, metavar="F", help=_("data noise (2-D demos, linreg)"))
    p.add_argument("--seed", type=int, metavar="N", help=_("seed for data, weights and batches"))
    p.add_argument("--csv", metavar="FILE", help=_("write the metrics history as CSV"))
    p.add_argument("--json", metavar="FILE", help=_("write a JSON summary of the run"))
    p.add_argument("--checkpoint", metavar="FILE", help=_("save the trained model here"))
    p.add_argument("-q", "--quiet", action="store_true", help=_("no progress bar"))
    _register_your_model(p)

    def one_line_error(message: str) -> None:
        # argparse would print the whole usage; one clear line is easier to act on
        p.exit(2, _("gradviz train: error: {message}").format(message=message) + "\n")

    p.error = one_line_error  # type: ignore[method-assign]


def _overrides(args: argparse.Namespace) -> dict:
    from gradviz.core.literals import LiteralError, parse_int_list

    out: dict = {"device": args.device}
    for key in ("epochs", "steps", "batch_size", "lr", "optimizer", "weight_decay"):
        value = getattr(args, key)
        if value is not None:
            out[key] = value
    for key in ("activation", "noise", "seed"):
        value = getattr(args, key)
        if value is not None:
            out[key] = value
    if args.hidden is not None:
        text = args.hidden.strip()
        if text in ("", "()", "[]", "none"):
            out["hidden"] = ()
        else:
            try:
                out["hidden"] = parse_int_list(text, "--hidden")
            except LiteralError as exc:
                raise CommandError(_("{exc} (expected sizes like 16,16)").format(exc=exc)) from None
    return out


def _headless_options(options_cls, *, csv: bool, live_bar: bool):
    """Metrics for what a headless run outputs, and nothing more.

    Nobody sees histograms, activations or boundaries here. The CSV gets the scalars
    (batch loss, gradient norms) a few times a second and an evaluation each epoch;
    without ``--csv`` only the progress bar reads reports (the batch loss), and the
    final evaluation is done once after training.
    """
    off = {"histograms": False, "activations": False, "boundary": False}
    if csv:
        return options_cls(**off, every_epoch=True)
    never = float("inf")
    return options_cls(
        **off,
        grad_norms=False,
        evaluate=False,
        # a terminal bar redraws at 10 Hz; otherwise the cpu reports every 10 % of the
        # steps (below) and a device, where reports go by the clock alone, twice a second
        report_interval=0.1 if live_bar else 0.5,
        detail_interval=never,
        histogram_interval=never,
        min_reports=10,  # a line per 10 % when stderr is not a terminal
        min_details=1,
        min_histograms=1,
    )


class _Progress:
    """A one-line progress bar on stderr (a line per 10 % when stderr is not a terminal)."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.tty = sys.stderr.isatty()
        self.last_draw = 0.0
        self.last_tenth = -1

    @property
    def live(self) -> bool:
        """A bar redrawn in place (so it wants frequent reports)."""
        return not self.quiet and self.tty

    def __call__(self, r) -> None:
        if self.quiet:
            return
        from gradviz.core.training.report import progress_text

        loss = (
            _(" · loss {loss}").format(loss=f"{r.train_loss:.4g}")
            if r.train_loss is not None
            else ""
        )
        text = progress_text(r) + loss
        if self.tty:
            now = time.monotonic()
            if now - self.last_draw < 0.1 and r.status == "running":
                return
            self.last_draw = now
            filled = int(30 * r.progress)
            bar = "#" * filled + "-" * (30 - filled)
            sys.stderr.write(f"\r[{bar}] {100 * r.progress:3.0f}% {text}\x1b[K")
            sys.stderr.flush()
        else:
            tenth = int(10 * r.progress)
            if tenth > self.last_tenth:
                self.last_tenth = tenth
                sys.stderr.write(f"{100 * r.progress:3.0f}% {text}\n")

    def close(self) -> None:
        if not self.quiet and self.tty:
            sys.stderr.write("\n")


def run(args: argparse.Namespace) -> int:
    from gradviz.core.devices import DeviceError
    from gradviz.core.training.checkpoint import CheckpointError, check_writable, save_checkpoint
    from gradviz.core.training.config import ConfigError, default_config
    from gradviz.core.training.history import RunHistory
    from gradviz.core.training.loop import MetricOptions, TrainState, evaluate, train
    from gradviz.core.training.session import TrainSession

    if not args.demo and not args.model:
        raise CommandError(
            _("--demo is required (or --model FILE.py): choose one of {value}").format(
                value=", ".join(DEMOS)
            )
        )
    if args.demo and args.model:
        raise CommandError(_("give --demo or --model, not both"))
    # refuse unwritable outputs before spending time on training
    for flag in ("csv", "json", "checkpoint"):
        path = getattr(args, flag)
        if path is not None:
            try:
                check_writable(path)
            except CheckpointError as exc:
                raise CommandError(_("--{flag}: {exc}").format(flag=flag, exc=exc)) from None
    try:
        config = default_config(args.demo or "custom", **_overrides(args), **_your_model(args))
        config = config.validate()
        session = TrainSession(config)
    except (ConfigError, DeviceError) as exc:
        raise CommandError(str(exc)) from None

    history = RunHistory()
    progress = _Progress(args.quiet)

    def on_report(r) -> None:
        history.add(r)
        progress(r)

    options = _headless_options(MetricOptions, csv=bool(args.csv), live_bar=progress.live)
    state = TrainState(on_report=on_report, options=options, on_nonfinite="stop", cpu_threads=1)
    try:
        with _StopOnCtrlC(state) as ctrl_c:
            result = train(session, state)
    finally:
        progress.close()
    if result.status == "error":
        raise CommandError(result.message)

    status = "interrupted" if ctrl_c.pressed else result.status
    t0 = time.perf_counter()
    final = evaluate(session)
    eval_seconds = time.perf_counter() - t0
    summary = {
        "demo": _source_name(config),
        "device": str(session.device),
        "status": status,
        "steps": result.step,
        "epochs": _epochs(result.step, session.steps_per_epoch),
        "final_loss": _num(final["train_loss"]),
        "train_accuracy": _num(final["train_accuracy"]),
        "test_accuracy": _num(final["test_accuracy"]),
        "steps_per_second": round(result.steps_per_second, 1),  # training steps alone
        "train_seconds": round(result.train_seconds, 4),
        "metrics_seconds": round(result.report_seconds, 4),  # reports during training
        "eval_seconds": round(eval_seconds, 4),  # the final evaluation on all the data
        "params": _linreg_params(session) if config.demo == "linreg" else None,
    }
    try:
        if args.checkpoint:
            save_checkpoint(session, args.checkpoint)
        if args.csv:
            history.write_csv(args.csv)
        if args.json:
            from pathlib import Path

            from gradviz.core.training.checkpoint import atomic_write_bytes

            text = json.dumps(summary, indent=2) + "\n"
            atomic_write_bytes(Path(args.json), text.encode("utf-8"))
    except (CheckpointError, OSError) as exc:
        raise CommandError(str(exc)) from None

    if ctrl_c.pressed:
        written = [f for f in ("csv", "json", "checkpoint") if getattr(args, f)]
        what = _("; wrote {files} for them").format(files=", ".join(written)) if written else ""
        said = _("gradviz train: interrupted after {step} of {total} steps{what}").format(
            step=f"{result.step:,}", total=f"{session.total_steps:,}", what=what
        )
        sys.stderr.write(said + "\n")
        return 130  # 128 + SIGINT, as a shell reports an interrupted command
    if result.status == "nan":  # outputs are written, so the run can be looked at
        raise CommandError(result.message)
    print(_summary_line(summary))
    return 0


class _StopOnCtrlC:
    """The first Ctrl-C ends training after the current layer, so the steps done are
    written out; a second one interrupts at once (the usual KeyboardInterrupt)."""

    def __init__(self, state) -> None:
        self.state = state
        self.pressed = False
        self._old = None

    def _handler(self, signum, frame) -> None:
        if self.pressed:
            raise KeyboardInterrupt
        self.pressed = True
        self.state.cancel()

    def __enter__(self) -> _StopOnCtrlC:
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _epochs(steps: int, per_epoch: int) -> int | float:
    epochs = steps / per_epoch
    return int(epochs) if epochs.is_integer() else round(epochs, 3)


def _num(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


def _linreg_params(session) -> dict:
    lin = session.model[0]
    return {
        "w": [float(v) for v in lin.weight.detach().cpu().reshape(-1)],
        "b": float(lin.bias.detach().cpu().reshape(-1)[0]),
    }


def _summary_line(s: dict) -> str:
    head = _("{demo} on {device}: {steps} steps ({epochs} epochs)").format(
        demo=s["demo"], device=s["device"], steps=f"{s['steps']:,}", epochs=s["epochs"]
    )
    parts = [head]
    if s["final_loss"] is not None:
        parts.append(_("final loss {loss}").format(loss=f"{s['final_loss']:.6g}"))
    if s["train_accuracy"] is not None:
        parts.append(
            _("train accuracy {percent}%").format(percent=f"{100 * s['train_accuracy']:.1f}")
        )
    if s["test_accuracy"] is not None:
        parts.append(
            _("test accuracy {percent}%").format(percent=f"{100 * s['test_accuracy']:.1f}")
        )
    if s["params"]:
        w = ", ".join(f"{v:.4f}" for v in s["params"]["w"])
        parts.append(
            _("w = [{w}], b = {b} (truth w = [2, -3.4], b = 4.2)").format(
                w=w, b=f"{s['params']['b']:.4f}"
            )
        )
    parts.append(
        _("{rate} steps/s ({train} s training, {metrics} s metrics and evaluation)").format(
            rate=f"{s['steps_per_second']:,.0f}",
            train=f"{s['train_seconds']:.2f}",
            metrics=f"{s['metrics_seconds'] + s['eval_seconds']:.2f}",
        )
    )
    return "; ".join(parts)


def _register_your_model(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(_("your model (the .py file is Python code: it runs)"))
    g.add_argument(
        "--model", metavar="FILE.py", help=_("a file defining model() (and data(), loss())")
    )
    g.add_argument("--data", metavar="FILE", help=_("a .csv or .npz file instead of data()"))
    g.add_argument("--target", metavar="COL", help=_("the data file's target column"))
    g.add_argument(
        "--features", metavar="COLS", help=_("feature columns, e.g. a,b (default: rest)")
    )
    g.add_argument("--task", choices=("auto", "regression", "classification"), default="auto")
    g.add_argument(
        "--classes", type=int, metavar="N", help=_("number of classes (default: labels)")
    )


def _your_model(args: argparse.Namespace) -> dict:
    if not args.model:
        if args.data or args.target:
            raise CommandError(_("--data and --target go with --model FILE.py"))
        return {}
    out: dict = {"model_file": args.model, "task": args.task}
    if args.data:
        out["data_file"] = args.data
        if not args.target:
            raise CommandError(_("--data needs --target COL: the column to predict"))
        out["target"] = args.target
        if args.features:
            out["features"] = tuple(c.strip() for c in args.features.split(",") if c.strip())
    if args.classes is not None:
        out["n_classes"] = args.classes
    return out


def _source_name(config) -> str:
    """The demo's name, or the model file's for "your model"."""
    import os

    return os.path.basename(config.model_file) if config.is_custom else config.demo
