# Lesson: the two-layer net written four ways
# The notes build one network, 64 examples x 1000 features -> 100 hidden (ReLU) -> 10 outputs,
# no bias, sum-of-squares loss, plain gradient descent, four times: NumPy by hand, torch by hand,
# torch with autograd, and nn + optim. Same start, same steps: the losses must agree.

# %% Make the data and one set of starting weights, shared by all four ways (float64 throughout).
import numpy as np
import torch
from torch import nn

N, D_in, H, D_out = 64, 1000, 100, 10
steps, learning_rate = 100, 1e-6
rng = np.random.default_rng(0)
x_np, y_np = rng.standard_normal((N, D_in)), rng.standard_normal((N, D_out))
w1_start, w2_start = rng.standard_normal((D_in, H)), rng.standard_normal((H, D_out))
results = {}

# %% Way 1, NumPy by hand: forward, loss, then every gradient by the chain rule.
w1, w2 = w1_start.copy(), w2_start.copy()
for t in range(steps):
    h = x_np.dot(w1)
    h_relu = np.maximum(h, 0)
    y_pred = h_relu.dot(w2)
    loss_np = np.square(y_pred - y_np).sum()
    grad_y_pred = 2.0 * (y_pred - y_np)
    grad_w2 = h_relu.T.dot(grad_y_pred)
    grad_h = grad_y_pred.dot(w2.T)
    grad_h[h < 0] = 0
    grad_w1 = x_np.T.dot(grad_h)
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2
results["numpy by hand"] = float(loss_np)

# %% Way 2, torch by hand: the same lines with torch names (mm, clamp, t, clone).
x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
w1, w2 = torch.tensor(w1_start), torch.tensor(w2_start)
for t in range(steps):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    y_pred = h_relu.mm(w2)
    loss_hand = (y_pred - y).pow(2).sum()
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h = grad_y_pred.mm(w2.t()).clone()
    grad_h[h < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2
results["torch by hand"] = loss_hand.item()

# %% Way 3, autograd: build the graph, loss.backward() fills w1.grad and w2.grad; zero_() them.
w1 = torch.tensor(w1_start, requires_grad=True)
w2 = torch.tensor(w2_start, requires_grad=True)
for t in range(steps):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
results["autograd"] = loss.item()

# %% Way 4, nn + optim: Sequential(Linear, ReLU, Linear) without bias; SGD does the update.
model = nn.Sequential(
    nn.Linear(D_in, H, bias=False), nn.ReLU(), nn.Linear(H, D_out, bias=False)
).double()
with torch.no_grad():
    model[0].weight.copy_(torch.tensor(w1_start).t())
    model[2].weight.copy_(torch.tensor(w2_start).t())
loss_fn = nn.MSELoss(reduction="sum")
optimizer = torch.optim.SGD(model.parameters(), lr=learning_rate)
for t in range(steps):
    loss_nn = loss_fn(model(x), y)
    optimizer.zero_grad()
    loss_nn.backward()
    optimizer.step()
results["nn + optim"] = loss_nn.item()

# %% How far are hand-written gradients from autograd's? One step from the same start.
w1_check = torch.tensor(w1_start, requires_grad=True)
w2_check = torch.tensor(w2_start, requires_grad=True)
h = x.mm(w1_check)
y_pred = h.clamp(min=0).mm(w2_check)
(y_pred - y).pow(2).sum().backward()
with torch.no_grad():
    grad_y_pred = 2.0 * (y_pred - y)
    hand_w2 = h.clamp(min=0).t().mm(grad_y_pred)
    grad_h = grad_y_pred.mm(w2_check.t())
    grad_h[h < 0] = 0
    hand_w1 = x.t().mm(grad_h)
diff_w1 = (hand_w1 - w1_check.grad).abs().max().item()
diff_w2 = (hand_w2 - w2_check.grad).abs().max().item()

# %% The table: the same loss after the same steps, four ways; hand gradients equal autograd's.
print(f"loss after {steps} steps (lr {learning_rate:g}):")
for way, value in results.items():
    print(f"  {way:<14} {value:>16.6f}")
print(f"max |hand - autograd| gradient: w1 {diff_w1:.3g}, w2 {diff_w2:.3g}")
