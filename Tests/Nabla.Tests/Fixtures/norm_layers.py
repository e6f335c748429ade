#!/usr/bin/env python3
"""Writes norm_layers.json: PyTorch's values for LayerNorm, BatchNorm1d and BatchNorm2d, read by
Tests/Nabla.Tests/Dsl/NormLayerTests.cs.

Run from the repository root with Debian's python3-torch (no other dependency):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Tests/Nabla.Tests/Fixtures/norm_layers.py

Everything is float64. Tensors are stored flat (row-major) with their shapes. Parameters of PyTorch modules are named
as in their state_dict, so the C# test loads them by name.
"""
import json
import os

import torch

torch.manual_seed(12)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def tensor(t):
    return {"shape": list(t.shape), "data": flat(t)}


def rand(*shape, scale=1.0, shift=0.0):
    return torch.randn(*shape) * scale + shift


def state(module):
    return {k: tensor(v) for k, v in module.state_dict().items()}


def single_layer_case(name, module, x, randomize_affine=True):
    """Training-mode output and the gradients of sum(y * g), then the running statistics and an eval output."""
    if randomize_affine and getattr(module, "weight", None) is not None:
        with torch.no_grad():
            module.weight.copy_(rand(*module.weight.shape, scale=0.5, shift=1.0))
            module.bias.copy_(rand(*module.bias.shape, scale=0.5))
    before = state(module)
    module.train()
    x = x.clone().requires_grad_(True)
    y = module(x)
    g = rand(*y.shape)
    (y * g).sum().backward()
    case = {
        "name": name,
        "params": before,
        "x": tensor(x),
        "g": tensor(g),
        "y_train": tensor(y),
        "dx": tensor(x.grad),
    }
    if getattr(module, "weight", None) is not None:
        case["dweight"] = tensor(module.weight.grad)
        case["dbias"] = tensor(module.bias.grad)
    case["after_one_step"] = state(module)
    module.eval()
    x_eval = rand(*x.shape, scale=2.0, shift=0.5)
    with torch.no_grad():
        case["x_eval"] = tensor(x_eval)
        case["y_eval"] = tensor(module(x_eval))
    return case


cases = [
    single_layer_case("layernorm_last", torch.nn.LayerNorm(6), rand(4, 6, scale=2.0, shift=1.0)),
    single_layer_case("layernorm_two_axes", torch.nn.LayerNorm([3, 5]), rand(2, 4, 3, 5, scale=1.5, shift=-0.5)),
    single_layer_case("layernorm_no_affine", torch.nn.LayerNorm(5, eps=1e-3, elementwise_affine=False), rand(3, 5)),
    single_layer_case("batchnorm1d_2d_input", torch.nn.BatchNorm1d(3), rand(5, 3, scale=2.0, shift=1.0)),
    single_layer_case("batchnorm1d_3d_input", torch.nn.BatchNorm1d(3, momentum=0.3), rand(4, 3, 5, scale=0.7, shift=2.0)),
    single_layer_case("batchnorm2d", torch.nn.BatchNorm2d(2), rand(3, 2, 4, 5, scale=1.3, shift=-1.0)),
    single_layer_case("batchnorm2d_cumulative_no_affine", torch.nn.BatchNorm2d(2, eps=1e-3, momentum=None, affine=False), rand(2, 2, 3, 3, shift=0.5)),
]


def training_case(name, net, x_shape, classes, steps=3, batch=6, lr=0.1):
    """`steps` SGD steps (softmax cross-entropy, mean over the batch) on fresh batches; then the state dict and an eval output."""
    init = state(net)
    opt = torch.optim.SGD(net.parameters(), lr=lr)
    batches = []
    losses = []
    net.train()
    for _ in range(steps):
        x = rand(batch, *x_shape, scale=1.5, shift=0.3)
        labels = torch.randint(0, classes, (batch,))
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), labels)
        loss.backward()
        opt.step()
        batches.append({"x": tensor(x), "labels": [int(v) for v in labels]})
        losses.append(float(loss))
    net.eval()
    x_eval = rand(batch, *x_shape)
    with torch.no_grad():
        y_eval = net(x_eval)
    return {"name": name, "lr": lr, "classes": classes, "init": init, "batches": batches, "losses": losses,
            "final": state(net), "x_eval": tensor(x_eval), "y_eval": tensor(y_eval)}


mlp = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 3))
with torch.no_grad():
    mlp[1].weight.copy_(rand(6, scale=0.3, shift=1.0))
    mlp[1].bias.copy_(rand(6, scale=0.3))
cnn = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 3, padding=1), torch.nn.BatchNorm2d(3), torch.nn.ReLU(),
                          torch.nn.Flatten(), torch.nn.Linear(3 * 4 * 4, 3))
training = [
    training_case("mlp_batchnorm1d", mlp, (4,), 3),
    training_case("cnn_batchnorm2d", cnn, (2, 4, 4), 3, batch=4),
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "norm_layers.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "layers": cases, "training": training}, f, indent=None, separators=(",", ":"))
    f.write("\n")
print(f"wrote {out} ({os.path.getsize(out)} bytes, torch {torch.__version__})")
