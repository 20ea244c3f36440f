"""backward() on a non-scalar needs a gradient vector v: it computes the gradient of sum(v * y).

The doubling loop from the notes: y keeps doubling until its norm passes 1000.
Try:  gradviz backward examples/vector_backward.py --tensor y --grad "[0.1, 1.0, 0.0001]"
"""

import torch

torch.manual_seed(0)
x = torch.randn(3, requires_grad=True)
y = x * 2
while y.detach().norm() < 1000:
    y = y * 2

if __name__ == "__main__":
    v = torch.tensor([0.1, 1.0, 0.0001])
    (grad,) = torch.autograd.grad(y, x, v, retain_graph=True)  # the VJP: d/dx sum(v * y)
    print("x.grad =", grad)  # v times the total doubling factor
