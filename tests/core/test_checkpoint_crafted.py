"""Crafted and fuzzed checkpoints: only CheckpointError escapes, nothing is materialised.

Issue 13, faults 2 and 8: every tensor is checked against what the model and the
optimizer expect before ``load_state_dict``; wrong types in any field give one line.
"""

from __future__ import annotations

import copy
import io
import random

import pytest
import torch

from gradviz.core.training.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from gradviz.core.training.config import OPTIMIZERS, default_config
from gradviz.core.training.loop import TrainState, train
from gradviz.core.training.session import TrainSession

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def _trained(optimizer: str = "adam", steps: int = 15) -> TrainSession:
    session = TrainSession(default_config("moons", optimizer=optimizer, hidden=(4,)))
    session.total_steps = steps
    train(session, TrainState())
    session.total_steps = TrainSession(session.config).total_steps
    return session


@pytest.fixture(scope="module")
def good_payload(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("ckpt") / "good.pt"
    save_checkpoint(_trained(), path)
    return torch.load(path, weights_only=True)


def _write(tmp_path, payload, name="crafted.pt"):
    path = tmp_path / name
    torch.save(payload, path)
    return path


def _refused(path, *words: str) -> str:
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(path)
    message = str(info.value)
    assert "\n" not in message and len(message) < 300, message
    for word in words:
        assert word in message, message
    return message


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_every_optimizers_own_checkpoint_passes_the_checks(tmp_path, optimizer):
    session = _trained(optimizer, steps=12)
    save_checkpoint(session, tmp_path / "x.pt")
    loaded = load_checkpoint(tmp_path / "x.pt")
    assert loaded.step == 12
    a, b = session.optimizer.state_dict()["state"], loaded.optimizer.state_dict()["state"]
    assert a.keys() == b.keys()
    for i in a:
        for key, value in a[i].items():
            assert torch.equal(value, b[i][key])


def test_an_expanded_optimizer_tensor_is_refused_before_it_is_materialised(tmp_path, good_payload):
    n = 10_000_000  # 80 MB once expanded as float64; the file stores one element
    payload = copy.deepcopy(good_payload)
    payload["optimizer"]["state"][0]["exp_avg"] = torch.zeros(1, dtype=torch.float64).expand(n)
    path = _write(tmp_path, payload)
    assert path.stat().st_size < 40_000
    _refused(path, "exp_avg", "shape (10000000,)", "expected (4, 2)")
    # the right shape, but a stride-0 view of one stored element
    payload["optimizer"]["state"][0]["exp_avg"] = torch.zeros(1).expand(4, 2)
    _refused(_write(tmp_path, payload), "exp_avg", "expanded or strided view")


def test_an_expanded_or_wrong_dtype_weight_is_refused(tmp_path, good_payload):
    payload = copy.deepcopy(good_payload)
    payload["model"]["fc1.weight"] = torch.zeros(1).expand(4, 2)
    _refused(_write(tmp_path, payload), "fc1.weight", "expanded")
    payload["model"]["fc1.weight"] = torch.zeros(4, 2, dtype=torch.float64)
    _refused(_write(tmp_path, payload), "fc1.weight", "torch.float64")


def test_a_single_0x80_byte_is_not_a_checkpoint(tmp_path):
    path = tmp_path / "x.pt"
    path.write_bytes(b"\x80")
    _refused(path, "not a checkpoint")


@pytest.mark.parametrize(
    ("where", "value", "words"),
    [
        (("config", "lr"), 10**400, ["learning rate", "about 401 digits"]),
        (("config", "seed"), 10**30, ["seed", "about 31 digits"]),
        (("config", "test_fraction"), 10**400, ["test split"]),
        (("optimizer",), "x", ["optimizer state is a str"]),
        (("optimizer", "param_groups", 0, "lr"), 10**400, ["optimizer setting lr"]),
        (("optimizer", "param_groups", 0, "betas"), "x", ["betas"]),
        (("step",), True, ["step True"]),
        (("step",), 10**30, ["step an integer of about 31 digits"]),
        (("step",), -1, ["step -1"]),
        (("loader", "pos"), 10**30, ["shuffle position"]),
        (("version",), 10**30, ["version"]),
        (("config", "samples"), 10**5000, ["refused"]),  # the safe loader has no LONG4
    ],
    ids=lambda v: (
        ".".join(map(str, v))
        if isinstance(v, tuple)
        else f"{v!s:.12}"[:12]
        if not isinstance(v, int) or abs(v) < 10**12
        else "huge-int"
    ),
)
def test_crafted_fields_get_one_line(tmp_path, good_payload, where, value, words):
    payload = copy.deepcopy(good_payload)
    node = payload
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    _refused(_write(tmp_path, payload), *words)


def test_a_shuffle_order_out_of_range_is_refused(tmp_path, good_payload):
    payload = copy.deepcopy(good_payload)
    perm = payload["loader"]["perm"]
    assert perm is not None
    perm[0] = len(perm)  # one past the end: loads, then breaks the next batch
    _refused(_write(tmp_path, payload), "shuffle order")
    perm[0] = perm[1]  # in range, but a repeat: not an order of the samples
    _refused(_write(tmp_path, payload), "shuffle order")


# -- the fuzzer --------------------------------------------------------------------------

WRONG = [
    None,
    True,
    -1,
    0,
    1.5,
    float("nan"),
    float("inf"),
    10**400,
    "x",
    b"\x80",
    [],
    {},
    [1, 2],
    {"a": 1},
    (1, 2, 3),
    torch.zeros(3),
    torch.zeros(()),
    torch.zeros(1).expand(1000),
    torch.zeros(2, 2, dtype=torch.int64),
]


DELETE = object()


def _paths(node, prefix=()):
    """Every place in the payload: dict keys and list items, depth first."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from _paths(value, (*prefix, i))


def _replaced(payload, path, value):
    out = copy.deepcopy(payload)
    node = out
    for key in path[:-1]:
        node = node[key]
    if isinstance(node, tuple):  # a tuple cannot change in place (betas): skip
        return None
    if value is DELETE:
        if not isinstance(node, dict):
            return None
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return out


def test_fuzzed_checkpoints_only_ever_raise_checkpoint_error(tmp_path, good_payload):
    rng = random.Random(13)
    current = _trained("sgd_momentum", steps=5)  # the model a panel would be holding
    before = {k: v.clone() for k, v in current.model.state_dict().items()}
    buffer = io.BytesIO()
    torch.save(good_payload, buffer)
    raw = buffer.getvalue()

    cases: list[bytes] = []
    for _ in range(40):  # truncations, and a flipped byte in what is left
        cut = raw[: rng.randrange(len(raw))]
        cases.append(cut)
        if cut:
            i = rng.randrange(len(cut))
            cases.append(cut[:i] + bytes([rng.randrange(256)]) + raw[i + 1 :])
    places = [p for p in _paths(good_payload) if p]
    for place in places:  # a wrong type in every field, and one deletion per field
        for value in [*rng.sample(WRONG, 3), DELETE]:
            crafted = _replaced(good_payload, place, value)
            if crafted is not None:
                buf = io.BytesIO()
                torch.save(crafted, buf)
                cases.append(buf.getvalue())

    accepted = refused = 0
    path = tmp_path / "fuzz.pt"
    for data in cases:
        path.write_bytes(data)
        try:
            session = load_checkpoint(path)
        except CheckpointError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 400
            refused += 1
            continue
        # what loads must work: the next batch and a training step
        accepted += 1
        session.peek_batch()
        session.total_steps = min(session.total_steps, session.step + 1)
        assert train(session, TrainState()).status in ("finished", "nan")
    for key, value in current.model.state_dict().items():
        assert torch.equal(value, before[key])
    print(f"fuzz: {len(cases)} cases, {refused} refused, {accepted} accepted")
    assert refused > len(cases) // 2 and accepted > 0
