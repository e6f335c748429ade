#!/usr/bin/env python3
"""PyTorch fixtures for Nabla's recurrent layers (Tests/Nabla.Tests/Dsl/RecurrentTests.cs).

Writes, next to this script:
  rnn.safetensors      float64 cases: for each case its input(s), PyTorch's parameters under their state-dict names,
                       a fixed weighting u of the output, the outputs, and the gradients of L = sum(u * output) (plus
                       sum(v * c') for the LSTM cell) with respect to the input(s) and every parameter.
  gru_classifier.safetensors
                       a float32 PyTorch state dict (nothing else in it) of the MNIST-1D notebooks' GRU model
                       (rnn = nn.GRU(1, 6, batch_first=True, bidirectional=True), linear = nn.Linear(2*6*T, 10)),
                       here over T = 10 steps to keep the test's compile short (the example's model has T = 40); the
                       names are the ones examples/Mnist1D's Grus.Build gives, and the tests load the file into a
                       compiled Nabla network through the checkpoint path (Network.Load).
  gru_classifier_io.safetensors
                       three inputs [3, 10] and the model's float32 logits [3, 10].

Every parameter is rounded to float32 first (Nabla stores parameters in float32), then the cases run in float64.
Tensor names: "<case>.<name>", e.g. "gru.weight_ih_l0_reverse", "gru.grad.x", "gru.output".
The metadata "<case>.params" lists the parameter names in PyTorch's state_dict order.

Run (Debian's python3-torch; no numpy needed):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 Tests/Nabla.Tests/Fixtures/rnn.py

Check a Nabla checkpoint of the MNIST-1D GRU against PyTorch (the other direction):
    python3 rnn.py --check CHECKPOINT.safetensors examples/Mnist1D/data
loads the checkpoint's parameters (dropping "optimizer." keys) into the PyTorch model, standardizes test.csv with
the global mean and (population) std of train.csv, as the example's default does, and prints the test accuracy
PyTorch computes with them.
"""
import json
import os
import struct
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> torch tensor (float32 or float64)."""
    header = {}
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.float64:
            code, dtype = "d", "F64"
        elif t.dtype == torch.float32:
            code, dtype = "f", "F32"
        else:
            raise ValueError(f"{name}: unsupported dtype {t.dtype}")
        values = t.flatten().tolist()
        data = struct.pack("<%d%s" % (len(values), code), *values)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    body = raw[8 + n:]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        code = {"F32": "f", "F64": "d"}[info["dtype"]]
        count = (b - a) // (4 if code == "f" else 8)
        values = struct.unpack("<%d%s" % (count, code), body[a:b])
        out[name] = torch.tensor(values, dtype=torch.float32 if code == "f" else torch.float64).reshape(info["shape"])
    return out


def f32_params(module):
    """Rounds every parameter to float32 (then back to float64), as Nabla stores them."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(p.float().double())


def layer_case(out, meta, name, module, batch, steps):
    f32_params(module)
    x = torch.randn(batch, steps, module.input_size, dtype=torch.float64).float().double().requires_grad_(True)
    output, state = module(x)
    h_n = state[0] if isinstance(state, tuple) else state
    dirs = 2 if module.bidirectional else 1
    # "last": the top layer's final state per direction, directions concatenated: [B, dirs*H]
    last = torch.cat([h_n[-dirs + d] for d in range(dirs)], dim=1)
    u = torch.randn(output.shape, dtype=torch.float64)
    loss = (u * output).sum()
    names = [n for n, _ in module.named_parameters()]
    grads = torch.autograd.grad(loss, [x] + [p for _, p in module.named_parameters()])
    out[f"{name}.x"] = x
    out[f"{name}.u"] = u
    out[f"{name}.output"] = output
    out[f"{name}.last"] = last
    out[f"{name}.grad.x"] = grads[0]
    for n, p in module.named_parameters():
        out[f"{name}.{n}"] = p
    for n, g in zip(names, grads[1:]):
        out[f"{name}.grad.{n}"] = g
    meta[f"{name}.params"] = ",".join(names)


def cell_case(out, meta, name, cell, batch):
    f32_params(cell)
    x = torch.randn(batch, cell.input_size, dtype=torch.float64).requires_grad_(True)
    h = torch.randn(batch, cell.hidden_size, dtype=torch.float64).requires_grad_(True)
    inputs = [x, h]
    if isinstance(cell, torch.nn.LSTMCell):
        c = torch.randn(batch, cell.hidden_size, dtype=torch.float64).requires_grad_(True)
        inputs.append(c)
        h1, c1 = cell(x, (h, c))
        u = torch.randn(h1.shape, dtype=torch.float64)
        v = torch.randn(c1.shape, dtype=torch.float64)
        loss = (u * h1).sum() + (v * c1).sum()
        out[f"{name}.v"] = v
        out[f"{name}.c1"] = c1
        out[f"{name}.c"] = c
    else:
        h1 = cell(x, h)
        u = torch.randn(h1.shape, dtype=torch.float64)
        loss = (u * h1).sum()
    out[f"{name}.x"] = x
    out[f"{name}.h"] = h
    out[f"{name}.u"] = u
    out[f"{name}.h1"] = h1
    names = [n for n, _ in cell.named_parameters()]
    grads = torch.autograd.grad(loss, inputs + [p for _, p in cell.named_parameters()])
    for k, label in enumerate(["x", "h", "c"][:len(inputs)]):
        out[f"{name}.grad.{label}"] = grads[k]
    for n, p in cell.named_parameters():
        out[f"{name}.{n}"] = p
    for n, g in zip(names, grads[len(inputs):]):
        out[f"{name}.grad.{n}"] = g
    meta[f"{name}.params"] = ",".join(names)


class Mnist1dGru(torch.nn.Module):
    """The MNIST-1D notebooks' GRU model (models.py): 40 steps of 1 feature, bidirectional GRU(6), Linear(480, 10)."""

    def __init__(self, hidden=6, steps=40, classes=10):
        super().__init__()
        self.rnn = torch.nn.GRU(1, hidden, batch_first=True, bidirectional=True)
        self.linear = torch.nn.Linear(2 * hidden * steps, classes)

    def forward(self, x):
        x = x.view(*x.shape[:2], 1)
        output, _ = self.rnn(x)
        return self.linear(output.reshape(output.shape[0], -1))


def make_fixtures():
    torch.manual_seed(20261206)
    out, meta = {}, {}
    layer_case(out, meta, "gru", torch.nn.GRU(3, 4, batch_first=True, bidirectional=True).double(), batch=2, steps=5)
    layer_case(out, meta, "lstm", torch.nn.LSTM(3, 4, num_layers=2, batch_first=True, bidirectional=True).double(), batch=2, steps=4)
    layer_case(out, meta, "rnn", torch.nn.RNN(3, 4, batch_first=True).double(), batch=2, steps=5)
    layer_case(out, meta, "rnn_relu", torch.nn.RNN(2, 3, num_layers=2, nonlinearity="relu", batch_first=True).double(), batch=3, steps=3)
    cell_case(out, meta, "grucell", torch.nn.GRUCell(3, 4).double(), batch=2)
    cell_case(out, meta, "lstmcell", torch.nn.LSTMCell(3, 4).double(), batch=2)
    cell_case(out, meta, "rnncell", torch.nn.RNNCell(3, 4).double(), batch=2)
    meta["torch"] = torch.__version__
    write_safetensors(os.path.join(HERE, "rnn.safetensors"), out, meta)

    model = Mnist1dGru(steps=10)
    state = {k: v.float() for k, v in model.state_dict().items()}
    write_safetensors(os.path.join(HERE, "gru_classifier.safetensors"), state, {"format": "pt"})
    x = torch.randn(3, 10)
    with torch.no_grad():
        logits = model(x)
    write_safetensors(os.path.join(HERE, "gru_classifier_io.safetensors"), {"x": x, "logits": logits}, {"torch": torch.__version__})
    print(f"wrote {len(out)} tensors to rnn.safetensors, {len(state)} to gru_classifier.safetensors")


def read_csv(path):
    xs, ys = [], []
    with open(path) as f:
        next(f)
        for line in f:
            fields = line.strip().split(",")
            xs.append([float(v) for v in fields[:-1]])
            ys.append(int(fields[-1]))
    return xs, ys


def check(checkpoint, data_dir):
    train, _ = read_csv(os.path.join(data_dir, "train.csv"))
    values = [v for row in train for v in row]
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    tensors = read_safetensors(checkpoint)
    state = {k: v.float() for k, v in tensors.items() if not k.startswith("optimizer.")}
    hidden = state["rnn.weight_hh_l0"].shape[1]
    model = Mnist1dGru(hidden=hidden, steps=state["linear.weight"].shape[1] // (2 * hidden))
    model.load_state_dict(state)
    xs, ys = read_csv(os.path.join(data_dir, "test.csv"))
    xs = [[(v - mean) / std for v in row] for row in xs]
    with torch.no_grad():
        pred = model(torch.tensor(xs, dtype=torch.float32)).argmax(dim=1)
    acc = (pred == torch.tensor(ys)).float().mean().item()
    print(f"pytorch_test_accuracy={acc:.4f}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        check(sys.argv[2], sys.argv[3])
    else:
        make_fixtures()
