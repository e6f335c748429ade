#!/usr/bin/python3
"""Makes mnist1d_cnn.json: PyTorch's outputs and gradients of the MNIST-1D paper's CNN (ConvBase), which
Tests/Nabla.Tests/Examples/Mnist1DCnnTests.cs compares examples/Mnist1D's --model cnn (Cnns.Build) against.

Run from the repository root with Debian's python3-torch (no other dependency):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 Tests/Nabla.Tests/Fixtures/mnist1d_cnn.py

Everything is float64. The file holds the parameters (PyTorch's names, shapes and default initialization from a seeded
generator), an input x of 3 signals of 40 values, the logits y [3, 10], and the gradients of the mean softmax
cross-entropy of y against the labels with respect to x and to every parameter.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

# The network is the example's PyTorch script's ConvBase (one definition for the comparison run and the fixture).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "Mnist1D", "pytorch"))
from cnn import ConvBase  # noqa: E402

torch.manual_seed(13)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


model = ConvBase()
x = torch.randn(3, 40, requires_grad=True)
labels = torch.tensor([3, 0, 7])
y = model(x)
F.cross_entropy(y, labels).backward()
out = {
    "x": flat(x), "labels": labels.tolist(), "y": flat(y), "grad_x": flat(x.grad),
    "params": {n: {"shape": list(p.shape), "value": flat(p), "grad": flat(p.grad)} for n, p in model.named_parameters()},
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mnist1d_cnn.json")
with open(path, "w") as f:
    json.dump(out, f)
print(f"wrote {path}: {sum(p.numel() for p in model.parameters())} parameters")
