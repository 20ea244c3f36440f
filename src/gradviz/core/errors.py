"""Turn PyTorch's exceptions into one plain sentence a learner can act on.

The original message is kept after the explanation, because it is the text a
user would search for.
"""

from __future__ import annotations

import re

# (pattern in PyTorch's message, plain explanation)
_RULES: list[tuple[str, str]] = [
    (
        r"modified by an inplace operation",
        "A tensor that this graph saved for backward was changed in place afterwards "
        "(its version went up), so the saved value is gone and backward refuses to run.",
    ),
    (
        r"Trying to backward through the graph a second time",
        "This graph was already used by a backward pass without retain_graph=True, "
        "so PyTorch freed its saved tensors; tick retain_graph to backward twice.",
    ),
    (
        r"grad can be implicitly created only for scalar outputs",
        "backward() without a gradient only works on a scalar; give a gradient vector v "
        "of the output's shape (this computes the gradient of sum(v * y)).",
    ),
    (
        r"does not require grad and does not have a grad_fn",
        "This tensor is not part of any graph (no requires_grad upstream, or it was "
        "detached / made under no_grad), so there is nothing to backpropagate.",
    ),
    (
        r"a leaf Variable that requires grad is being used in an in-place operation",
        "PyTorch forbids changing a leaf that requires grad in place; use torch.no_grad() "
        "or edit .data if you really mean it.",
    ),
    (
        r"view of a leaf Variable that requires grad is being used in an in-place",
        "This is a view of a leaf that requires grad, and PyTorch forbids changing it "
        "in place while autograd tracks it.",
    ),
    (
        r"Only Tensors of floating point (and complex )?dtype can require gradients",
        "Only floating-point (or complex) tensors can require grad; pick a float dtype.",
    ),
    (
        r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)",
        "The shapes do not broadcast: a size {0} cannot line up with a size {1} "
        "(sizes must match or one of them must be 1).",
    ),
    (
        r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)",
        "Matrix product needs the inner sizes to agree: ({0}×{1}) @ ({2}×{3}) has {1} ≠ {2}.",
    ),
    (
        r"shape '\[(.*?)\]' is invalid for input of size (\d+)",
        "Cannot reshape {1} elements into shape ({0}).",
    ),
    (
        r"view size is not compatible with input tensor's size and stride",
        "view() needs a contiguous layout here; call .contiguous() first or use reshape().",
    ),
    (
        r"Expected all tensors to be on the same device",
        "The inputs live on different devices; move them to one device with .to(device).",
    ),
    (
        r"expected (scalar type|.*dtype) (\w+) but found (\w+)",
        "The inputs have different dtypes; this op wants them to match.",
    ),
    (
        r"Dimension out of range \(expected to be in range of \[(-?\d+), (-?\d+)\], but got (-?\d+)\)",
        "dim {2} does not exist here: valid dims are {0} to {1}.",
    ),
    (
        r"out of memory",
        "The device ran out of memory; try a smaller batch or model.",
    ),
]


def explain(exc: BaseException) -> str:
    """One plain sentence for a PyTorch error, followed by PyTorch's own first line."""
    original = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for pattern, text in _RULES:
        match = re.search(pattern, str(exc))
        if match:
            try:
                plain = text.format(*match.groups())
            except (IndexError, KeyError):
                plain = text
            return f"{plain} (PyTorch: {original[:200]})"
    return f"{type(exc).__name__}: {original[:300]}"
