#!/usr/bin/env python3
"""Produces dropout_step.json: two SGD steps of an MLP with dropout in PyTorch, with the dropout keep-masks recorded.

Run from this folder with Debian's python3-torch (1.13):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 dropout_step.py
The model is Sequential(Linear(4, 6), Tanh(), Dropout(0.5), Linear(6, 3)) with CrossEntropyLoss on one-hot
(probability) targets, mean over the batch, and SGD (lr 0.1). nn.Dropout multiplies by a Bernoulli keep-mask and by
1/(1-p). Each step reads the keep-mask nn.Dropout is about to draw (F.dropout of ones from the same RNG state), runs
the real module, and asserts that its output equals Linear(h * mask / (1 - p)). Nabla's test feeds the recorded masks
to its compiled TrainStep (the mask input "2.mask") and compares the loss, the outputs and the weights after each
step. Everything is float64.
"""
import json
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(12)
torch.set_default_dtype(torch.float64)
p, lr, batch, steps = 0.5, 0.1, 5, 2

net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Dropout(p), nn.Linear(6, 3))
initial = {k: v.detach().clone() for k, v in net.state_dict().items()}
opt = torch.optim.SGD(net.parameters(), lr=lr)


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


record = {"torch": torch.__version__, "p": p, "lr": lr, "batch": batch,
          "initial": {k: tensor(v) for k, v in initial.items()}, "steps": []}
for step in range(steps):
    x = torch.empty(batch, 4).uniform_(-1, 1)
    t = F.one_hot(torch.randint(0, 3, (batch,)), 3).double()
    state = torch.get_rng_state()
    mask = F.dropout(torch.ones(batch, 6), p, training=True) * (1 - p)   # the keep-mask nn.Dropout draws from this state
    torch.set_rng_state(state)
    net.train()
    y = net(x)                                         # the real nn.Dropout, drawing the same mask
    h = net[1](net[0](x))
    assert torch.allclose(y, net[3](h * mask / (1 - p)), rtol=0, atol=1e-15)
    loss = F.cross_entropy(y, t)
    opt.zero_grad()
    loss.backward()
    opt.step()
    record["steps"].append({"x": tensor(x), "t": tensor(t), "mask": tensor(mask), "loss": float(loss), "output": tensor(y.detach()),
                            "after": {k: tensor(v.detach()) for k, v in net.state_dict().items()}})

with open("dropout_step.json", "w") as f:
    json.dump(record, f, indent=1)
print(f"wrote {steps} steps with torch {torch.__version__}")
