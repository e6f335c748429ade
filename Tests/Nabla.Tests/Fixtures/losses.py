#!/usr/bin/env python3
"""Produces losses.json: values and gradients of PyTorch's losses in float64, the reference for LossFixtureTests.

Run from this folder with Debian's python3-torch (1.13):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 losses.py
Every case records its inputs, the loss with reduction 'mean' and 'sum', and the gradient of each of those with
respect to every differentiable input. For the elementwise losses (L1, Huber, BCE) PyTorch's 'sum' adds every
element, while Nabla's Reduction.Sum adds the per-example losses, each the mean over its elements (Nabla's
convention for every elementwise loss, MSE included): such cases say "elements_per_example": E and the test divides
PyTorch's sum by E (the 'mean' reductions are the same in both). Inputs are drawn from a fixed seed and kept away from the kinks of L1, Huber,
the triplet hinge and the contrastive hinge, so the finite-difference checks on the same data are well defined.
"""
import json
import torch
import torch.nn.functional as F

torch.manual_seed(20261206)
torch.set_default_dtype(torch.float64)


def away(shape, lo, hi, kinks, gap=0.05):
    x = torch.empty(shape).uniform_(lo, hi)
    for _ in range(100):
        bad = torch.zeros(shape, dtype=torch.bool)
        for k in kinks:
            bad |= (x - k).abs() < gap
        if not bad.any():
            return x
        x[bad] = torch.empty(int(bad.sum())).uniform_(lo, hi)
    raise RuntimeError("could not keep away from the kinks")


def tensor(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


cases = []


def case(name, loss, params, inputs, diff, fn):
    """fn(reduction, **inputs) -> scalar; diff: names of the inputs to differentiate."""
    entry = {"name": name, "loss": loss, "params": params, "inputs": {k: tensor(v) for k, v in inputs.items()}}
    for reduction in ("mean", "sum"):
        xs = {k: (v.clone().requires_grad_(True) if k in diff else v.clone()) for k, v in inputs.items()}
        value = fn(reduction, **xs)
        value.backward()
        entry[reduction] = float(value)
        entry["grad_" + reduction] = {k: tensor(xs[k].grad) for k in diff}
    cases.append(entry)


B = 5
# L1Loss: |y - t|, kinks where y = t.
t = torch.empty(B, 3).uniform_(-2, 2)
y = t + away((B, 3), -1.5, 1.5, [0.0])
case("l1", "L1", {"elements_per_example": 3}, {"y": y, "t": t}, ["y", "t"], lambda r, y, t: F.l1_loss(y, t, reduction=r))

# HuberLoss(delta): kinks at y - t = 0 (smooth) and ±delta.
d = 0.7
t = torch.empty(B, 4).uniform_(-2, 2)
y = t + away((B, 4), -2.0, 2.0, [-d, d])
case("huber", "Huber", {"delta": d, "elements_per_example": 4}, {"y": y, "t": t}, ["y", "t"], lambda r, y, t: F.huber_loss(y, t, reduction=r, delta=d))

# CrossEntropyLoss with class-index targets: label smoothing, class weights, both.
C = 4
z = torch.empty(B, C).uniform_(-3, 3)
idx = torch.tensor([2, 0, 3, 2, 1])
w = torch.tensor([0.2, 1.0, 3.0, 0.5])
for name, eps, weight in (("ce_smooth_idx", 0.1, None), ("ce_weighted_idx", 0.0, w), ("ce_weighted_smooth_idx", 0.2, w)):
    case(name, "SoftmaxCrossEntropy", {"targets": "indices", "smoothing": eps, "weights": None if weight is None else weight.tolist()},
         {"z": z, "t": idx.double()}, ["z"],
         lambda r, z, t, eps=eps, weight=weight: F.cross_entropy(z, t.long(), weight=weight, label_smoothing=eps, reduction=r))

# CrossEntropyLoss with probability targets, weights and smoothing (the mean divides by B here).
p = torch.softmax(torch.empty(B, C).uniform_(-2, 2), dim=1)
case("ce_weighted_smooth_prob", "SoftmaxCrossEntropy", {"targets": "probabilities", "smoothing": 0.15, "weights": w.tolist()},
     {"z": z, "t": p}, ["z", "t"], lambda r, z, t: F.cross_entropy(z, t, weight=w, label_smoothing=0.15, reduction=r))

# BCEWithLogitsLoss(pos_weight): a scalar and one weight per label.
z = torch.empty(B, 3).uniform_(-4, 4)
t = torch.empty(B, 3).uniform_(0, 1)
t[0] = torch.tensor([0.0, 1.0, 1.0])
for name, pw in (("bce_pos_scalar", torch.tensor(2.5)), ("bce_pos_vector", torch.tensor([0.5, 2.0, 4.0]))):
    case(name, "BinaryCrossEntropyWithLogits", {"posWeight": pw.reshape(-1).tolist(), "elements_per_example": 3}, {"z": z, "t": t}, ["z", "t"],
         lambda r, z, t, pw=pw: F.binary_cross_entropy_with_logits(z, t, pos_weight=pw, reduction=r))

# TripletMarginLoss(margin, p=2, eps=1e-6): keep d(a,p) - d(a,n) + margin away from 0.
m = 0.8
while True:
    a, pos, neg = (torch.empty(B, 3).uniform_(-1, 1) for _ in range(3))
    h = F.pairwise_distance(a, pos) - F.pairwise_distance(a, neg) + m
    if (h.abs() > 0.05).all() and (h > 0).any() and (h < 0).any():
        break
case("triplet", "TripletMargin", {"margin": m}, {"a": a, "p": pos, "n": neg}, ["a", "p", "n"],
     lambda r, a, p, n: F.triplet_margin_loss(a, p, n, margin=m, p=2, eps=1e-6, reduction=r))

# InfoNCE over in-batch negatives: cross-entropy of normalize(q) normalize(k)^T / tau with the diagonal as targets.
tau = 0.2
q = torch.empty(6, 4).uniform_(-1, 1)
k = q + 0.6 * torch.empty(6, 4).uniform_(-1, 1)


def info_nce(r, q, k, symmetric=False):
    s = F.normalize(q, dim=1) @ F.normalize(k, dim=1).T / tau
    labels = torch.arange(q.shape[0])
    loss = F.cross_entropy(s, labels, reduction=r)
    if symmetric:
        loss = 0.5 * (loss + F.cross_entropy(s.T, labels, reduction=r))
    return loss


case("infonce_inbatch", "InfoNceInBatch", {"temperature": tau, "symmetric": False}, {"q": q, "k": k}, ["q", "k"], info_nce)
case("infonce_inbatch_symmetric", "InfoNceInBatch", {"temperature": tau, "symmetric": True}, {"q": q, "k": k}, ["q", "k"],
     lambda r, q, k: info_nce(r, q, k, True))

# Contrastive margin loss (Hadsell et al. 2006): 1/2 y d^2 + 1/2 (1-y) max(0, margin - d)^2, d = pairwise_distance.
mc = 1.2
while True:
    a, b = torch.empty(B, 3).uniform_(-1, 1), torch.empty(B, 3).uniform_(-1, 1)
    dist = F.pairwise_distance(a, b)
    if ((dist - mc).abs() > 0.05).all() and (dist < mc).sum() >= 2:
        break
lab = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0])


def contrastive(r, a, b, y):
    d = F.pairwise_distance(a, b, p=2, eps=1e-6)
    per = 0.5 * y * d ** 2 + 0.5 * (1 - y) * torch.clamp(mc - d, min=0) ** 2
    return per.mean() if r == "mean" else per.sum()


case("contrastive", "ContrastiveMargin", {"margin": mc}, {"a": a, "b": b, "y": lab}, ["a", "b"], contrastive)

with open("losses.json", "w") as f:
    json.dump({"torch": torch.__version__, "cases": cases}, f, indent=1)
print(f"wrote {len(cases)} cases with torch {torch.__version__}")
