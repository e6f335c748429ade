#!/usr/bin/python3
"""Produces ops.json: PyTorch's values for every op family of Nabla's op registry, the reference for OpFixtureTests.

Run from the repository root with Debian's python3-torch (1.13):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 Tests/Nabla.Tests/Fixtures/ops.py
Every case names one registry op (its printed name, Op.ByName), its attributes as Nabla's typed attributes spell them,
its inputs (float64, or i32 indices), the forward value, a fixed upstream gradient ("seed", shaped like the output) and
the vector-Jacobian product seedᵀ·∂output/∂input for every input listed in "diff", all computed by PyTorch in float64.
Where PyTorch has no derivative (comparisons, step, sign, the condition of where) the VJP is zero, which is Nabla's
convention too. Inputs come from a fixed seed and keep away from kinks, ties and domain edges (relu/abs at 0,
max/min/reduce_max ties, log of small numbers): those are another fixture's business. The comparisons do include
equal elements, because their forward value at a tie is exact and part of their meaning.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(20261207)
torch.set_default_dtype(torch.float64)
END = 2147483647  # SliceAttrs.End: "to the end"


def tensor(t, dtype="f64"):
    t = t.detach()
    return {"dtype": dtype, "shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def uniform(shape, lo, hi):
    return torch.empty(shape).uniform_(lo, hi)


def away(shape, lo, hi, kinks=(0.0,), gap=0.1):
    """Uniform in [lo, hi], at least `gap` from every kink."""
    x = uniform(shape, lo, hi)
    for _ in range(1000):
        bad = torch.zeros(shape, dtype=torch.bool)
        for k in kinks:
            bad |= (x - k).abs() < gap
        if not bad.any():
            return x
        x[bad] = uniform(int(bad.sum()), lo, hi)
    raise RuntimeError("could not keep away from the kinks")


def apart(shape, lo, hi, gap=0.1):
    """Two tensors whose elements differ by at least `gap` everywhere (no max/min ties)."""
    a = uniform(shape, lo, hi)
    return a, a + away(shape, -2.0, 2.0, gap=gap)


cases = []
composites = []


def case(name, op, attrs, inputs, diff, fn, into=cases):
    """inputs: list of (name, tensor, dtype); diff: the names of the inputs to differentiate; fn(*inputs) -> output."""
    xs = []
    for n, t, dt in inputs:
        if n in diff:
            xs.append(t.clone().requires_grad_(True))
        elif dt == "i32":
            xs.append(t.clone().long())
        else:
            xs.append(t.clone())
    out = fn(*xs)
    out_dtype = "i32" if out.dtype in (torch.int32, torch.int64) else "f64"
    entry = {
        "name": name, "op": op, "attrs": attrs,
        "inputs": [dict(tensor(t, dt), name=n) for n, t, dt in inputs],
        "output": tensor(out.double(), out_dtype),
        "diff": list(diff),
    }
    if diff:
        seed = torch.randn(out.shape)
        entry["seed"] = tensor(seed)
        wrt = [x for (n, _, _), x in zip(inputs, xs) if n in diff]
        if out.requires_grad:
            grads = torch.autograd.grad(out, wrt, seed, allow_unused=True)
        else:  # not differentiable in PyTorch: no gradient flows, which is a zero VJP
            grads = [None] * len(wrt)
        entry["vjp"] = {n: tensor(g if g is not None else torch.zeros_like(x))
                        for n, g, x in zip([n for n, _, _ in inputs if n in diff], grads, wrt)}
    into.append(entry)


# ---- unary elementwise ----
unary = {
    "neg": (torch.neg, -3, 3, ()),
    "exp": (torch.exp, -3, 3, ()),
    "log": (torch.log, 0.2, 5, ()),
    "log1p": (torch.log1p, -0.8, 5, ()),
    "expm1": (torch.expm1, -3, 3, ()),
    "sqrt": (torch.sqrt, 0.2, 5, ()),
    "abs": (torch.abs, -3, 3, (0.0,)),
    "sin": (torch.sin, -4, 4, ()),
    "cos": (torch.cos, -4, 4, ()),
    "tanh": (torch.tanh, -3, 3, ()),
    "sigmoid": (torch.sigmoid, -6, 6, ()),
    "relu": (torch.relu, -3, 3, (0.0,)),
    "softplus": (F.softplus, -6, 6, ()),  # beta 1; PyTorch's threshold (20) is far outside the range
}
for name, (fn, lo, hi, kinks) in unary.items():
    x = away((2, 5), lo, hi, kinks) if kinks else uniform((2, 5), lo, hi)
    case(name, name, {}, [("x", x, "f64")], ["x"], fn)
# Small arguments, where log1p and expm1 differ from log(1+x) and exp(x)-1.
x = torch.tensor([1e-10, -3e-9, 2e-8, -5e-9, 1e-12, -7e-11])  # all tiny: the tolerance floor scales with the largest
case("log1p_small", "log1p", {}, [("x", x, "f64")], ["x"], torch.log1p)
case("expm1_small", "expm1", {}, [("x", x, "f64")], ["x"], torch.expm1)
# step and sign: the value at exactly 0 is part of their definition (step(0) = 0 as heaviside(x, 0); sign(0) = 0).
x = torch.tensor([-2.5, -0.3, 0.0, 0.4, 1.7, -1e-300, 3.0])
case("step", "step", {}, [("x", x, "f64")], ["x"], lambda x: (x > 0).double())  # heaviside(x, 0)
case("sign", "sign", {}, [("x", x, "f64")], ["x"], torch.sign)

# ---- binary elementwise (with broadcasting) ----
a = uniform((2, 3), -3, 3)
b = uniform((3,), -3, 3)
case("add", "add", {}, [("x", a, "f64"), ("y", b, "f64")], ["x", "y"], torch.add)
case("sub", "sub", {}, [("x", a, "f64"), ("y", uniform((2, 1), -3, 3), "f64")], ["x", "y"], torch.sub)
case("mul", "mul", {}, [("x", a, "f64"), ("y", b, "f64")], ["x", "y"], torch.mul)
case("div", "div", {}, [("x", a, "f64"), ("y", away((2, 3), -3, 3, gap=0.3), "f64")], ["x", "y"], torch.div)
case("pow", "pow", {}, [("x", uniform((2, 3), 0.3, 3), "f64"), ("y", uniform((2, 3), -2, 3), "f64")], ["x", "y"], torch.pow)
# A negative base with integer exponents: defined, and differentiable in the base (the exponent's derivative is NaN there).
case("pow_negative_base", "pow", {}, [("x", torch.tensor([-1.5, -0.7, -2.2, 1.3]), "f64"), ("y", torch.tensor([3.0, 2.0, -1.0, 2.5]), "f64")],
     ["x"], torch.pow)
a, b = apart((2, 4), -3, 3)
case("max", "max", {}, [("x", a, "f64"), ("y", b, "f64")], ["x", "y"], torch.maximum)
case("min", "min", {}, [("x", a, "f64"), ("y", b, "f64")], ["x", "y"], torch.minimum)
# Comparisons, with ties: the masks are mixed (some 0, some 1), and a tie is exact.
a = torch.tensor([[1.0, 2.0, -0.5, 3.0], [0.25, -1.0, 2.0, 0.0]])
b = torch.tensor([[1.0, 1.5, -0.25, 3.5], [0.25, -2.0, 2.0, -0.0]])
case("gt", "gt", {}, [("x", a, "f64"), ("y", b, "f64")], ["x", "y"], lambda x, y: torch.gt(x, y).double())
case("ge", "ge", {}, [("x", a, "f64"), ("y", b, "f64")], ["x", "y"], lambda x, y: torch.ge(x, y).double())
case("eq", "eq", {}, [("x", a, "f64"), ("y", b, "f64")], ["x", "y"], lambda x, y: torch.eq(x, y).double())
# where with a non-comparison condition (any nonzero is true, -0 is false), both branches taken, broadcast branches.
c = torch.tensor([[0.0, 2.5, -1.0], [1e-300, -0.0, 0.0]])
case("where", "where", {}, [("c", c, "f64"), ("a", uniform((2, 3), -3, 3), "f64"), ("b", uniform((3,), -3, 3), "f64")],
     ["c", "a", "b"], lambda c, a, b: torch.where(c != 0, a, b))

# ---- reductions ----
x = uniform((2, 3, 4), -3, 3)
for axes, keep in (([1], False), ([0, 2], True), ([0, 1, 2], False)):
    tag = "_".join(map(str, axes)) + ("_keep" if keep else "")
    case("sum_" + tag, "sum", {"axes": axes, "keep": keep}, [("x", x, "f64")], ["x"], lambda x, axes=axes, keep=keep: torch.sum(x, dim=axes, keepdim=keep))
    case("mean_" + tag, "mean", {"axes": axes, "keep": keep}, [("x", x, "f64")], ["x"], lambda x, axes=axes, keep=keep: torch.mean(x, dim=axes, keepdim=keep))
    # No ties: a permutation of well-separated values.
    xm = (torch.randperm(24).double().reshape(2, 3, 4) * 0.37 - 4)
    case("reduce_max_" + tag, "reduce_max", {"axes": axes, "keep": keep}, [("x", xm, "f64")], ["x"],
         lambda x, axes=axes, keep=keep: torch.amax(x, dim=axes, keepdim=keep))

# ---- layout ----
x = uniform((2, 3, 4), -3, 3)
case("reshape", "reshape", {"shape": [4, 1, 6]}, [("x", x, "f64")], ["x"], lambda x: x.reshape(4, 1, 6))
case("transpose", "transpose", {"perm": [2, 0, 1]}, [("x", x, "f64")], ["x"], lambda x: x.permute(2, 0, 1))
case("transpose_last_two", "transpose", {"perm": [0, 2, 1]}, [("x", x, "f64")], ["x"], lambda x: x.permute(0, 2, 1))
case("broadcast", "broadcast", {"shape": [2, 3, 4]}, [("x", uniform((3, 1), -3, 3), "f64")], ["x"], lambda x: torch.broadcast_to(x, (2, 3, 4)))
case("broadcast_new_axes", "broadcast", {"shape": [2, 2, 3]}, [("x", uniform((3,), -3, 3), "f64")], ["x"], lambda x: torch.broadcast_to(x, (2, 2, 3)))

# ---- matrix products ----
case("matmul", "matmul", {}, [("a", uniform((3, 4), -2, 2), "f64"), ("b", uniform((4, 2), -2, 2), "f64")], ["a", "b"], torch.matmul)
case("matmul_batched", "matmul", {}, [("a", uniform((2, 3, 4), -2, 2), "f64"), ("b", uniform((2, 4, 5), -2, 2), "f64")], ["a", "b"], torch.matmul)
case("matmul_broadcast", "matmul", {}, [("a", uniform((2, 1, 3, 4), -2, 2), "f64"), ("b", uniform((3, 4, 2), -2, 2), "f64")], ["a", "b"], torch.matmul)

# ---- normalizers ----
x = uniform((2, 3, 4), -4, 4)
for axis in (2, 1):
    case(f"softmax_{axis}", "softmax", {"axis": axis}, [("x", x, "f64")], ["x"], lambda x, axis=axis: torch.softmax(x, dim=axis))
    case(f"log_softmax_{axis}", "log_softmax", {"axis": axis}, [("x", x, "f64")], ["x"], lambda x, axis=axis: torch.log_softmax(x, dim=axis))
    case(f"logsumexp_{axis}", "logsumexp", {"axis": axis, "keep": False}, [("x", x, "f64")], ["x"], lambda x, axis=axis: torch.logsumexp(x, dim=axis))
case("logsumexp_keep", "logsumexp", {"axis": 1, "keep": True}, [("x", x, "f64")], ["x"], lambda x: torch.logsumexp(x, dim=1, keepdim=True))
# Large logits, where an unshifted exp overflows.
x = torch.tensor([[800.0, 799.0, 790.0], [-1000.0, -999.5, -1001.0]])
case("softmax_large", "softmax", {"axis": 1}, [("x", x, "f64")], ["x"], lambda x: torch.softmax(x, dim=1))
case("log_softmax_large", "log_softmax", {"axis": 1}, [("x", x, "f64")], ["x"], lambda x: torch.log_softmax(x, dim=1))
case("logsumexp_large", "logsumexp", {"axis": 1, "keep": False}, [("x", x, "f64")], ["x"], lambda x: torch.logsumexp(x, dim=1))

# ---- windows (im2col is F.unfold, col2im is F.fold) ----
for tag, (n, ch, h, w), k, s, p, d in (
        ("", (2, 2, 4, 5), (2, 3), (1, 1), (0, 0), (1, 1)),
        ("_strided_padded", (1, 2, 5, 6), (3, 2), (2, 1), (1, 2), (1, 1)),
        ("_dilated", (1, 1, 6, 6), (2, 2), (1, 2), (1, 0), (2, 3))):
    win = {"kernel": list(k), "stride": list(s), "pad": list(p), "dilation": list(d)}
    x = uniform((n, ch, h, w), -2, 2)
    case("im2col" + tag, "im2col", win, [("x", x, "f64")], ["x"], lambda x, k=k, s=s, p=p, d=d: F.unfold(x, k, dilation=d, padding=p, stride=s))
    cols = F.unfold(x, k, dilation=d, padding=p, stride=s)
    c = uniform(tuple(cols.shape), -2, 2)
    case("col2im" + tag, "col2im", dict(win, image=[ch, h, w]), [("x", c, "f64")], ["x"],
         lambda c, k=k, s=s, p=p, d=d, h=h, w=w: F.fold(c, (h, w), k, dilation=d, padding=p, stride=s))

# ---- movement ----
x = uniform((3, 7, 2), -3, 3)
sl = {"starts": [1, -6, 0], "stops": [END, 7, 1], "steps": [1, 2, 1]}
case("slice", "slice", sl, [("x", x, "f64")], ["x"], lambda x: x[1:, -6:7:2, 0:1])
sl = {"starts": [0, 2, 1], "stops": [2, -1, END], "steps": [2, 3, 1]}
case("slice_steps", "slice", sl, [("x", x, "f64")], ["x"], lambda x: x[0:2:2, 2:-1:3, 1:])
parts = [uniform((2, 1, 3), -3, 3), uniform((2, 3, 3), -3, 3), uniform((2, 2, 3), -3, 3)]
case("concat", "concat", {"axis": 1}, [("a", parts[0], "f64"), ("b", parts[1], "f64"), ("c", parts[2], "f64")], ["a", "b", "c"],
     lambda a, b, c: torch.cat([a, b, c], dim=1))
case("concat_last", "concat", {"axis": 1}, [("a", uniform((2, 2), -3, 3), "f64"), ("b", uniform((2, 3), -3, 3), "f64")], ["a", "b"],
     lambda a, b: torch.cat([a, b], dim=1))


def interior_pad(x, before, after, interior, value):
    """Nabla's pad: `value` before, after and between the elements of every axis (PyTorch has no interior padding)."""
    shape = [b + n + max(n - 1, 0) * i + a for n, b, a, i in zip(x.shape, before, after, interior)]
    out = torch.full(shape, value)
    index = tuple(slice(b, b + (n - 1) * (i + 1) + 1, i + 1) for n, b, i in zip(x.shape, before, interior))
    out = out.index_put(tuple(torch.meshgrid(*[torch.arange(s.start, s.stop, s.step) for s in index], indexing="ij")), x)
    return out


x = uniform((2, 3), -3, 3)
case("pad", "pad", {"before": [1, 0], "after": [0, 2], "interior": [0, 0], "value": 0.0}, [("x", x, "f64")], ["x"],
     lambda x: F.pad(x, (0, 2, 1, 0)))
case("pad_interior_fill", "pad", {"before": [0, 2], "after": [1, 1], "interior": [2, 1], "value": -1.5}, [("x", x, "f64")], ["x"],
     lambda x: interior_pad(x, [0, 2], [1, 1], [2, 1], -1.5))

# ---- integers and indices ----
x = torch.tensor([[-2.7, -1.0, -0.5, 0.0], [0.5, 1.99, 3.0, 7.25]])
case("cast_to_i32", "cast", {"type": "i32"}, [("x", x, "f64")], [], lambda x: x.to(torch.int32))  # truncation toward zero
case("cast_from_i32", "cast", {"type": "f64"}, [("x", torch.tensor([[-3.0, 0.0, 5.0], [2.0, -7.0, 1.0]]), "i32")], [], lambda x: x.double())
x = uniform((3, 4, 2), -3, 3)
idx = torch.tensor([[3, 0, 3], [1, 2, 0]])
case("gather", "gather", {"axis": 1}, [("x", x, "f64"), ("indices", idx.double(), "i32")], ["x"],
     lambda x, i: torch.index_select(x, 1, i.reshape(-1)).reshape(3, 2, 3, 2))
idx = torch.tensor([2, 0, 2, 2, 1])
case("gather_axis0_repeated", "gather", {"axis": 0}, [("x", uniform((3, 2), -3, 3), "f64"), ("indices", idx.double(), "i32")], ["x"],
     lambda x, i: torch.index_select(x, 0, i))
idx = torch.tensor([[3, 0, 3], [1, 2, 0]])
u = uniform((2, 2, 3, 3), -3, 3)
case("scatter_add", "scatter_add", {"axis": 1, "size": 5}, [("u", u, "f64"), ("indices", idx.double(), "i32")], ["u"],
     lambda u, i: torch.zeros(2, 5, 3).index_add(1, i.reshape(-1), u.reshape(2, 6, 3)))
idx = torch.tensor([[0, 3, 1], [3, 3, 2]])
case("one_hot", "one_hot", {"axis": 2, "size": 4, "type": "f64"}, [("indices", idx.double(), "i32")], [],
     lambda i: F.one_hot(i, 4).double())

# ---- compositions: the layers built from the window ops (as Compiler/Dsl/Layers/Conv.cs and Pool.cs build them) ----
# "op" names the composition; OpFixtureTests builds it from registry ops. Max pooling is the registry's max_pool (padded
# taps count as −∞), whose VJP is max_pool_grad.
x = uniform((2, 3, 5, 6), -2, 2)
w = uniform((4, 3, 2, 3), -1, 1)
bias = uniform((4,), -1, 1)
for tag, s, p, d in (("", (1, 1), (0, 0), (1, 1)), ("_strided_padded_dilated", (2, 1), (1, 2), (1, 2))):
    case("conv2d" + tag, "conv2d", {"stride": list(s), "pad": list(p), "dilation": list(d)},
         [("x", x, "f64"), ("w", w, "f64"), ("b", bias, "f64")], ["x", "w", "b"],
         lambda x, w, b, s=s, p=p, d=d: F.conv2d(x, w, b, stride=s, padding=p, dilation=d), into=composites)
xp = (torch.randperm(2 * 3 * 5 * 6).double().reshape(2, 3, 5, 6) * 0.05 - 4)  # no ties in any window
for tag, k, s, p in (("", (2, 2), (2, 2), (0, 0)), ("_padded", (3, 2), (2, 1), (1, 1))):
    case("max_pool2d" + tag, "max_pool2d", {"kernel": list(k), "stride": list(s), "pad": list(p)}, [("x", xp, "f64")], ["x"],
         lambda x, k=k, s=s, p=p: F.max_pool2d(x, k, s, p), into=composites)
    case("avg_pool2d" + tag, "avg_pool2d", {"kernel": list(k), "stride": list(s), "pad": list(p)}, [("x", x, "f64")], ["x"],
         lambda x, k=k, s=s, p=p: F.avg_pool2d(x, k, s, p, count_include_pad=True), into=composites)

json.dump({"torch": torch.__version__, "cases": cases, "composites": composites}, open(__file__.replace(".py", ".json"), "w"), indent=1)
print(f"{len(cases)} cases, {len(composites)} compositions")
