"""Linear regression from scratch, as in the notes (d2l 3.3), with nn.Linear and SGD.

The same demo runs in the app's Training tab and as:  gradviz train --demo linreg
"""

import torch
from torch import nn

torch.manual_seed(0)
true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
features = torch.normal(0, 1, (1000, 2))
labels = features @ true_w + true_b + torch.normal(0, 0.01, (1000,))

net = nn.Linear(2, 1)
net.weight.data.normal_(0, 0.01)
net.bias.data.fill_(0)
loss_fn = nn.MSELoss()
opt = torch.optim.SGD(net.parameters(), lr=0.03)

if __name__ == "__main__":
    for epoch in range(3):
        for i in range(0, 1000, 10):
            X, y = features[i : i + 10], labels[i : i + 10]
            loss = loss_fn(net(X).squeeze(1), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        print(f"epoch {epoch + 1}: loss {loss_fn(net(features).squeeze(1), labels):.6f}")
    print("w =", net.weight.data.flatten().tolist(), "b =", net.bias.item())
