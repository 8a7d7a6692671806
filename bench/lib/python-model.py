#!/usr/bin/python3
"""PyTorch side of `npm run bench:model`.

Builds the network from its definition in training/train.py (ViewQualityNet), loads the weights from the
committed ONNX file's initializers (no PyTorch checkpoint was kept), checks that its outputs equal
onnxruntime's on the same batch to 1e-4 (exit 3 otherwise: never time a different network), then times the
forward pass on that batch with torch.set_num_threads(N).

The export folded each Conv+BatchNorm pair of the definition's conv_bn blocks into one biased Conv; such a
pair is loaded as the folded convolution followed by a BatchNorm that only adds the bias (weight 1,
mean 0, var 1 - eps), which computes the same function. The dense layers' BatchNorms were not folded and
load as they are.

Usage: python-model.py ONNX FRAMES.npy ORT_VIEW.npy ORT_QUALITY.npy THREADS WARMUP
After the parity check and WARMUP runs of each variant it prints one JSON line (threads, torch version, max
differences) and then serves timing requests, so the Node side can interleave its runs with these ones and
both see the same machine load: each stdin line `eager` or `frozen` runs one forward pass on the batch and
answers the seconds it took; `quit` ends.
"""
import json
import os
import statistics
import sys
import time

threads = int(sys.argv[5])
# Before torch starts its pools: the same thread budget as the onnxruntime side.
os.environ['OMP_NUM_THREADS'] = str(threads)
os.environ['MKL_NUM_THREADS'] = str(threads)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_view_net import build, load_definition  # noqa: E402


def timed(fn, x, warmup, runs):
    for _ in range(warmup):
        fn(x)
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn(x)
        out.append(time.perf_counter() - t0)
    return out


def main():
    onnx_path, frames_path, ort_view_path, ort_quality_path = sys.argv[1:5]
    warmup = int(sys.argv[6])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    model = build(load_definition(), onnx_path)
    x = torch.from_numpy(np.load(frames_path))
    ort_view, ort_quality = np.load(ort_view_path), np.load(ort_quality_path)
    with torch.inference_mode():
        view, quality = model(x)
        dv = float(np.abs(view.numpy() - ort_view).max())
        dq = float(np.abs(quality.numpy() - ort_quality).max())
        if not (dv <= 1e-4 and dq <= 1e-4):
            print(f'PARITY FAILED: torch vs onnxruntime max |diff| view_logits {dv:.3g}, quality {dq:.3g} (limit 1e-4)', file=sys.stderr, flush=True)
            sys.exit(3)
        # An honest second PyTorch baseline: TorchScript, frozen and optimised for inference (folds Conv+BN).
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model)))
        fv, fq = frozen(x)
        df = max(float(np.abs(fv.numpy() - ort_view).max()), float(np.abs(fq.numpy() - ort_quality).max()))
        if not df <= 1e-4:
            print(f'PARITY FAILED: frozen TorchScript vs onnxruntime max |diff| {df:.3g} (limit 1e-4)', file=sys.stderr, flush=True)
            sys.exit(3)
        variants = {'eager': model, 'frozen': frozen}
        for fn in variants.values():
            timed(fn, x, warmup, 0)
        print(json.dumps({
            'threads': torch.get_num_threads(),
            'torch': torch.__version__,
            'maxDiff': {'view_logits': dv, 'quality': dq, 'frozen': df},
        }), flush=True)
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == 'quit':
                break
            fn = variants[cmd]
            t0 = time.perf_counter()
            fn(x)
            print(time.perf_counter() - t0, flush=True)


if __name__ == '__main__':
    main()
