"""Golden values for `xent export --format safetensors`: PyTorch loads the exported ECG networks
and computes their logits.

Exports six carried trained runs with the xent binary: export_torch_run/categorical/seed-0 (the
default ECG CNN of `xent train ecg`, 10 epochs on MIT-BIH DS1),
export_torch_run_resnet/categorical/seed-0 (`--model resnet`, 3 epochs), and four tiny text runs
(export_torch_text_question, _kim: `xent train text --model question|kim --limit 300 --vocab-size
150 --max-len 5|9 --embed-dim 6 --epochs 2`; _mlp, _linear: `--model mlp|linear --limit 300
--vocab-size 150 [--embed-dim 8] --epochs 2`; R8), defines the equivalent
torch.nn module of each from the run's config.json (text.json for text runs), loads the file with
`safetensors.torch.load_file` + `load_state_dict(strict=True)`, and runs it in eval mode on six
beat windows, six documents of token ids or six bags of words made deterministically below. Writes
tests/golden/export_torch.json: per network the inputs, the state-dict keys and shapes and the
logits; and the versions used. tests/export_torch.rs checks
xent's own logits and the exported names and shapes against it, without Python.

Run from the repository root (needs torch, safetensors and numpy):

    .venv/bin/python tests/golden/export_torch.py
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _golden_common import GOLDEN_DIR, REPO_ROOT, _ver, f32_list, rel, write_json  # noqa: E402

import numpy as np  # noqa: E402
import safetensors  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
from torch import nn  # noqa: E402

RUNS = {
    "cnn": os.path.join(GOLDEN_DIR, "export_torch_run", "categorical", "seed-0"),
    "resnet": os.path.join(GOLDEN_DIR, "export_torch_run_resnet", "categorical", "seed-0"),
    "question": os.path.join(GOLDEN_DIR, "export_torch_text_question"),
    "kim": os.path.join(GOLDEN_DIR, "export_torch_text_kim"),
    "mlp": os.path.join(GOLDEN_DIR, "export_torch_text_mlp"),
    "linear": os.path.join(GOLDEN_DIR, "export_torch_text_linear"),
}
OUT = os.path.join(GOLDEN_DIR, "export_torch.json")
RR_FEATURES = 7
BEATS = 6


class Block(nn.Module):
    """xent's ConvBlock1d: Conv1d -> (BatchNorm1d) -> ReLU -> MaxPool1d."""

    def __init__(self, c_in, c_out, k, same, batch_norm, pool):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, k, padding=(k - 1) // 2 if same else 0)
        self.norm = nn.BatchNorm1d(c_out, eps=1e-5) if batch_norm else None
        self.pool = nn.MaxPool1d(pool)

    def forward(self, x):
        x = self.conv(x)
        if self.norm is not None:
            x = self.norm(x)
        return self.pool(torch.relu(x))


class Cnn1d(nn.Module):
    """xent_ecg::Cnn1d from its Cnn1dConfig (config.json "model")."""

    def __init__(self, c, outputs):
        super().__init__()
        blocks, c_in, length = [], c["channels"], c["length"]
        for f, k in zip(c["filters"], c["kernel_sizes"]):
            blocks.append(Block(c_in, f, k, c["same_padding"], c["batch_norm"], c["pool"]))
            c_in = f
            length = (length if c["same_padding"] else length - (k - 1)) // c["pool"]
        self.blocks = nn.ModuleList(blocks)
        self.global_pool = c["global_pool"]
        flat = 2 * c_in if self.global_pool else c_in * length
        self.rr_features = c["rr_features"]
        self.rr_fc = nn.Linear(RR_FEATURES, c["rr_hidden"]) if self.rr_features and c["rr_hidden"] > 0 else None
        rr = 0 if not self.rr_features else (c["rr_hidden"] if self.rr_fc is not None else RR_FEATURES)
        self.fc1 = nn.Linear(flat + rr, c["hidden"])
        self.dropout = nn.Dropout(c["dropout"])
        self.fc2 = nn.Linear(c["hidden"], outputs)

    def forward(self, signals, rr):
        x = signals
        for block in self.blocks:
            x = block(x)
        x = torch.cat([x.mean(2), x.amax(2)], 1) if self.global_pool else x.flatten(1)
        if self.rr_fc is not None:
            x = torch.cat([x, torch.relu(self.rr_fc(rr))], 1)
        elif self.rr_features:
            x = torch.cat([x, rr], 1)
        return self.fc2(self.dropout(torch.relu(self.fc1(x))))


class BasicBlock(nn.Module):
    """xent_resnet's BasicBlock: post-activation relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut),
    or pre-activation conv2(relu(bn2(conv1(relu(bn1 x))))) + shortcut; the shortcut is x or
    bn(conv1x1(x)) when the width or stride changes."""

    def __init__(self, c_in, c_out, k, stride, pre_activation, dropout):
        super().__init__()
        self.pre_activation = pre_activation
        self.conv1 = nn.Conv1d(c_in, c_out, k, stride=stride, padding=k // 2)
        self.norm1 = nn.BatchNorm1d(c_in if pre_activation else c_out, eps=1e-5)
        self.conv2 = nn.Conv1d(c_out, c_out, k, padding=k // 2)
        self.norm2 = nn.BatchNorm1d(c_out, eps=1e-5)
        self.shortcut = Projection(c_in, c_out, stride) if c_in != c_out or stride > 1 else None
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        identity = x if self.shortcut is None else self.shortcut(x)
        if self.pre_activation:
            h = self.conv1(torch.relu(self.norm1(x)))
            h = self.dropout(torch.relu(self.norm2(h)))
            return self.conv2(h) + identity
        h = self.dropout(torch.relu(self.norm1(self.conv1(x))))
        return torch.relu(self.norm2(self.conv2(h)) + identity)


class Projection(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.conv = nn.Conv1d(c_in, c_out, 1, stride=stride)
        self.norm = nn.BatchNorm1d(c_out, eps=1e-5)

    def forward(self, x):
        return self.norm(self.conv(x))


class ResNet1d(nn.Module):
    """xent_resnet::ResNet1d from its ResNet1dConfig (config.json "model")."""

    def __init__(self, c, outputs):
        super().__init__()
        k = c["kernel_size"]
        self.stem = nn.Conv1d(c["channels"], c["stem_filters"], k, padding=k // 2)
        self.stem_norm = nn.BatchNorm1d(c["stem_filters"], eps=1e-5)
        blocks, width = [], c["stem_filters"]
        for w, s in zip(c["widths"], c["strides"]):
            blocks.append(BasicBlock(width, w, k, s, c["pre_activation"], c["dropout"]))
            width = w
        self.blocks = nn.ModuleList(blocks)
        self.pool = nn.MaxPool1d(2) if c["pool_after_block"] else None
        self.final_norm = nn.BatchNorm1d(width, eps=1e-5) if c["pre_activation"] else None
        self.rr_features = c["rr_features"]
        self.dropout = nn.Dropout(c["dropout"])
        self.output = nn.Linear(width + (RR_FEATURES if self.rr_features else 0), outputs)

    def forward(self, signals, rr):
        x = torch.relu(self.stem_norm(self.stem(signals)))
        for block in self.blocks:
            x = block(x)
            if self.pool is not None:
                x = self.pool(x)
        if self.final_norm is not None:
            x = torch.relu(self.final_norm(x))
        x = x.mean(2)
        if self.rr_features:
            x = torch.cat([x, rr], 1)
        return self.output(self.dropout(x))


class QuestionCnn(nn.Module):
    """xent_text::QuestionCnn (text.json "model"): Embedding -> Conv1d(32, 4) -> ReLU -> MaxPool1d(2)
    -> Flatten -> Dense(256, ReLU) -> Dense (the dropouts act in training only)."""

    def __init__(self, c, outputs):
        super().__init__()
        self.embedding = nn.Embedding(c["vocab_size"], c["embed_dim"])
        self.conv = nn.Conv1d(c["embed_dim"], 32, 4)
        self.pool = nn.MaxPool1d(2)
        self.dense = nn.Linear(32 * ((c["seq_len"] - 3) // 2), 256)
        self.out = nn.Linear(256, outputs)

    def forward(self, ids):
        x = self.pool(torch.relu(self.conv(self.embedding(ids).transpose(1, 2))))
        return self.out(torch.relu(self.dense(x.flatten(1))))


class KimCnn(nn.Module):
    """xent_text::KimCnn: Embedding -> Conv1d(100, 3|4|5) -> ReLU -> max over time each,
    concatenated -> Dense."""

    def __init__(self, c, outputs):
        super().__init__()
        self.embedding = nn.Embedding(c["vocab_size"], c["embed_dim"])
        self.conv3 = nn.Conv1d(c["embed_dim"], 100, 3)
        self.conv4 = nn.Conv1d(c["embed_dim"], 100, 4)
        self.conv5 = nn.Conv1d(c["embed_dim"], 100, 5)
        self.out = nn.Linear(300, outputs)

    def forward(self, ids):
        x = self.embedding(ids).transpose(1, 2)
        return self.out(torch.cat([torch.relu(c(x)).amax(2) for c in (self.conv3, self.conv4, self.conv5)], 1))


class EmbeddingBagWithBias(nn.EmbeddingBag):
    """xent's EmbeddingBag: nn.EmbeddingBag summing its rows weighted by per-sample weights,
    plus a bias."""

    def __init__(self, n, d):
        super().__init__(n, d, mode="sum")
        self.bias = nn.Parameter(torch.zeros(d))

    def forward(self, ids, weights):
        return super().forward(ids, per_sample_weights=weights) + self.bias


class WideMlp(nn.Module):
    """xent_text::WideMlp: a TF-IDF bag of words -> EmbeddingBag (a dense layer over the bag) ->
    ReLU -> Dense."""

    def __init__(self, c, outputs):
        super().__init__()
        self.hidden = EmbeddingBagWithBias(c["vocab_size"], c["embed_dim"])
        self.out = nn.Linear(c["embed_dim"], outputs)

    def forward(self, ids, weights):
        return self.out(torch.relu(self.hidden(ids, weights)))


class LinearBag(nn.Module):
    """xent_text::LinearBag: logistic regression on a TF-IDF bag of words."""

    def __init__(self, c, outputs):
        super().__init__()
        self.linear = EmbeddingBagWithBias(c["vocab_size"], outputs)

    def forward(self, ids, weights):
        return self.linear(ids, weights)


NETWORKS = {"cnn": Cnn1d, "cnn-plain": Cnn1d, "resnet": ResNet1d, "resnet-deep": ResNet1d,
            "question": QuestionCnn, "kim": KimCnn, "mlp": WideMlp, "linear": LinearBag}


def inputs(c):
    """Six ECG-like beat windows: an R wave at the window's R position (45 of 128 samples at
    180 Hz), a T wave, a baseline ripple; channel 2 a small template difference; RR features
    near 1 (the patient-relative scale xent feeds)."""
    t = np.arange(c["length"], dtype=np.float64)
    signals = np.zeros((BEATS, c["channels"], c["length"]), dtype=np.float32)
    rr = np.zeros((BEATS, RR_FEATURES), dtype=np.float32)
    for i in range(BEATS):
        width = 2.0 + 0.8 * i
        beat = (1.0 + 0.15 * i) * np.exp(-(((t - 45) / width) ** 2)) \
            + 0.3 * np.exp(-(((t - 90 - 3 * i) / 10) ** 2)) + 0.05 * np.sin(0.2 * t + i)
        signals[i, 0] = beat
        if c["channels"] > 1:
            signals[i, 1] = 0.1 * (i - 2.5) * np.exp(-(((t - 45) / (width + 1)) ** 2))
        rr[i] = 1.0 + 0.12 * np.sin(np.arange(RR_FEATURES) + 1.7 * i)
    return signals, rr


def token_ids(c):
    """Six documents of seq_len token ids, spread over the vocabulary."""
    return np.array([[(7 * i + 13 * j + 1) % c["vocab_size"] for j in range(c["seq_len"])] for i in range(BEATS)],
                    dtype=np.int64)


def case(name, run_dir):
    text = os.path.isfile(os.path.join(run_dir, "text.json"))
    with open(os.path.join(run_dir, "text.json" if text else "config.json")) as f:
        run = json.load(f)
    config = run["model"]
    outputs = config["num_classes"] if text else run["num_outputs"]
    exported = os.path.join(REPO_ROOT, "target", "export_torch", f"{name}.safetensors")
    subprocess.run(["cargo", "run", "--quiet", "--", "export", run_dir, "--format", "safetensors", "--out", exported],
                   cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL)
    model = NETWORKS[name](config, outputs)
    model.load_state_dict(load_file(exported), strict=True)
    model.eval()
    result = {"run": rel(run_dir), "model": config, "num_outputs": outputs}
    with torch.no_grad():
        if text and config["kind"] in ("mlp", "linear"):
            # A bag of five distinct words per document with TF-IDF-like weights.
            ids = np.array([[(7 * i + 13 * j + 1) % config["vocab_size"] for j in range(5)] for i in range(BEATS)],
                           dtype=np.int64)
            weights = np.array([[0.1 * (j + 1) + 0.05 * i for j in range(5)] for i in range(BEATS)], dtype=np.float32)
            logits = model(torch.from_numpy(ids), torch.from_numpy(weights)).numpy()
            result.update({"bag_ids": ids.tolist(), "bag_weights": f32_list(weights)})
        elif text:
            ids = token_ids(config)
            logits = model(torch.from_numpy(ids)).numpy()
            result["ids"] = ids.tolist()
        else:
            signals, rr = inputs(config)
            logits = model(torch.from_numpy(signals), torch.from_numpy(rr)).numpy()
            result.update({"signals_shape": list(signals.shape), "signals": f32_list(signals.reshape(-1)),
                           "rr": f32_list(rr)})
    print(f"{name}: logits\n{logits}")
    # The torch module's state dict: what the exported file must hold (PyTorch adds
    # num_batches_tracked itself when a file has none).
    result["state_dict"] = [{"name": k, "shape": list(v.shape)} for k, v in model.state_dict().items()
                            if not k.endswith("num_batches_tracked")]
    result["logits"] = f32_list(logits)
    return result


def main():
    cases = {name: case(name, run_dir) for name, run_dir in RUNS.items()}
    write_json(OUT, {
        "generated_by": rel(__file__),
        "versions": {"python": sys.version.split()[0], "torch": torch.__version__,
                     "safetensors": safetensors.__version__, "numpy": _ver("numpy")},
        "cases": cases,
    })
    print(rel(OUT))


if __name__ == "__main__":
    main()
