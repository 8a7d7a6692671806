#!/usr/bin/env python3
"""
EXAMPLE ONLY - NOT A MEDICAL MODEL.

A worked example of the EchoCloud "command" runtime file contract (docs/models.md, "Wrapping a Python or
Docker model"). It shows how a team's existing Python code - here a function `classify_case(cine)` - runs
under EchoCloud unchanged: a few lines of wrapper read the clip the platform prepared, call the function,
and write the answer where the platform looks for it.

The "classifier" is a tiny hand-written rule on image statistics (brightness, contrast, where the dark
blood pools sit, edge strength), compared with a prototype per view (nearest prototype wins). It is deterministic and
runs on numpy alone. It was not trained or validated on anything and its answers mean nothing clinically;
it exists so the contract can be run end to end.

Contract, in short:
  input   <clip dir>/cine.json   what was given: labels, frame indices, shape, source facts
          <clip dir>/cine.npy    float32 [N, 1, H, W], preprocessed as the manifest's "input" says
  output  <clip dir>/result.json { "labels": [...], "frames": [ { "index": i, "logits": [13], "quality": q } ] }
  errors  any non-zero exit; the end of stderr is shown in the job's error message
"""
import json
import os
import sys

import numpy as np

LABELS = ["AP2", "AP3", "AP4", "AP5", "PLAX", "RVIF", "SUBC4", "SUBIVC", "PSAXAo", "PSAXM", "PSAXPM", "PSAXAp", "SUPRA"]

FEATURES = ["brightness", "contrast", "dark_fraction", "dark_x", "dark_y", "left_right", "top_bottom", "edges"]

# One prototype per view in the feature space above: the mean features of a handful of synthetic phantom
# clips (src/phantom) of that view, rounded by hand. Global statistics barely separate views, so this
# rule is right only somewhat more often than chance, even on phantoms.
PROTOTYPES = np.array(
    [
        # brightness contrast dark_frac dark_x dark_y  l-r   t-b  edges
        [-0.30,  0.04,  0.15, -0.01, -0.15, -0.16, -0.67,  0.62],  # AP2
        [-0.33, -0.03,  0.13,  0.01, -0.15,  0.14, -0.61,  0.66],  # AP3
        [-0.37, -0.07,  0.15,  0.02, -0.13,  0.16, -0.52,  0.64],  # AP4
        [-0.31,  0.03,  0.09, -0.01, -0.16, -0.05, -0.69,  0.74],  # AP5
        [-0.33,  0.02,  0.08,  0.00, -0.16, -0.05, -0.69,  0.82],  # PLAX
        [-0.32,  0.01,  0.14, -0.01, -0.16, -0.03, -0.72,  0.66],  # RVIF
        [-0.36, -0.03,  0.16,  0.01, -0.15,  0.09, -0.44,  0.58],  # SUBC4
        [-0.22,  0.20,  0.11,  0.01, -0.17, -0.05, -0.74,  0.76],  # SUBIVC
        [-0.38, -0.09,  0.20, -0.01, -0.13, -0.08, -0.51,  0.60],  # PSAXAo
        [-0.34, -0.01,  0.13,  0.01, -0.15, -0.02, -0.66,  0.76],  # PSAXM
        [-0.35, -0.04,  0.14,  0.00, -0.13, -0.05, -0.56,  0.64],  # PSAXPM
        [-0.29,  0.09,  0.15,  0.01, -0.16,  0.09, -0.73,  0.55],  # PSAXAp
        [-0.30,  0.01,  0.10,  0.00, -0.16,  0.02, -0.67,  0.75],  # SUPRA
    ],
    dtype=np.float64,
)
# Typical spread of each feature within one view; a feature counts in units of its spread.
SPREAD = np.array([0.14, 0.14, 0.17, 0.02, 0.08, 0.16, 0.17, 0.14])


def frame_features(frame):
    """Eight image statistics of one grey frame in 0..1, each scaled to about -1..1."""
    h, w = frame.shape
    ys, xs = np.mgrid[0:h, 0:w]
    xs = (xs + 0.5) / w * 2 - 1
    ys = (ys + 0.5) / h * 2 - 1
    mean = float(frame.mean())
    std = float(frame.std())
    dark = frame < 0.5 * mean
    n_dark = int(dark.sum())
    dark_x = float(xs[dark].mean()) if n_dark else 0.0
    dark_y = float(ys[dark].mean()) if n_dark else 0.0
    left, right = frame[:, : w // 2].mean(), frame[:, w // 2 :].mean()
    top, bottom = frame[: h // 2].mean(), frame[h // 2 :].mean()
    gy, gx = np.gradient(frame.astype(np.float64))
    edges = float(np.hypot(gx, gy).mean())
    return np.array(
        [
            np.tanh(4 * (mean - 0.25)),
            np.tanh(6 * (std - 0.2)),
            2 * n_dark / frame.size - 1,
            dark_x,
            dark_y,
            np.tanh(8 * (left - right)),
            np.tanh(8 * (top - bottom)),
            np.tanh(40 * (edges - 0.02)),
        ]
    )


def frame_quality(frame):
    """A made-up image-quality score in 0..1: contrast and edge strength against speckle-like noise."""
    std = float(frame.std())
    gy, gx = np.gradient(frame.astype(np.float64))
    edges = float(np.hypot(gx, gy).mean())
    noise = float(np.abs(np.diff(frame, n=2, axis=1)).mean())
    score = 3.0 * std + 20.0 * edges - 10.0 * noise
    return float(1.0 / (1.0 + np.exp(-(score - 1.0))))


def classify_case(cine):
    """The team's existing function: cine [N, 1, H, W] (or [N, H, W]) -> one {logits, quality} per frame."""
    frames = cine.reshape(cine.shape[0], cine.shape[-2], cine.shape[-1])
    out = []
    for frame in frames:
        f = frame_features(frame)
        distance = (((PROTOTYPES - f) / SPREAD) ** 2).sum(axis=1)
        out.append({"logits": (-0.5 * distance).tolist(), "quality": frame_quality(frame)})
    return out


def main():
    clip_dir = sys.argv[1] if len(sys.argv) > 1 else os.environ["ECHO_CLOUD_CLIP_DIR"]
    with open(os.path.join(clip_dir, "cine.json")) as f:
        meta = json.load(f)
    if meta["labels"] != LABELS:
        sys.exit(f"model.py: the manifest's labels {meta['labels']} differ from the ones this model knows {LABELS}")
    if meta["input"]["mode"] != "tensor":
        sys.exit('model.py: expects input mode "tensor" (cine.npy)')
    cine = np.load(os.path.join(clip_dir, meta["input"]["file"]))
    if list(cine.shape) != meta["input"]["shape"] or cine.dtype != np.float32:
        sys.exit(f"model.py: cine.npy is {cine.dtype} {cine.shape}, cine.json says float32 {meta['input']['shape']}")
    frames = classify_case(cine)
    result = {
        "labels": LABELS,
        "frames": [dict(index=i, **row) for i, row in zip(meta["frameIndices"], frames)],
    }
    # Write then rename, so the platform never reads half a file.
    tmp = os.path.join(clip_dir, "result.json.tmp")
    with open(tmp, "w") as f:
        json.dump(result, f, allow_nan=False)
    os.replace(tmp, os.path.join(clip_dir, "result.json"))


if __name__ == "__main__":
    main()
