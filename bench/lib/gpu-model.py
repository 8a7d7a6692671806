#!/usr/bin/env python3
"""GPU check of the default model (run on a CUDA machine: `python3 bench/lib/gpu-model.py OUT.json`).

1. Parity: the network in PyTorch on the GPU (weights from the committed ONNX file, see torch_view_net.py),
   fp32 with TF32 off, against the PyTorch reference outputs committed in reference.json (made on CPU at
   training time). Limit 1e-4, the same as the Node parity test. Exit 3 when it fails.
2. Throughput: ms per clip of 32 frames (128x128, the manifest's input) and frames/s at larger batches,
   medians of timed runs after warm-up, CUDA-synchronised; fp32, and fp16 autocast for reference. Beside
   it, on the same machine, onnxruntime's CPU provider with all cores, for scale (not a like-for-like
   thread comparison: that is bench:model's job).
"""
import base64
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from torch_view_net import build, load_definition  # noqa: E402

MODEL_DIR = os.path.join(HERE, '..', '..', 'models', 'view-classifier', '1.0.0')


def reference():
    ref = json.load(open(os.path.join(MODEL_DIR, 'reference.json')))
    inp = ref['input']
    frames = np.frombuffer(base64.b64decode(inp['base64']), dtype=np.uint8).reshape(inp['dims']).astype(np.float32) / 255.0
    return frames, np.array(ref['outputs']['view_logits'], dtype=np.float32), np.array(ref['outputs']['quality'], dtype=np.float32)


def median_ms(fn, runs, warmup=10, sync=None):
    for _ in range(warmup):
        fn()
    if sync:
        sync()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        if sync:
            sync()
        out.append((time.perf_counter() - t0) * 1000)
    return statistics.median(out)


def main():
    out_path = sys.argv[1]
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    dev = torch.device('cuda')
    onnx_path = os.path.join(MODEL_DIR, 'model.onnx')
    model = build(load_definition(), onnx_path).to(dev).eval()
    frames, ref_view, ref_quality = reference()
    report = {'device': torch.cuda.get_device_name(0), 'torch': torch.__version__, 'cuda': torch.version.cuda}
    with torch.inference_mode():
        view, quality = model(torch.from_numpy(frames).to(dev))
        dv = float(np.abs(view.cpu().numpy() - ref_view).max())
        dq = float(np.abs(quality.cpu().numpy() - ref_quality).max())
        report['parity'] = {'maxDiffViewLogits': dv, 'maxDiffQuality': dq, 'limit': 1e-4, 'ok': dv <= 1e-4 and dq <= 1e-4}
        rng = np.random.default_rng(7)
        rows = []
        for batch in (32, 256, 1024):
            x = torch.from_numpy(rng.random((batch, 1, 128, 128), dtype=np.float32)).to(dev)
            fp32 = median_ms(lambda: model(x), 50, sync=torch.cuda.synchronize)
            with torch.autocast('cuda', dtype=torch.float16):
                fp16 = median_ms(lambda: model(x), 50, sync=torch.cuda.synchronize)
            rows.append({'frames': batch, 'fp32Ms': fp32, 'fp32FramesPerS': batch / fp32 * 1000, 'fp16Ms': fp16, 'fp16FramesPerS': batch / fp16 * 1000})
        report['gpu'] = rows
    try:
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = os.cpu_count() or 1
        sess = ort.InferenceSession(onnx_path, so, providers=['CPUExecutionProvider'])
        name = sess.get_inputs()[0].name
        x = np.random.default_rng(7).random((32, 1, 128, 128), dtype=np.float32)
        ms = median_ms(lambda: sess.run(None, {name: x}), 30, warmup=5)
        report['onnxruntimeCpu'] = {'threads': so.intra_op_num_threads, 'frames': 32, 'ms': ms, 'framesPerS': 32 / ms * 1000, 'version': ort.__version__}
    except ImportError as e:
        report['onnxruntimeCpu'] = {'error': str(e)}
    json.dump(report, open(out_path, 'w'), indent=2)
    print(json.dumps(report, indent=2))
    if not report['parity']['ok']:
        sys.exit(3)


if __name__ == '__main__':
    main()
