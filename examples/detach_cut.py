"""detach() cuts the graph: z = u * x where u = (x * x).detach() is a constant.

Try:  gradviz backward examples/detach_cut.py --tensor total
"""

import torch

x = torch.arange(4.0, requires_grad=True)
y = x * x
u = y.detach()  # same values as y, but no history: gradients stop here
z = u * x
total = z.sum()

if __name__ == "__main__":
    (grad,) = torch.autograd.grad(total, x, retain_graph=True)
    print("x.grad == u:", torch.equal(grad, u))  # not 3 * x**2: u counts as a constant
