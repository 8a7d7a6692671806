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
import importlib.util
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
import onnx  # noqa: E402
import torch  # noqa: E402
from onnx import numpy_helper  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
TRAIN = os.path.join(HERE, '..', '..', 'training', 'train.py')


def load_definition():
    spec = importlib.util.spec_from_file_location('echo_train', TRAIN)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.ViewQualityNet


def onnx_weights(path):
    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    # The folded convolutions have exporter names (onnx::Conv_98); take them from the Conv nodes, in order.
    convs = [(n.input[1], n.input[2] if len(n.input) > 2 else None) for n in m.graph.node if n.op_type == 'Conv']
    return inits, convs


def build(net_cls, onnx_path):
    inits, convs = onnx_weights(onnx_path)
    model = net_cls(n_views=inits['view.weight'].shape[0]).eval()
    folded = iter([c for c in convs if c[1] is not None])
    t = lambda a: torch.from_numpy(np.array(a, dtype=np.float32))  # noqa: E731
    loaded = set()
    with torch.no_grad():
        for name, block in model.features.named_children():
            if isinstance(block, torch.nn.Sequential) and isinstance(block[0], torch.nn.Conv2d):
                conv, bn = block[0], block[1]
                w_name, b_name = next(folded)
                w, b = inits[w_name], inits[b_name]
                if tuple(conv.weight.shape) != w.shape:
                    raise SystemExit(f'features.{name}: definition has conv {tuple(conv.weight.shape)}, ONNX {w.shape}')
                conv.weight.copy_(t(w))
                bn.weight.fill_(1.0)
                bn.bias.copy_(t(b))
                bn.running_mean.zero_()
                bn.running_var.fill_(1.0 - bn.eps)
                loaded.update([w_name, b_name])
        state = model.state_dict()
        for key, value in inits.items():
            if key in state:
                if tuple(state[key].shape) != value.shape:
                    raise SystemExit(f'{key}: definition {tuple(state[key].shape)}, ONNX {value.shape}')
                state[key].copy_(t(value))
                loaded.add(key)
    unused = sorted(set(inits) - loaded)
    if unused:
        raise SystemExit(f'ONNX initializers not loaded into the torch module: {unused}')
    return model


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
