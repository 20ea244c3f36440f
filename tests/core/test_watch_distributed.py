"""gradviz.watch under torch.distributed: two gloo processes (torchrun --nproc_per_node 2)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap

import pytest

from gradviz.core.training.watch.record import RunReader

pytestmark = pytest.mark.slow

SCRIPT = """
import sys, torch, torch.distributed as dist
from torch import nn
import gradviz

dist.init_process_group("gloo")
rank = dist.get_rank()
torch.manual_seed(0)
mlp = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
net = nn.parallel.DistributedDataParallel(mlp)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
g = torch.Generator().manual_seed(rank)  # each rank its own batches
run = gradviz.watch(net, opt, name="ddp", logdir=sys.argv[1], every=1, ranks=sys.argv[2])
for _ in range(5):
    x = torch.randn(8, 3, generator=g)
    loss = net(x).pow(2).mean()
    opt.zero_grad(); loss.backward(); opt.step()
    run.log(loss=loss)
run.close()
dist.barrier()  # both ranks are done before either tears gloo down (else a peer can abort)
dist.destroy_process_group()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def torchrun(tmp_path, ranks: str) -> None:
    script = tmp_path / "ddp.py"
    script.write_text(textwrap.dedent(SCRIPT))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2"]
    cmd += ["--master_addr", "127.0.0.1", "--master_port", str(free_port())]
    cmd += [str(script), str(tmp_path / "runs"), ranks]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_only_rank_0_streams_by_default(tmp_path):
    torchrun(tmp_path, "0")
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == ["ddp"]
    reports = RunReader(tmp_path / "runs" / "ddp").read_new()
    assert [r.step for r in reports[:5]] == [1, 2, 3, 4, 5]


def test_all_ranks_stream_and_can_be_compared(tmp_path):
    torchrun(tmp_path, "all")
    runs = tmp_path / "runs"
    assert sorted(p.name for p in runs.iterdir()) == ["ddp-rank0", "ddp-rank1"]
    r0 = RunReader(runs / "ddp-rank0").read_new()[:5]
    r1 = RunReader(runs / "ddp-rank1").read_new()[:5]
    # DDP averages gradients across ranks: the norms agree, the local losses do not
    for a, b in zip(r0, r1, strict=True):
        assert a.grad_norms == pytest.approx(b.grad_norms, rel=1e-5)
    assert [a.train_loss for a in r0] != pytest.approx([b.train_loss for b in r1])
    meta = RunReader(runs / "ddp-rank1").meta
    assert meta["rank"] == 1 and meta["world_size"] == 2
