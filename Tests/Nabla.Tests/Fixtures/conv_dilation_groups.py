"""Makes conv_dilation_groups.json: PyTorch's values for dilated, grouped and depthwise Conv1d/Conv2d and for
adaptive average pooling, which Tests/Nabla.Tests/Dsl/ConvDilationGroupsTests.cs compares Nabla against.

Run from the repository root with Debian's python3-torch (no other dependency):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Tests/Nabla.Tests/Fixtures/conv_dilation_groups.py

Everything is float64. Each case records the layer's configuration, its input x, its parameters (PyTorch's names and
shapes), a cotangent u of the output's shape, the output y and the gradients of sum(u * y) with respect to x and to
every parameter. Inputs and parameters are drawn from a seeded generator, so the file is reproducible.
"""
import json
import os

import torch

torch.manual_seed(12)
torch.set_default_dtype(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def record(name, module, x, config):
    x = x.clone().requires_grad_(True)
    y = module(x)
    u = torch.rand(y.shape) * 2 - 1
    (y * u).sum().backward()
    case = {
        "name": name,
        "config": config,
        "x_shape": list(x.shape), "x": flat(x),
        "u": flat(u),
        "y_shape": list(y.shape), "y": flat(y),
        "grad_x": flat(x.grad),
        "params": {},
    }
    for pname, p in module.named_parameters():
        case["params"][pname] = {"shape": list(p.shape), "value": flat(p), "grad": flat(p.grad)}
    return case


def conv(name, dims, cin, cout, k, stride, padding, dilation, groups, bias, xshape):
    cls = torch.nn.Conv1d if dims == 1 else torch.nn.Conv2d
    m = cls(cin, cout, k, stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias)
    with torch.no_grad():  # values well away from zero, so every weight matters
        for p in m.parameters():
            p.copy_(torch.rand(p.shape) * 2 - 1)
    x = torch.rand(xshape) * 2 - 1
    config = {"dims": dims, "in": cin, "out": cout, "kernel": k, "stride": stride, "padding": padding,
              "dilation": dilation, "groups": groups, "bias": bias}
    return record(name, m, x, config)


def adaptive(name, size, xshape):
    m = torch.nn.AdaptiveAvgPool1d(size) if len(xshape) == 3 else torch.nn.AdaptiveAvgPool2d(size)
    x = torch.rand(xshape) * 2 - 1
    return record(name, m, x, {"dims": len(xshape) - 2, "output_size": size})


cases = [
    conv("conv1d_dilated", 1, 3, 4, 3, 2, 2, 2, 1, True, (2, 3, 11)),
    conv("conv1d_grouped", 1, 4, 6, 3, 1, 1, 1, 2, True, (2, 4, 9)),
    conv("conv1d_depthwise_dilated", 1, 3, 6, 5, 1, 3, 2, 3, True, (2, 3, 10)),
    conv("conv2d_dilated", 2, 2, 3, [3, 2], [1, 2], [2, 1], [2, 3], 1, True, (2, 2, 7, 8)),
    conv("conv2d_grouped_dilated", 2, 4, 6, [3, 3], [2, 2], [1, 1], [1, 2], 2, True, (2, 4, 6, 7)),
    conv("conv2d_depthwise", 2, 3, 3, [3, 3], [1, 1], [1, 1], [1, 1], 3, False, (2, 3, 5, 5)),
]
adaptives = [
    adaptive("adaptive1d_10_to_3", 3, (2, 2, 10)),
    adaptive("adaptive1d_7_to_4", 4, (2, 3, 7)),
    adaptive("adaptive1d_5_to_8", 8, (1, 2, 5)),
    adaptive("adaptive2d_7x10_to_4x3", [4, 3], (2, 2, 7, 10)),
    adaptive("adaptive2d_5x5_to_2x3", [2, 3], (1, 3, 5, 5)),
]

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conv_dilation_groups.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "conv": cases, "adaptive": adaptives}, f, indent=0)
print(f"wrote {out}: {len(cases)} convolutions, {len(adaptives)} adaptive poolings (torch {torch.__version__})")
