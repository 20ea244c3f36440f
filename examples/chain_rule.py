"""The chain rule on a tiny expression, as in the notes (x = ones(2, 2); y = x + 2; ...).

Try:  gradviz graph examples/chain_rule.py --tensor out
      gradviz backward examples/chain_rule.py --tensor out
"""

import torch

x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()

if __name__ == "__main__":
    # autograd.grad with retain_graph leaves x.grad and the graph alone, so
    # `gradviz backward` can still trace this script after running it
    (grad,) = torch.autograd.grad(out, x, retain_graph=True)
    print("d(out)/dx =", grad)  # 3 * 2 * (x + 2) / 4 = 4.5 everywhere
