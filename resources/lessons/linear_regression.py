# Lesson: linear regression from scratch (d2l 3.2), a hand-written SGD loop
# Make data from a known line, then recover its weights with minibatch SGD written by hand.

# %% Make 1000 examples of y = X w + b + noise, with w = [2, -3.4] and b = 4.2.
import random

import torch

torch.manual_seed(0)
random.seed(0)
true_w, true_b = torch.tensor([2, -3.4]), 4.2
features = torch.normal(0, 1, (1000, 2))
labels = (features @ true_w + true_b + torch.normal(0, 0.01, (1000,))).reshape(-1, 1)


# %% A reader that yields shuffled minibatches of 10 examples.
def data_iter(batch_size, features, labels):
    indices = list(range(len(features)))
    random.shuffle(indices)
    for i in range(0, len(indices), batch_size):
        batch = torch.tensor(indices[i : i + batch_size])
        yield features[batch], labels[batch]


# %% The model, the loss and the update, each one line: linreg, squared_loss, sgd.
def linreg(X, w, b):
    return X @ w + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, lr, batch_size):
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


# %% Start from small random weights and b = 0; both need gradients.
w = torch.normal(0, 0.01, size=(2, 1), requires_grad=True)
b = torch.zeros(1, requires_grad=True)
lr, num_epochs, batch_size = 0.03, 3, 10

# %% Train: for each minibatch, loss.sum().backward() then sgd; the last backward is recorded.
for epoch in range(num_epochs):
    for X, y in data_iter(batch_size, features, labels):
        l = squared_loss(linreg(X, w, b), y)
        l.sum().backward()
        sgd([w, b], lr, batch_size)
    with torch.no_grad():
        train_l = squared_loss(linreg(features, w, b), labels)
        print(f"epoch {epoch + 1}, loss {float(train_l.mean()):f}")

# %% Compare with the true line: the errors should be tiny.
print("error in w:", (true_w - w.reshape(true_w.shape)).tolist())
print("error in b:", true_b - b.item())
