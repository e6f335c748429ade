#!/usr/bin/python3
# PyTorch's values AT the kinks and ties of Nabla's piecewise ops (relu, abs, sign, step, max, min, reduce_max,
# max pooling, eq, where, pow with negative or zero bases), forward and gradient, for KinkFixtureTests.
#
# Run (Debian's python3-torch 1.13; never pip install):
#   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 Tests/Nabla.Tests/Fixtures/kinks.py
# writes kinks.json beside this script.
#
# Every case is y = op(inputs) with the loss L = sum(u * y) (u a fixed weight per output element, so a gradient sent
# to the wrong element shows), and records y and dL/d(input) for every input. The "expr" names the Nabla graph the
# test builds for the case (KinkFixtureTests.Build).
#
# Conventions PyTorch 1.13 has (and the asserts below check them, so a different torch fails loudly here):
#   relu'(0) = 0, abs'(0) = 0, sign' = 0 everywhere; heaviside has no derivative in PyTorch (Nabla's step is a
#   comparison, whose derivative is 0: the case records zeros for it, made by autograd through (x > 0) * 1 + 0 * x);
#   torch.maximum / torch.minimum split the gradient equally (1/2, 1/2) between the inputs at a tie;
#   amax (Nabla's reduce_max) splits it equally among the tied elements of a slice;
#   max_pool1d/2d send it to ONE element of a window: the first maximum (in window order).
# Nabla lowers max pooling to im2col + reduce_max, so its windows split ties equally; the pooling cases therefore
# also record "grad_h_equal_split": the gradient with respect to the pooled tensor h under the equal split, computed
# in PyTorch by amax over the unfolded windows (an independent implementation of that convention). When the tied
# elements are ReLU zeros -- the common real tie -- relu'(0) = 0 makes dL/dx the same under both conventions, and
# the test checks dL/dx against max_pool's own there ("same_grad_x"); where positive values tie it checks the
# equal split's dL/dx ("grad_x_equal_split") and records max_pool's beside it.
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
INF = float("inf")
cases = []


def t(v):
    return torch.tensor(v, dtype=torch.float64, requires_grad=True)


def num(v):
    # JSON has no infinities: they are written as the strings "inf" and "-inf" (KinkFixtureTests reads them back).
    v = float(v)
    return v if v == v and abs(v) != INF else ("inf" if v > 0 else "-inf" if v < 0 else "nan")


def flat(x):
    return [num(v) for v in x.detach().reshape(-1).tolist()]


def weights(shape):
    # 1, 2, 3, ... (distinct, so a gradient sent to the wrong element shows)
    n = 1
    for d in shape:
        n *= d
    return torch.arange(1, n + 1, dtype=torch.float64).reshape(shape)


def record(name, expr, inputs, fn, attrs=None, extra=None):
    xs = {k: t(v) for k, v in inputs.items()}
    y = fn(**xs)
    u = weights(tuple(y.shape))
    loss = (u * y).sum()
    need = [v for v in xs.values() if v.requires_grad]
    grads = torch.autograd.grad(loss, need, allow_unused=True) if loss.requires_grad else [None] * len(need)
    g = {}
    for (k, v), gr in zip(xs.items(), grads):
        g[k] = flat(gr) if gr is not None else [0.0] * v.numel()
    case = {
        "name": name, "expr": expr, "attrs": attrs or {},
        "inputs": {k: {"shape": list(v.shape), "value": flat(v)} for k, v in xs.items()},
        "u": flat(u), "y_shape": list(y.shape), "y": flat(y), "grads": g,
    }
    if extra:
        case.update(extra(xs, u))
    cases.append(case)
    return case


# ---- unary kinks ----
c = record("relu at 0", "relu", {"x": [-1.0, 0.0, 2.0]}, lambda x: torch.relu(x))
assert c["grads"]["x"] == [0.0, 0.0, 3.0]
c = record("abs at 0", "abs", {"x": [-1.0, 0.0, 2.0]}, lambda x: torch.abs(x))
assert c["grads"]["x"] == [-1.0, 0.0, 3.0]
c = record("sign at 0", "sign", {"x": [-1.5, 0.0, 2.0]}, lambda x: torch.sign(x))
assert c["y"] == [-1.0, 0.0, 1.0] and c["grads"]["x"] == [0.0, 0.0, 0.0]
c = record("step at 0", "step", {"x": [-1.5, 0.0, 2.0]}, lambda x: (x > 0).to(x.dtype) + 0 * x)
assert c["y"] == [0.0, 0.0, 1.0] and c["grads"]["x"] == [0.0, 0.0, 0.0]
assert flat(torch.heaviside(torch.tensor([-1.5, 0.0, 2.0]), torch.tensor(0.0))) == c["y"]

# ---- binary ties ----
c = record("maximum ties", "max", {"a": [1.0, 2.0, 3.0, -1.0], "b": [1.0, 1.0, 3.0, 0.5]}, lambda a, b: torch.maximum(a, b))
assert c["grads"]["a"] == [0.5, 2.0, 1.5, 0.0] and c["grads"]["b"] == [0.5, 0.0, 1.5, 4.0]
c = record("minimum ties", "min", {"a": [1.0, 2.0, 3.0, -1.0], "b": [1.0, 1.0, 3.0, 0.5]}, lambda a, b: torch.minimum(a, b))
assert c["grads"]["a"] == [0.5, 0.0, 1.5, 4.0]
record("maximum with -inf", "max", {"a": [-INF, 0.0, -INF, 2.0], "b": [-INF, -INF, 1.0, -INF]}, lambda a, b: torch.maximum(a, b))
record("minimum with +inf", "min", {"a": [INF, 0.0, INF], "b": [INF, INF, 1.0]}, lambda a, b: torch.minimum(a, b))

# ---- reduce_max (amax) ties ----
c = record("amax ties along axis 1", "reduce_max_1",
           {"x": [[1.0, 3.0, 3.0, 2.0], [0.0, 0.0, 0.0, 0.0], [5.0, -1.0, 5.0, 5.0]]}, lambda x: torch.amax(x, 1))
assert c["grads"]["x"][:4] == [0.0, 0.5, 0.5, 0.0]
record("amax ties over all", "reduce_max_all", {"x": [[2.0, -1.0], [2.0, 2.0]]}, lambda x: torch.amax(x))
record("amax with -inf", "reduce_max_1", {"x": [[-INF, 1.0, -INF], [-INF, -INF, -INF]]}, lambda x: torch.amax(x, 1))
assert torch.equal(torch.max(torch.tensor([[2.0, -1.0], [2.0, 2.0]])), torch.tensor(2.0))


# ---- max pooling over ReLU zeros (and with -inf padding) ----
def pool_equal_split_1d(k, s, p):
    # d(sum(u * amax over unfolded windows)) / dh, windows padded with -inf as Nabla pads them.
    def extra(xs, u):
        h = torch.relu(xs["x"]).detach().requires_grad_(True)
        hp = F.pad(h, (p, p), value=-INF)
        win = hp.unfold(2, k, s)  # [N, C, L', k]
        y = win.amax(-1)
        ref = F.max_pool1d(torch.relu(xs["x"]).detach(), k, s, p)
        assert torch.equal(y, ref)
        (gh,) = torch.autograd.grad((u * y).sum(), h)
        return {"grad_h_equal_split": flat(gh), "grad_x_equal_split": flat(gh * (xs["x"] > 0))}
    return extra


def pool_first_1d(k, s, p):
    def extra(xs, u):
        h = torch.relu(xs["x"]).detach().requires_grad_(True)
        (gh,) = torch.autograd.grad((u * F.max_pool1d(h, k, s, p)).sum(), h)
        return {"grad_h_pytorch": flat(gh)}
    return extra


def both(*fs):
    def extra(xs, u):
        r = {}
        for f in fs:
            r.update(f(xs, u))
        return r
    return extra


POOL_1D = {
    # ties only among ReLU zeros (and -inf padding): dL/dx is the same under PyTorch's first-max and the equal split
    "zero ties": [[[-1.0, 0.0, 2.0, 1.0, -3.0, -2.0, 0.0, 1.0], [-0.5, -0.5, -1.0, 0.0, 3.0, 1.0, 0.5, -2.0]]],
    # also a tie between positive values (2, 2 and 1, 1): there the two conventions give different dL/dx
    "positive ties": [[[-1.0, 0.0, 2.0, 2.0, -3.0, -2.0, 0.0, 1.0], [-0.5, -0.5, -1.0, 0.0, 3.0, 1.0, 1.0, -2.0]]],
}
for (k, s, p) in [(2, 2, 0), (3, 1, 0), (2, 2, 1), (3, 2, 1)]:
    for what, x in POOL_1D.items():
        record(f"relu then max_pool1d k{k} s{s} p{p}, {what}", "relu_max_pool1d", {"x": x},
               lambda x: F.max_pool1d(torch.relu(x), k, s, p), {"kernel": k, "stride": s, "padding": p},
               both(pool_equal_split_1d(k, s, p), pool_first_1d(k, s, p)))


def pool_equal_split_2d(k, s, p):
    def extra(xs, u):
        h = torch.relu(xs["x"]).detach().requires_grad_(True)
        hp = F.pad(h, (p, p, p, p), value=-INF)
        win = hp.unfold(2, k, s).unfold(3, k, s)  # [N, C, OH, OW, k, k]
        y = win.amax((-2, -1))
        assert torch.equal(y, F.max_pool2d(torch.relu(xs["x"]).detach(), k, s, p))
        (gh,) = torch.autograd.grad((u * y).sum(), h)
        return {"grad_h_equal_split": flat(gh), "grad_x_equal_split": flat(gh * (xs["x"] > 0))}
    return extra


def pool_first_2d(k, s, p):
    def extra(xs, u):
        h = torch.relu(xs["x"]).detach().requires_grad_(True)
        (gh,) = torch.autograd.grad((u * F.max_pool2d(h, k, s, p)).sum(), h)
        return {"grad_h_pytorch": flat(gh)}
    return extra


for (k, s, p) in [(2, 2, 0), (2, 1, 1)]:
    x = [[[[-1.0, 0.0, 2.0, -2.0], [0.0, -3.0, 2.0, 1.0], [-1.0, -1.0, 0.5, 0.5], [4.0, -2.0, 0.5, 0.5]]]]
    record(f"relu then max_pool2d k{k} s{s} p{p}", "relu_max_pool2d", {"x": x},
           lambda x: F.max_pool2d(torch.relu(x), k, s, p), {"kernel": k, "stride": s, "padding": p},
           both(pool_equal_split_2d(k, s, p), pool_first_2d(k, s, p)))

# ---- comparisons and selections ----
c = record("eq mask, mixed", "eq_mask", {"a": [1.0, 2.0, 0.0, -1.0], "b": [1.0, 3.0, 0.0, 1.0], "c": [2.0, 3.0, 4.0, 5.0]},
           lambda a, b, c: (a == b).to(a.dtype) * c)
assert c["y"] == [2.0, 0.0, 4.0, 0.0] and c["grads"]["a"] == [0.0] * 4
c = record("where on a non-comparison condition", "where",
           {"c": [-1.0, 0.0, 2.0, 0.0, 0.5], "a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [-1.0, -2.0, -3.0, -4.0, -5.0]},
           lambda c, a, b: torch.where(c != 0, a, b))
assert c["y"] == [1.0, -2.0, 3.0, -4.0, 5.0] and c["grads"]["c"] == [0.0] * 5

# ---- pow with negative and zero bases, integer exponents ----
for e in [2.0, 3.0, -1.0, 0.0, 1.0]:
    xs = [-2.0, -0.5, 1.5] if e < 0 else [-2.0, -0.5, 0.0, 1.5]
    record(f"pow(x, {e:g})", "pow", {"x": xs}, lambda x, e=e: torch.pow(x, e), {"exponent": e})
c = record("pow(x, -1) at 0", "pow", {"x": [0.0]}, lambda x: torch.pow(x, -1.0), {"exponent": -1.0})
assert c["y"] == ["inf"]  # the derivative -1/x^2 is -inf there

for c in cases:
    if "grad_x_equal_split" in c:
        c["same_grad_x"] = c["grad_x_equal_split"] == c["grads"]["x"]
        assert c["same_grad_x"] or "positive ties" in c["name"] or "max_pool2d" in c["name"], c["name"]
assert all(c["same_grad_x"] for c in cases if "zero ties" in c["name"])
assert not all(c.get("same_grad_x", True) for c in cases)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kinks.json")
with open(out, "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1, allow_nan=True)
print(f"wrote {len(cases)} cases to {out}")
