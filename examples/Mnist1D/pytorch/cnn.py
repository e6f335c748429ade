#!/usr/bin/python3
"""The MNIST-1D paper's CNN recipe in PyTorch, for comparison with `dotnet run --project examples/Mnist1D -- --model cnn`.

The model is the paper's ConvBase (the lecture's Networks.Mnist1dCnn()): Conv1d(1, 25, 5, stride 2, padding 1), ReLU,
Conv1d(25, 25, 3, 2, 1), ReLU, Conv1d(25, 25, 3, 2, 1), ReLU, flatten (125), Linear(125, 10): 5,210 parameters.
The recipe: PyTorch's default initialization, Adam lr 0.01, batch 100, 6000 steps, a new shuffled order every epoch,
inputs as in the CSV files (the paper's), no augmentation. Optional flags add the example's changes so both sides can
be compared: --shift N (edge-filled random shift of every training signal by -N..N positions per step), --cosine
(learning rate annealed to 0 over the run), --normalize (global mean/std of the training set, as the C# example).

Run from the repository root with Debian's python3-torch (no other dependency):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 examples/Mnist1D/pytorch/cnn.py --seeds 1,2,3,4,5
It prints one line per seed (test accuracy at the end of training) and the mean.
"""
import argparse
import csv
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))[1:]
    x = torch.tensor([[float(v) for v in r[:-1]] for r in rows], dtype=torch.float32)
    y = torch.tensor([int(r[-1]) for r in rows], dtype=torch.int64)
    return x, y


class ConvBase(nn.Module):
    def __init__(self, output_size=10, channels=25, linear_in=125):
        super().__init__()
        self.conv1 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
        self.conv2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.conv3 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
        self.linear = nn.Linear(linear_in, output_size)

    def forward(self, x):
        x = x.view(-1, 1, x.shape[-1])
        h = F.relu(self.conv1(x))
        h = F.relu(self.conv2(h))
        h = F.relu(self.conv3(h))
        return self.linear(h.view(h.shape[0], -1))


def shift(x, n, gen):
    """Edge-filled random shift of each row by -n..n positions (out[j] = in[j - s], clamped at the ends)."""
    if n == 0:
        return x
    s = torch.randint(-n, n + 1, (x.shape[0], 1), generator=gen)
    j = torch.arange(x.shape[1]).unsqueeze(0) - s
    return torch.gather(x, 1, j.clamp(0, x.shape[1] - 1))


def run(seed, a, x, y, xt, yt):
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = ConvBase()
    assert sum(p.numel() for p in model.parameters()) == 5210
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda k: 0.5 * (1 + math.cos(math.pi * k / a.steps))) if a.cosine else None
    order, pos = torch.randperm(len(x), generator=gen), 0
    t0 = time.time()
    for step in range(a.steps):
        if pos + a.batch > len(x):
            order, pos = torch.randperm(len(x), generator=gen), 0
        idx = order[pos:pos + a.batch]
        pos += a.batch
        loss = F.cross_entropy(model(shift(x[idx], a.shift, gen)), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if sched:
            sched.step()
    seconds = time.time() - t0
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
        train_acc = (model(x).argmax(1) == y).float().mean().item()
    return train_acc, acc, seconds


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    p.add_argument("--data", default=os.path.join(here, "..", "data"))
    p.add_argument("--seeds", default="1,2,3,4,5")
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--shift", type=int, default=0)
    p.add_argument("--cosine", action="store_true")
    p.add_argument("--normalize", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    x, y = load(os.path.join(a.data, "train.csv"))
    xt, yt = load(os.path.join(a.data, "test.csv"))
    if a.normalize:
        m, s = x.mean(), x.std()
        x, xt = (x - m) / s, (xt - m) / s
    accs = []
    for seed in [int(s) for s in a.seeds.split(",")]:
        train_acc, acc, seconds = run(seed, a, x, y, xt, yt)
        accs.append(acc)
        print(f"seed={seed} train_accuracy={train_acc:.4f} test_accuracy={acc:.4f} train_time_s={seconds:.1f} "
              f"ms_per_step={1000 * seconds / a.steps:.2f}", flush=True)
    print(f"mean_test_accuracy={sum(accs) / len(accs):.4f}")


if __name__ == "__main__":
    main()
