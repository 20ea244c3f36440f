"""``gradviz.watch``: stream a training script's gradients into gradviz, cheaply.

    run = gradviz.watch(model, optimizer)
    for x, y in loader:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad(); loss.backward(); optimizer.step()
        run.log(loss=loss)
    run.close()  # also at exit, or use ``with gradviz.watch(...) as run:``

What it costs. A step that is not sampled pays for ``log()`` (a counter, a clock read
and the loss added to a running sum) and one flag check in each optimizer hook. A
sample (every ``every`` steps, or by default at most ``rate`` = 10 a second, counted in
the script thread's CPU time, so a busy machine does not make samples dearer per step)
reads the gradient norms in the optimizer's step pre-hook, when every gradient is ready,
and the update-to-weight ratios in its post-hook; histograms come with every
``histogram_every``-th sample. ``bench/watch_bench.py`` measures it: about 1 %.

On CUDA a sample's reductions stay on the device, and the records wait there too:
they are fetched together, in one transfer, at most ``MAX_FETCHES`` = 20 times a
second whatever the cadence (even ``every=1``), so steps that are not sampled never
wait for the GPU. ``device_metrics=True`` takes that path on the CPU too (tests use it).

Where it goes. Records are handed to a writer thread, which appends them to
``logdir/<name>/events.jsonl`` and, when the gradviz app is running, streams them to it
(:mod:`gradviz.core.training.watch.protocol`). If the app goes away, training goes on
and the folder keeps everything; the app can open the folder later.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import math
import os
import queue
import select
import socket
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gradviz.core.i18n import N_, _
from gradviz.core.training import metrics as M
from gradviz.core.training.models import activation_layers, param_layers
from gradviz.core.training.update_ratio import UpdateRatioProbe, layer_norms
from gradviz.core.training.watch import protocol as P
from gradviz.core.training.watch.record import (
    EVENTS,
    FORMAT,
    META,
    VERSION,
    act_record,
    hist_record,
    to_json_line,
)
from gradviz.core.training.watch.step_capture import StepCapture

log = logging.getLogger(__name__)

RATE = 10.0  # samples a second (of the clock and of the script's CPU), at most: ~1 % cost
MAX_GAP_S = 1.0  # ... and at least one a second by the clock (a script that mostly waits)
HISTOGRAM_EVERY = 10  # every 10th sample carries histograms (about one a second)
RECONNECT_S = 3.0  # how often a run without an app looks for one
DRAIN_S = 0.2  # the writer thread writes and streams what queued up, 5 times a second
MAX_FETCHES = 20.0  # on a device: transfers to the host a second, at most (any cadence)
_open_runs: weakref.WeakSet = weakref.WeakSet()


def _close_all() -> None:
    for run in list(_open_runs):
        run.close()


atexit.register(_close_all)


def _rank() -> tuple[int, int]:
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


class WatchRun:
    """A watched run; see :func:`watch`."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer | None = None,
        *,
        name: str | None = None,
        logdir: str | os.PathLike = "runs",
        every: int | None = None,
        rate: float = RATE,
        histograms: bool = True,
        histogram_every: int = HISTOGRAM_EVERY,
        activations: bool = False,
        ranks: str = "0",
        connect: bool = True,
        device_metrics: bool | None = None,
    ) -> None:
        if not isinstance(model, nn.Module):
            raise TypeError(
                _("watch() needs an nn.Module, not {kind}").format(kind=type(model).__name__)
            )
        if every is not None and (not isinstance(every, int) or every < 1):
            raise ValueError(_("every must be a whole number of steps >= 1, or None"))
        if ranks not in ("0", "all"):
            raise ValueError(_('ranks must be "0" (rank 0 streams) or "all"'))
        self.rank, self.world = _rank()
        self.active = ranks == "all" or self.rank == 0
        self.model = model
        self.optimizer = optimizer
        self.every = every
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.histograms = histograms
        self.histogram_every = max(1, histogram_every)
        self.step = 0
        self.samples = 0
        self.fetches = 0  # device-to-host transfers, for tests and the bench
        self.closed = False
        self.layers = param_layers(model) or [("model", model)]
        self.act_layers = activation_layers(model) if activations else []
        params = [p for p in model.parameters()]
        self.device = params[0].device if params else torch.device("cpu")
        dm = device_metrics
        self.on_device = self.device.type != "cpu" if dm is None else dm
        self._loss_sum: float | torch.Tensor = 0.0
        self._loss_n = 0
        self._scalars: dict[str, float] = {}
        self._last_sample = -math.inf
        self._last_cpu = -math.inf
        self._armed = True  # the next step is sampled
        self._pending: dict[str, Any] | None = None  # a sample whose tensors are not fetched
        self._deferred: list[tuple[dict, list[torch.Tensor], list]] = []  # records to fetch
        self._last_fetch = -math.inf
        self._acts: dict[str, list[torch.Tensor]] = {}
        self._act_hists: dict[str, torch.Tensor] = {}
        self._handles: list = []
        self._probe: UpdateRatioProbe | None = None
        self._capture: StepCapture | None = None  # "Inspect this step" was asked
        self.inspected = 0  # graphs sent to the app
        self._t0 = time.perf_counter()
        if not self.active:
            self.folder = None
            self._sink = None
            return
        base = name or time.strftime("%Y%m%d-%H%M%S") + f"-{os.getpid()}"
        self.name = f"{base}-rank{self.rank}" if ranks == "all" and self.world > 1 else base
        self.folder = Path(logdir) / self.name
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "name": self.name,
            "started": time.time(),
            "layers": [n for n, _m in self.layers],
            "activation_layers": [n for n, _m in self.act_layers],
            "rank": self.rank,
            "world_size": self.world,
            "pid": os.getpid(),
        }
        self._sink = _Sink(self.folder, meta, connect)
        if optimizer is not None:
            # ours first: hooks run in order, and ours arms the probe for this same step
            self._handles.append(optimizer.register_step_pre_hook(self._before_step))
            self._probe = UpdateRatioProbe(optimizer, self.layers)
            self._probe.armed = False
        for lname, module in self.act_layers:
            self._handles.append(module.register_forward_hook(self._act_hook(lname, module)))
        _open_runs.add(self)

    # -- the public API -----------------------------------------------------------------
    def log(self, loss: Any = None, **scalars: Any) -> None:
        """Record this step's loss (a tensor or number) and any other scalars."""
        if self.closed or not self.active:
            return
        self.step += 1
        if self._capture is not None:
            self._capture.after_log(loss)
            if self._capture.done:
                self._capture = None
        if self._sink.inspect_wanted.is_set() and self._capture is None:
            self._sink.inspect_wanted.clear()
            self._capture = StepCapture(self.model, self._sent_graph, lambda: self.step)
        if loss is not None:
            if isinstance(loss, torch.Tensor):
                if self.on_device:
                    self._loss_sum = self._loss_sum + loss.detach().float()
                else:
                    self._loss_sum += loss.item()  # free on the cpu: nothing to wait for
            else:
                self._loss_sum += float(loss)
            self._loss_n += 1
        for key, value in scalars.items():
            self._scalars[key] = value
        if self.every is not None:
            due = self.step % self.every == 0
        else:
            # by the script thread's own CPU time: on a busy machine, where a step takes
            # longer by the clock, samples do not come more often per step (that would
            # raise the cost above RATE x one sample per CPU-second); but at least one
            # a MAX_GAP_S by the clock, so a script that mostly waits still shows live
            now, cpu = time.perf_counter(), time.thread_time()
            since = now - self._last_sample
            due = since >= MAX_GAP_S or (
                since >= self.interval and cpu - self._last_cpu >= self.interval
            )
            if due:
                self._last_sample, self._last_cpu = now, cpu
        if due:
            self._emit()

    def close(self) -> None:
        """Write what is pending and close the folder (and the connection). Idempotent."""
        if self.closed:
            return
        self.closed = True
        if not self.active:
            return
        with contextlib.suppress(Exception):  # never fail a script on its way out
            self._emit(final=True)  # what is pending, and "finished"
        for h in self._handles:
            h.remove()
        if self._capture is not None:
            self._capture.close()
        if self._probe is not None:
            self._probe.close()
        self._sink.close()
        _open_runs.discard(self)

    def __enter__(self) -> WatchRun:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- "Inspect this step" --------------------------------------------------------------
    def _sent_graph(self, message: dict) -> None:
        """The capture's reply (the graph and its recorded backward, or why not) to the app."""
        if message.get("type") == "graph":
            self.inspected += 1
        self._sink.put(message)

    # -- sampling -----------------------------------------------------------------------
    def _before_step(self, _opt, _args, _kwargs) -> None:
        if self._armed:
            self._sample_grads()

    def _sample_grads(self) -> None:
        """Gradient norms (and histograms) as device tensors; fetched at the next sample."""
        self._armed = False
        groups = [
            [p.grad.detach() for p in m.parameters(recurse=False) if p.grad is not None]
            for _n, m in self.layers
        ]
        sizes = [len(g) for g in groups]
        norms = layer_norms([g for group in groups for g in group], sizes)
        sample: dict[str, Any] = {
            "step": self.step + 1 if self.optimizer is not None else self.step,
            "norms": norms.to(self.device),
        }
        if self.histograms and self.samples % self.histogram_every == 0:
            sample["hists"] = True  # histograms need two syncs: taken right away, rarely
            weights = {n: m.weight for n, m in self.layers if hasattr(m, "weight")}
            grads = {
                n: m.weight.grad
                for n, m in self.layers
                if getattr(m, "weight", None) is not None and m.weight.grad is not None
            }
            sample["weight_hists"] = {k: hist_record(h) for k, h in M.histograms(weights).items()}
            sample["grad_hists"] = {k: hist_record(h) for k, h in M.histograms(grads).items()}
            self.fetches += 2 * bool(weights) + 2 * bool(grads)
        if self._probe is not None:
            self._probe.armed = True  # the post-hook of this very step measures the update
        self._pending = sample

    def _act_hook(self, name: str, module: nn.Module):
        def hook(_m, _inputs, output) -> None:
            if not self._armed or not isinstance(output, torch.Tensor):
                return
            with torch.no_grad():
                out = output.detach().reshape(output.shape[0], -1).float()
                dead = (
                    (out <= 0).all(dim=0).float().mean()
                    if isinstance(module, nn.ReLU)
                    else out.new_tensor(math.nan)
                )
                self._acts[name] = [
                    out.mean(),
                    out.std(unbiased=False),
                    dead,
                    M.saturation(module, out),
                ]
                if self.histograms and self.samples % self.histogram_every == 0:
                    self._act_hists[name] = out.reshape(-1)

        return hook

    def _emit(self, final: bool = False) -> None:
        """Close this sample into a record, arm the next one, and fetch when it is time.

        A record's device values (loss sum, norms, ratios, activation moments, tensor
        scalars) wait in ``_deferred``; on the CPU they are fetched at once, on a device
        at most ``MAX_FETCHES`` times a second, all waiting records in one transfer.
        """
        if self.optimizer is None and self._armed:
            has_grads = any(p.grad is not None for _n, m in self.layers for p in m.parameters())
            if has_grads:
                self._sample_grads()  # no optimizer hook: grads as they are now
        pending, self._pending = self._pending, None
        record: dict[str, Any] = {"type": "record", "step": self.step}
        tensors: list[torch.Tensor] = []
        fill: list[tuple[str, list[str]]] = []  # where the fetched values go, in order
        if self._loss_n:
            if self.on_device:
                tensors.append(torch.as_tensor(self._loss_sum).reshape(1).double())
                fill.append(("loss", [str(self._loss_n)]))
            else:
                record["loss"] = self._loss_sum / self._loss_n
        if pending is not None:
            tensors.append(pending["norms"].double())
            fill.append(("grad_norms", [n for n, _m in self.layers]))
            record["step"] = min(self.step, pending["step"])
            for key in ("weight_hists", "grad_hists"):
                if key in pending:
                    record[key] = pending[key]
        ratios = self._probe.take() if self._probe is not None else None
        if self._probe is not None:
            self._probe.armed = False
        if ratios is not None:
            tensors.append(ratios.double())
            fill.append(("update_ratios", self._probe.names))
        acts, self._acts = self._acts, {}
        act_hists, self._act_hists = self._act_hists, {}
        if acts:
            hists = M.histograms(act_hists) if act_hists else {}  # histogram samples only
            record["act_stats"] = {name: hists.get(name) for name in acts}
            for parts in acts.values():
                tensors.append(torch.stack(parts).double())
            fill.append(("act_stats", list(acts)))
        if self._scalars:
            record["scalars"] = {}
            for key, value in self._scalars.items():
                if isinstance(value, torch.Tensor):
                    tensors.append(value.detach().double().mean().reshape(1))
                    fill.append(("scalar", [key]))
                else:
                    record["scalars"][key] = float(value)
        record["elapsed"] = time.perf_counter() - self._t0
        if final:
            record["status"] = "finished"
        self._loss_sum, self._loss_n = 0.0, 0
        self._scalars = {}
        self.samples += 1
        self._armed = not final
        self._deferred.append((record, tensors, fill))
        now = time.perf_counter()
        if not self.on_device or final or now - self._last_fetch >= 1.0 / MAX_FETCHES:
            self._last_fetch = now
            self._flush()

    def _flush(self) -> None:
        """One device-to-host transfer for every waiting record; then hand them to the sink."""
        deferred, self._deferred = self._deferred, []
        tensors = [t.to(self.device) for _r, ts, _f in deferred for t in ts]
        values = M.to_host(tensors).tolist() if tensors else []
        if tensors:
            self.fetches += 1
        pos = 0
        for record, _ts, fill in deferred:
            for kind, names in fill:
                if kind == "loss":
                    record["loss"] = values[pos] / int(names[0])
                    pos += 1
                elif kind in ("grad_norms", "update_ratios"):
                    record[kind] = dict(zip(names, values[pos : pos + len(names)], strict=True))
                    pos += len(names)
                elif kind == "act_stats":
                    for name in names:
                        mean, std, dead, sat = values[pos : pos + 4]
                        pos += 4
                        hist = record["act_stats"][name]
                        record["act_stats"][name] = act_record(
                            M.ActivationStats(mean, std, dead, hist, sat)
                        )
                else:  # a scalar the script logged as a tensor
                    record["scalars"][names[0]] = values[pos]
                    pos += 1
            self._sink.put(record)


class _Sink:
    """The writer thread: appends records to the folder and streams them to the app."""

    def __init__(self, folder: Path, meta: dict, connect: bool) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        self.folder = folder
        self.meta = meta
        self.connect = connect
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self._wake = threading.Event()
        self.inspect_wanted = threading.Event()  # the app asked for a loss graph
        self._reader = P.FrameReader()
        self.sock: socket.socket | None = None
        self.sent = 0
        self.connected_once = False
        self._last_try = -math.inf
        self._file = (folder / EVENTS).open("a", encoding="utf-8")
        self._thread = threading.Thread(target=self._loop, name="gradviz-watch", daemon=True)
        self._thread.start()

    def put(self, record: dict) -> None:
        # no wake-up: the writer drains the queue a few times a second, so a sample never
        # hands the GIL to it in the middle of the script's step
        self.queue.put(record)

    def close(self, timeout: float = 5.0) -> None:
        self.queue.put(None)
        self._wake.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        done = False
        while not done:
            self._wake.wait(DRAIN_S)
            batch = []
            while True:
                try:
                    record = self.queue.get_nowait()
                except queue.Empty:
                    break
                if record is None:
                    done = True
                    break
                batch.append(record)
            self._listen()
            if not batch:
                if self.connect:
                    self._maybe_connect()  # an app that starts now joins even a quiet run
                continue
            records = [r for r in batch if r.get("type") == "record"]  # graphs: the app only
            try:
                self._file.write("".join(to_json_line(r) + "\n" for r in records))
                self._file.flush()  # the app may read the folder while we write
            except (OSError, ValueError):
                log.exception("gradviz.watch: cannot write %s", self.folder)
            for record in batch:
                self._stream(record)
        self._file.close()
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.sendall(P.encode({"type": "bye"}))
                self.sock.close()

    def _listen(self) -> None:
        """Read what the app sent (an "inspect" request), without waiting."""
        sock = self.sock
        if sock is None:
            return
        try:
            while select.select([sock], [], [], 0)[0]:
                data = sock.recv(65536)
                if not data:
                    return  # closed: the next send notices
                for body in self._reader.feed(data):
                    if P.decode(body).get("type") == "inspect":
                        self.inspect_wanted.set()
        except (OSError, ValueError) as exc:  # ProtocolError is a ValueError
            log.info("gradviz.watch: ignoring what the app sent (%s)", exc)

    def _maybe_connect(self) -> None:
        """Look for a running app every RECONNECT_S; it reads our folder when we say hello."""
        if self.sock is not None:
            return
        now = time.monotonic()
        if now - self._last_try < RECONNECT_S:
            return
        self._last_try = now
        self.sock = self._open()

    def _stream(self, record: dict) -> None:
        if not self.connect:
            return
        self._maybe_connect()
        if self.sock is None:
            return
        try:
            frame = P.encode(record)
        except P.ProtocolError as exc:  # e.g. a graph too big for one frame: not sent
            log.info("gradviz.watch: not sending a %s (%s)", record.get("type"), exc)
            if record.get("type") != "graph":
                return
            why = {"type": "graph", "step": record.get("step", -1), "error": N_("graph too big")}
            frame = P.encode(why)  # the app says so instead of waiting
        try:
            self.sock.sendall(frame)
            self.sent += 1
        except OSError as exc:
            # the app went away (or refused us): the folder keeps everything
            log.info("gradviz.watch: live view closed (%s); still writing %s", exc, self.folder)
            with contextlib.suppress(OSError):
                self.sock.close()
            self.sock = None

    def _open(self) -> socket.socket | None:
        info = P.read_live()
        if info is None:
            return None
        try:
            sock = socket.create_connection((P.HOST, info["port"]), timeout=1.0)
            hello = {
                "type": "hello",
                "token": info["token"],
                "run": self.meta["name"],
                "folder": str(self.folder.resolve()),
                "meta": self.meta,
            }
            sock.sendall(P.encode(hello))
        except OSError:
            return None
        self._reader = P.FrameReader()
        self.connected_once = True
        return sock


def watch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    *,
    name: str | None = None,
    logdir: str | os.PathLike = "runs",
    every: int | None = None,
    **options: Any,
) -> WatchRun:
    """Watch ``model``'s gradients while a script trains it; see :class:`WatchRun`.

    ``every``: sample every N steps (default: by time, at most 20 a second).
    Options: ``activations=True`` adds forward hooks for activation statistics;
    ``histograms=False`` leaves out histograms; ``ranks="all"`` streams every rank
    under ``torch.distributed`` (default: rank 0 only); ``connect=False`` only writes
    the folder.
    """
    return WatchRun(model, optimizer, name=name, logdir=logdir, every=every, **options)
