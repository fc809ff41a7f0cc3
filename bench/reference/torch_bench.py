"""PyTorch (CPU) reference for `just bench-compare`: the five models of `xent-bench`, same batch sizes,
optimizers, losses, samples per epoch and protocol (see `common.py` and `crates/xent-bench/src/main.rs`).

    .venv/bin/python bench/reference/torch_bench.py [--variant NAME] [--quick] [MODEL…]

The training loop is the standard one (`zero_grad`, forward, loss, `backward`, `step`,
`loss.item()`); inference runs under `torch.inference_mode()` with the model in `eval()`.
Variants (`--variant`):
- `eager` (default): all of it eagerly.
- `compile`: `torch.compile` (Inductor, default mode, static shapes) of the forward pass with
  the loss, and of the optimizer step; AOTAutograd compiles the backward pass with the forward.
  On the CPU Inductor generates C++/OpenMP kernels and builds them with the system's C++ compiler.
  Inference compiles the forward pass with the output sum. The warm-up epoch and pass include the
  compilation (their times are recorded as `train_warmup_s` and `infer_warmup_s`).
- `max_autotune`: the same with `mode="max-autotune"`: while compiling, Inductor also times its
  own C++ GEMM templates against the ATen kernels and keeps the faster. That makes compilation
  longer, so `just bench-compare` runs it only when asked
  (`--variants pytorch=eager,compile,max_autotune`).

Threads: PyTorch's default (`torch.get_num_threads()`, recorded). Optimizers as Keras's defaults:
Adam(lr 1e-3, eps 1e-7), Adamax(lr 1e-3, eps 1e-7), with PyTorch's default (single-tensor) CPU
implementation, which `torch.compile` fuses.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

VARIANTS = ["eager", "compile", "max_autotune"]
COMPILE_MODES = {"compile": "default", "max_autotune": "max-autotune"}


class ResBlock(nn.Module):
    """Conv1D(32,5,same) → BN → ReLU → Conv1D(32,5,same) → BN → add → ReLU (the pool follows)."""

    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv1d(c, c, 5, padding=2)
        self.bn1 = nn.BatchNorm1d(c)
        self.conv2 = nn.Conv1d(c, c, 5, padding=2)
        self.bn2 = nn.BatchNorm1d(c)

    def forward(self, x):
        h = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(h)) + x)


class ResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv1d(1, 32, 5, padding=2), nn.BatchNorm1d(32), nn.ReLU())
        self.blocks = nn.ModuleList([ResBlock(32) for _ in range(3)])
        self.out = nn.Linear(32, 5)

    def forward(self, x):
        x = self.stem(x)
        for block in self.blocks:
            x = F.max_pool1d(block(x), 2)
        return self.out(x.mean(dim=2))


class Transpose(nn.Module):
    def forward(self, x):
        return x.transpose(1, 2)


def build(model):
    if model == "ecg_cnn":  # input [B, 1, 187]
        return nn.Sequential(
            nn.Conv1d(1, 32, 5), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(32, 64, 5), nn.ReLU(), nn.MaxPool1d(2),
            nn.Flatten(), nn.Linear(64 * 43, 128), nn.ReLU(), nn.Linear(128, 5),
        )
    if model == "ecg_resnet":
        return ResNet()
    if model == "text_cnn":  # ids [B, 200]
        return nn.Sequential(
            nn.Embedding(20_000, 128), nn.Dropout(0.25), Transpose(),
            nn.Conv1d(128, 32, 4), nn.ReLU(), nn.MaxPool1d(2),
            nn.Flatten(), nn.Linear(32 * 98, 256), nn.Dropout(0.25), nn.ReLU(), nn.Linear(256, 4),
        )
    if model == "mnist_cnn":  # input [B, 1, 28, 28]
        return nn.Sequential(
            nn.Conv2d(1, 100, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(100, 100, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Dropout(0.3), nn.Flatten(),
            nn.Linear(100 * 5 * 5, 100), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(100, 100), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(100, 10),
        )
    if model == "pima_mlp":
        return nn.Sequential(nn.Linear(8, 12), nn.ReLU(), nn.Linear(12, 8), nn.ReLU(), nn.Linear(8, 1))
    raise ValueError(model)


def run_one(model, variant):
    torch.manual_seed(0)
    spec = common.SPECS[model]
    net = build(model)
    if spec["optimizer"] == "adamax":
        opt = torch.optim.Adamax(net.parameters(), lr=1e-3, eps=1e-7)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, eps=1e-7)
    b = spec["batch"]
    xs = [torch.from_numpy(common.inputs(model, b, s, channels_last=False)) for s in range(common.DISTINCT)]
    if model == "pima_mlp":
        ys = [torch.from_numpy(common.targets(model, b, s).astype("float32")).reshape(b, 1) for s in range(common.DISTINCT)]
        loss_fn = F.binary_cross_entropy_with_logits  # one sigmoid, binary CE from logits
    else:
        ys = [torch.from_numpy(common.targets(model, b, s)) for s in range(common.DISTINCT)]
        loss_fn = F.cross_entropy  # softmax categorical CE from logits (class-index targets)

    def forward_loss(x, y):
        return loss_fn(net(x), y)

    def optimizer_step():
        opt.step()

    def infer_sum(x):
        return net(x).sum()

    if variant in COMPILE_MODES:
        mode = COMPILE_MODES[variant]
        forward_loss = torch.compile(forward_loss, mode=mode, dynamic=False)
        optimizer_step = torch.compile(optimizer_step, mode=mode, dynamic=False)
        infer_sum = torch.compile(infer_sum, mode=mode, dynamic=False)

    net.train()

    def train_step(i):
        opt.zero_grad(set_to_none=True)
        loss = forward_loss(xs[i], ys[i])
        loss.backward()
        optimizer_step()
        return loss.item()

    ib = common.INFER_BATCH
    infer_xs = [torch.from_numpy(common.inputs(model, ib, 100 + s, channels_last=False)) for s in range(2)]

    def infer_step(i):
        with torch.inference_mode():
            return infer_sum(infer_xs[i]).item()

    result = common.measure(model, common.step_epoch(model, train_step), infer_step, before_infer=net.eval)
    result["params"] = sum(p.numel() for p in net.parameters())
    if variant in COMPILE_MODES:
        result["torch_compile_mode"] = COMPILE_MODES[variant]
    return result


def machine(variant):
    m = common.base_machine()
    m.update(
        framework="pytorch",
        variant=variant,
        torch=torch.__version__,
        torch_num_threads=torch.get_num_threads(),
        torch_num_interop_threads=torch.get_num_interop_threads(),
        mkldnn=torch.backends.mkldnn.is_available(),
    )
    return m


if __name__ == "__main__":
    common.main(os.path.abspath(__file__), VARIANTS, run_one, machine)
