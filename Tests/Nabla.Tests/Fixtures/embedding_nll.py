"""Makes embedding_nll.json: PyTorch's values and gradients for Embedding -> mean over the sequence -> Linear ->
log_softmax -> NLLLoss (mean over the batch), in float64, with repeated indices in the batch.

Run from this directory:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 embedding_nll.py
EmbeddingFixtureTests (Tests/Nabla.Tests/Training/EmbeddingTests.cs) rebuilds the same network in Nabla with these
weights and compares the loss, the log-probabilities and every gradient.
"""
import json

import torch

torch.set_default_dtype(torch.float64)
torch.manual_seed(12)

emb = torch.nn.Embedding(7, 3)          # weight [7, 3], N(0, 1)
lin = torch.nn.Linear(3, 4)             # weight [4, 3], bias [4]
x = torch.tensor([[1, 3, 3, 0, 6], [2, 2, 5, 1, 1], [4, 4, 4, 4, 0]])  # [B=3, L=5], repeats within and across rows
t = torch.tensor([3, 0, 2])             # class indices [B]

logp = torch.log_softmax(lin(emb(x).mean(dim=1)), dim=1)
loss = torch.nn.functional.nll_loss(logp, t)
loss.backward()


def flat(a):
    return [float(v) for v in a.detach().reshape(-1).tolist()]


json.dump({
    "torch": torch.__version__,
    "x": [int(v) for v in x.reshape(-1).tolist()], "x_shape": list(x.shape),
    "t": [int(v) for v in t.tolist()],
    "embedding.weight": flat(emb.weight), "linear.weight": flat(lin.weight), "linear.bias": flat(lin.bias),
    "logp": flat(logp), "loss": float(loss),
    "grad.embedding.weight": flat(emb.weight.grad), "grad.linear.weight": flat(lin.weight.grad), "grad.linear.bias": flat(lin.bias.grad),
}, open("embedding_nll.json", "w"), indent=1)
