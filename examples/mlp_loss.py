"""A small MLP and its loss: the graph groups its nodes by module (net.0, net.2).

Try:  gradviz graph examples/mlp_loss.py --tensor loss --out mlp.svg
"""

import torch
from torch import nn

torch.manual_seed(0)
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
inputs = torch.randn(5, 4)
target = torch.tensor([0, 2, 1, 1, 0])
logits = net(inputs)
loss = nn.functional.cross_entropy(logits, target)

if __name__ == "__main__":
    params = dict(net.named_parameters())
    grads = torch.autograd.grad(loss, list(params.values()), retain_graph=True)
    for name, g in zip(params, grads, strict=True):
        print(f"{name:10s} grad norm {g.norm():.4f}")
