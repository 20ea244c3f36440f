"""Turn PyTorch's exceptions into one plain sentence a learner can act on.

The original message is kept after the explanation, because it is the text a
user would search for.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from gradviz.core.i18n import N_, _

# PyTorch's messages name dtypes the C++ way; learners know the torch.* names.
_DTYPE_WORDS = {
    "Float": "float32",
    "float": "float32",
    "Double": "float64",
    "double": "float64",
    "Half": "float16",
    "BFloat16": "bfloat16",
    "Long": "int64",
    "long int": "int64",
    "Int": "int32",
    "int": "int32",
    "Short": "int16",
    "Char": "int8",
    "Byte": "uint8",
    "Bool": "bool",
}


def _bytes_text(count: str) -> str:
    """``8000000000`` → ``8.0 GB``: PyTorch reports allocations in bytes."""
    size = float(count)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if size < 1000 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{count} bytes"  # pragma: no cover - the loop always returns


# (pattern in PyTorch's message, plain explanation); {0}, {1}, … are the pattern's groups.
# A callable explanation gets the groups and returns the sentence.
# Patterns match case-insensitively: PyTorch spells the same error differently in places.
_RULES: list[tuple[str, str | Callable[..., str]]] = [
    # --- autograd
    (
        r"modified by an inplace operation",
        N_(
            "A tensor that this graph saved for backward was changed in place afterwards "
            "(its version went up), so the saved value is gone and backward refuses to run."
        ),
    ),
    (
        r"Trying to backward through the graph a second time",
        N_(
            "This graph was already used by a backward pass without retain_graph=True, "
            "so PyTorch freed its saved tensors; tick retain_graph to backward twice."
        ),
    ),
    (
        r"grad can be implicitly created only for scalar outputs",
        N_(
            "backward() without a gradient only works on a scalar; give a gradient vector v "
            "of the output's shape (this computes the gradient of sum(v * y))."
        ),
    ),
    (
        r"does not require grad and does not have a grad_fn",
        N_(
            "This tensor is not part of any graph (no requires_grad upstream, or it was "
            "detached / made under no_grad), so there is nothing to backpropagate."
        ),
    ),
    # the view rule first: its message contains the leaf rule's text
    (
        r"view of a leaf Variable that requires grad is being used in an in-place",
        N_(
            "This is a view of a leaf that requires grad, and PyTorch forbids changing it "
            "in place while autograd tracks it."
        ),
    ),
    (
        r"a leaf Variable that requires grad is being used in an in-place operation",
        N_(
            "PyTorch forbids changing a leaf that requires grad in place; use torch.no_grad() "
            "or edit .data if you really mean it."
        ),
    ),
    (
        r"Only Tensors of floating point (and complex )?dtype can require gradients",
        N_("Only floating-point (or complex) tensors can require grad; pick a float dtype."),
    ),
    (
        r"the derivative for '(\w+)' is not implemented",
        N_(
            "PyTorch cannot differentiate with respect to {0} here; create it without "
            "requires_grad (or detach it)."
        ),
    ),
    (
        r"Can't call numpy\(\) on Tensor that requires grad",
        N_(
            "A tensor that requires grad cannot become a NumPy array directly; "
            "use .detach().numpy()."
        ),
    ),
    # --- shapes and broadcasting
    (
        r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)",
        N_(
            "The shapes do not broadcast: a size {0} cannot line up with a size {1} "
            "(sizes must match or one of them must be 1)."
        ),
    ),
    (
        r"output with shape \[(.*?)\] doesn't match the broadcast shape \[(.*?)\]",
        N_(
            "An in-place op cannot change its tensor's shape: the result would have shape "
            "[{1}] but the tensor being overwritten has shape [{0}]."
        ),
    ),
    (
        r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x(\d+)\)",
        N_("Matrix product needs the inner sizes to agree: ({0}×{1}) @ ({2}×{3}) has {1} ≠ {2}."),
    ),
    (
        r"size mismatch, got input \((\d+)\), mat \((\d+)x(\d+)\), vec \((\d+)\)",
        N_(
            "Matrix-vector product needs the vector's length to equal the matrix's columns: "
            "({1}×{2}) @ ({3},) has {2} ≠ {3}."
        ),
    ),
    (
        r"inconsistent tensor size, expected tensor \[(\d+)\] and src \[(\d+)\]",
        N_("dot needs two vectors of the same length, got lengths {0} and {1}."),
    ),
    (
        r"1D tensors expected, but got (\d+)D and (\d+)D tensors",
        N_("dot needs two 1-D vectors, got {0}-D and {1}-D; use mm or @ for matrices."),
    ),
    (
        r"(self|mat2) must be a matrix",
        N_("mm needs two 2-D matrices; use @ (matmul) for vectors or batches."),
    ),
    (
        r"(batch1|batch2) must be a 3D tensor",
        N_("bmm needs two 3-D tensors (batch, rows, columns)."),
    ),
    (
        r"Expected size for first two dimensions of batch2 tensor to be: "
        r"\[(\d+), (\d+)\] but got: \[(\d+), (\d+)\]",
        N_(
            "Batched matrix product needs equal batch sizes and matching inner sizes: the second "
            "input should start with ({0}, {1}) but starts with ({2}, {3})."
        ),
    ),
    (
        r"shape '\[(.*?)\]' is invalid for input of size (\d+)",
        N_("Cannot reshape {1} elements into shape ({0})."),
    ),
    (
        r"view size is not compatible with input tensor's size and stride",
        N_("view() needs a contiguous layout here; call .contiguous() first or use reshape()."),
    ),
    (
        r"t\(\) expects a tensor with <= 2 dimensions, but self is (\d+)D",
        N_(
            "t() only transposes tensors of at most 2 dims, this one has {0}; use "
            "transpose(dim0, dim1) or permute."
        ),
    ),
    (
        r"Sizes of tensors must match except in dimension (\d+)\. "
        r"Expected size (\d+) but got size (\d+) for tensor number (\d+)",
        N_(
            "cat needs every dim except dim {0} to match: tensor {3} has size {2} "
            "where {1} was expected."
        ),
    ),
    (
        r"Tensors must have same number of dimensions: got (\d+) and (\d+)",
        N_("cat needs tensors with the same number of dims, got {0} and {1}."),
    ),
    (
        r"stack expects each tensor to be equal size, but got \[(.*?)\] at entry (\d+) "
        r"and \[(.*?)\] at entry (\d+)",
        N_("stack needs tensors of one shape: entry {1} has shape [{0}] but entry {3} has [{2}]."),
    ),
    (
        r"expects a non-empty TensorList",
        N_("Give at least one tensor."),
    ),
    (
        r"input\.dim\(\) = (\d+) is not equal to len\(dims\) = (\d+)",
        N_("permute needs one entry per dim: the tensor has {0} dims but {1} were given."),
    ),
    (
        r"Number of dimensions of repeat dims can not be smaller than number of dimensions",
        N_("repeat needs at least one count per dim of the tensor."),
    ),
    (
        r"The expanded size of the tensor \((-?\d+)\) must match the existing size \((\d+)\) "
        r"at non-singleton dimension (\d+)",
        N_(
            "expand can only stretch dims of size 1: dim {2} has size {1}, which cannot become {0}."
        ),
    ),
    (
        r"Dimension out of range \(expected to be in range of \[(-?\d+), (-?\d+)\], "
        r"but got (-?\d+)\)",
        N_("dim {2} does not exist here: valid dims are {0} to {1}."),
    ),
    (
        r"index (-?\d+) is out of bounds for dimension (\d+) with size (\d+)",
        N_("Index {0} is out of range for dim {1}, which has size {2}."),
    ),
    (
        r"too many indices for tensor of dimension (\d+)",
        N_("The index has more entries than the tensor has dims ({0})."),
    ),
    (
        r"einsum\(\): the number of subscripts in the equation \((\d+)\) does not match "
        r"the number of dimensions \((\d+)\) for operand (\d+)",
        N_("einsum: operand {2} has {1} dims but the equation gives it {0} letters."),
    ),
    (
        r"einsum\(\): subscript (\w) has size (\d+) for operand (\d+) which does not "
        r"broadcast with previously seen size (\d+)",
        N_(
            "einsum: index {0} has size {3} in one operand but {1} in operand {2}; "
            "a repeated letter needs equal sizes."
        ),
    ),
    (
        r"einsum\(\): (fewer|more) operands were provided than specified in the equation",
        N_(
            "einsum: the equation and the number of tensors disagree ({0} tensors than the "
            "equation's comma-separated terms)."
        ),
    ),
    # --- losses
    (
        r"Expected input batch_size \((\d+)\) to match target batch_size \((\d+)\)",
        N_("The input has {0} rows but the target has {1} labels; they must match."),
    ),
    (
        r"Target (-?\d+) is out of bounds",
        N_(
            "Class index {0} is not a valid class: targets must be in 0 … C−1, "
            "where C is the number of columns of the input."
        ),
    ),
    (
        r"expected target dtype to be Long or Byte, but got (\w+)",
        N_("Class targets must be integer class indices (int64), not {0}."),
    ),
    (
        r"all elements of input should be between 0 and 1",
        N_(
            "binary_cross_entropy needs probabilities in [0, 1]; apply sigmoid first or use "
            "binary_cross_entropy_with_logits."
        ),
    ),
    (
        r"Using a target size \(torch\.Size\(\[(.*?)\]\)\) that is different to the input size "
        r"\(torch\.Size\(\[(.*?)\]\)\)",
        N_("The target's shape [{0}] differs from the input's shape [{1}]; give them one shape."),
    ),
    # --- dtypes
    (
        r"expected m1 and m2 to have the same dtype, but got: ([\w ]+?) != ([\w ]+)",
        N_(
            "Matrix product needs both inputs to have one dtype, got {0} and {1}; "
            "convert one with .to(dtype) or .float()."
        ),
    ),
    (
        r"expected both vectors to have same dtype, but found (\w+) and (\w+)",
        N_(
            "dot needs both vectors to have one dtype, got {0} and {1}; "
            "convert one with .to(dtype)."
        ),
    ),
    (
        r"Found dtype (\w+) but expected (\w+)",
        N_(
            "The inputs have different dtypes ({0} where {1} was expected); "
            "convert with .to(dtype)."
        ),
    ),
    (
        r"expected (?:scalar type|.*dtype) (\w+) but found (\w+)",
        N_("This op expected dtype {0} but got {1}; make the dtypes match with .to(dtype)."),
    ),
    (
        r"result type (\w+) can't be cast to the desired output type (\w+)",
        N_(
            "An in-place op would store a {0} result into a {1} tensor, and PyTorch does not "
            "downcast silently; use the out-of-place op or convert the tensor first."
        ),
    ),
    (
        r'"\w+" not implemented for \'(\w+)\'',
        N_("This op does not support dtype {0}; convert the input first, e.g. with .float()."),
    ),
    (
        r"(?:Input dtype must be either a floating point or complex dtype|"
        r"Expected a floating point or complex tensor as input)\.? Got:? (\w+)",
        N_("This op needs a floating-point tensor, got {0}; convert it with .float()."),
    ),
    (
        r"only supports boolean masks, but got mask with dtype (\w+)",
        N_("The mask must be a bool tensor (e.g. from x > 0), not {0}."),
    ),
    (
        r"where expected condition to be a boolean tensor, but got a tensor with dtype (\w+)",
        N_("The condition must be a bool tensor (e.g. from x > 0), not {0}."),
    ),
    (
        r"(Subtraction|Negation), the `-` operator, (?:with two bool tensors|on a bool tensor)",
        N_("{0} of bool tensors is not defined; use ~ or ^ for logic, or convert with .int()."),
    ),
    (
        r"Boolean value of Tensor with more than one value is ambiguous",
        N_("A tensor with several values was used as True/False; reduce it with .any() or .all()."),
    ),
    (
        r"a Tensor with (\d+) elements cannot be converted to Scalar",
        N_("Only a one-element tensor can become a Python number; this one has {0} elements."),
    ),
    (
        r"At least one of 'min' or 'max' must not be None",
        N_("clamp needs a min, a max, or both."),
    ),
    # --- arguments torch rejects outright
    (
        r"dim (-?\d+) appears multiple times",
        N_("dim {0} is listed more than once; give each dim once."),
    ),
    (
        r"must have the same dtype",
        N_("The inputs have different dtypes; convert one with .to(dtype) first."),
    ),
    (
        r"Expected floating point type for target",
        N_(
            "This loss wants a float target here (probabilities per class); for class indices "
            "use an int64 target of shape (N,)."
        ),
    ),
    (
        r"Dimension size must be non-negative|negative dimension",
        N_("Sizes must be zero or more."),
    ),
    (
        r"step must be nonzero",
        N_("arange's step cannot be 0."),
    ),
    # --- devices and memory
    (
        r"Expected all tensors to be on the same device",
        N_("The inputs live on different devices; move them to one device with .to(device)."),
    ),
    (
        r"Torch not compiled with CUDA enabled|Found no NVIDIA driver|no CUDA GPUs are available",
        N_("There is no usable CUDA GPU here; use the cpu device."),
    ),
    (
        r"can't allocate memory: you tried to allocate (\d+) bytes",
        lambda count: _(
            "There is not enough memory for this result: it needs {size}; use smaller sizes."
        ).format(size=_bytes_text(count)),
    ),
    (
        r"can't allocate memory|DefaultCPUAllocator",
        N_("There is not enough memory for this result; use smaller sizes."),
    ),
    (
        r"out of memory",
        N_("The device ran out of memory; try a smaller batch or model."),
    ),
]

_COMPILED = [(re.compile(pattern, re.IGNORECASE), text) for pattern, text in _RULES]


# English words PyTorch's message hands to an explanation: shown in the user's language
_GROUP_WORDS = {
    "Subtraction": N_("Subtraction"),
    "Negation": N_("Negation"),
    "fewer": N_("fewer"),
    "more": N_("more"),
}


def _word(group: str | None) -> str:
    if group is None:
        return ""
    if group in _GROUP_WORDS:
        return _(_GROUP_WORDS[group])
    return _DTYPE_WORDS.get(group, group)


def explain(exc: BaseException) -> str:
    """One plain sentence for a PyTorch error, followed by PyTorch's own first line."""
    message = str(exc).strip()
    original = message.splitlines()[0] if message else type(exc).__name__
    for pattern, text in _COMPILED:
        match = pattern.search(message)
        if match:
            words = [_word(g) for g in match.groups()]
            if callable(text):
                plain = text(*words)
            else:
                try:
                    plain = _(text).format(*words)
                except (IndexError, KeyError):
                    plain = _(text)
            return f"{plain} (PyTorch: {_clip(original, 200)})"
    if isinstance(exc, MemoryError):
        return _("There is not enough memory for this result; use smaller sizes.")
    return f"{type(exc).__name__}: {_clip(original, 300)}"


def shorten(text: object, limit: int = 60) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis: for names quoted in messages."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def one_line(text: object, limit: int = 400) -> str:
    """A message as one status-bar line: whitespace runs (newlines too) become one space."""
    return shorten(" ".join(str(text).split()), limit)


def split_explanation(text: str, limit: int = 160) -> tuple[str, str]:
    """(one plain line, the raw detail) of a message made by :func:`explain` or any other.

    The plain line is what an error label shows; the detail (PyTorch's own words, the
    text to search for) is shown on demand, so an error is never five red lines.
    """
    text = " ".join(str(text).split())
    plain, raw = text, ""
    marker = text.rfind(" (PyTorch: ")
    if marker > 0 and text.endswith(")"):
        plain, raw = text[:marker], text[marker + len(" (PyTorch: ") : -1]
    if len(plain) > limit:
        plain, raw = _clip(plain, limit), (raw or text)
    return plain, raw


def _clip(text: str, limit: int) -> str:
    """Shorten at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:(") + " …"
