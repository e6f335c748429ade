#!/usr/bin/python3
"""Produces adam_steps.json: six Adam and six AdamW steps of a small MLP in PyTorch, in float32.

Run from this folder with Debian's python3-torch (1.13):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 adam_steps.py
The model is Sequential(Linear(4, 5), Tanh(), Linear(5, 2)) with MSELoss (mean), its weights scaled down to at most
0.05 so that the steps (lr 0.1) dominate the weights and their float32 rounding: PyTorch computes Adam's bias
corrections 1 - beta**k in double (Python floats), so its float32 weights after each step are the reference for
Nabla's float32 step at float32 tightness. Each run starts from the same weights and sees the same batches.
"bias_corrections" lists 1 - beta**k in double for a few beta and k (the values Nabla's float32 graph must round to).
"""
import json
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(17)
torch.set_default_dtype(torch.float32)
batch, steps, lr = 8, 6, 0.1

net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
with torch.no_grad():
    for p in net.parameters():
        p.mul_(0.05 / p.abs().max())
initial = {k: v.detach().clone() for k, v in net.state_dict().items()}
batches = [(torch.empty(batch, 4).uniform_(-1, 1), torch.empty(batch, 2).uniform_(-1, 1)) for _ in range(steps)]


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def run(make):
    net.load_state_dict(initial)
    opt = make(net.parameters())
    out = []
    for x, t in batches:
        loss = F.mse_loss(net(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()
        out.append({"loss": float(loss), "after": {k: tensor(v.detach()) for k, v in net.state_dict().items()}})
    return out


record = {"torch": torch.__version__, "lr": lr, "batch": batch, "betas": [0.9, 0.999], "eps": 1e-8, "adamw_weight_decay": 0.1,
          "initial": {k: tensor(v) for k, v in initial.items()},
          "batches": [{"x": tensor(x), "t": tensor(t)} for x, t in batches],
          "adam": run(lambda ps: torch.optim.Adam(ps, lr=lr, betas=(0.9, 0.999), eps=1e-8, foreach=False)),
          "adamw": run(lambda ps: torch.optim.AdamW(ps, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1, foreach=False)),
          "bias_corrections": [{"beta": b, "k": k, "value": 1 - b ** k}
                               for b in (0.9, 0.99, 0.999, 0.9999) for k in (1, 2, 10, 1000, 10 ** 6)]}

with open("adam_steps.json", "w") as f:
    json.dump(record, f, indent=1)
print(f"wrote {steps} Adam and {steps} AdamW steps with torch {torch.__version__}")
