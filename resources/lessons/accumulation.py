# Lesson: gradients accumulate; zero_() starts again
# backward() adds into .grad, it never overwrites it. That is a bug in a training loop and a tool
# for gradient accumulation.

# %% y = 2 x.x has gradient 4x; one backward() puts exactly that in x.grad.
import torch

x = torch.arange(4.0, requires_grad=True)
y = 2 * torch.dot(x, x)
y.backward()
print(x.grad, x.grad == 4 * x)

# %% A second backward adds on top: x.grad now holds 4x + 1 (the gradient of x.sum() is 1).
y = x.sum()
y.backward()
print(x.grad)

# %% x.grad.zero_() empties it in place; the next backward starts from zero.
x.grad.zero_()
y = x.sum()
y.backward()
print(x.grad)

# %% Accumulation on purpose: four micro-batches of 2 give the gradient of the batch of 8.
torch.manual_seed(0)
w = torch.randn(3, requires_grad=True)
data = torch.randn(8, 3)
for part in data.split(2):
    loss = (part @ w).pow(2).sum()
    loss.backward()
accumulated = w.grad.clone()

# %% The same batch at once, after zero_(): the two gradients agree.
w.grad.zero_()
full = (data @ w).pow(2).sum()
full.backward()
print(accumulated, w.grad, torch.allclose(accumulated, w.grad))

# %% Setting .grad = None is the other way to clear (what optimizer.zero_grad() does by default).
w.grad = None
print(w.grad)
