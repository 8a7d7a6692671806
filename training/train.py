#!/usr/bin/python3
"""Trains view-classifier 1.0.0 on the phantom dataset and deploys it to models/view-classifier/1.0.0/.

Reads the .npy files written by training/export-dataset.ts (frames already preprocessed by the platform's
own src/models/preprocess.ts), trains a small per-frame CNN with two heads (13 view logits, sigmoid
quality), evaluates held-out clips exactly as the platform aggregates them (mean of per-frame softmax ->
argmax; mean quality), exports ONNX, and writes the manifest (with the weights' sha256), reference
outputs for the Node parity test, metrics.json and MODEL_CARD.md.

Run with Debian's python (torch 1.13): /usr/bin/python3 training/train.py [--data training/out/data]
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DenseLayer(nn.Module):
    """DenseNet-style layer: BN-ReLU-Conv3x3 producing `growth` maps, concatenated to its input."""

    def __init__(self, cin, growth):
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(cin), nn.ReLU(inplace=True), nn.Conv2d(cin, growth, 3, 1, 1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.body(x)], 1)


class ViewQualityNet(nn.Module):
    """Per-frame network: [N,1,128,128] grey in 0..1 -> view logits [N,13], quality [N,1] in 0..1."""

    def __init__(self, n_views=13):
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(1, 16, 5, 2),  # 64x64
            conv_bn(16, 24, 3, 2),  # 32x32
            conv_bn(24, 48, 3, 2),  # 16x16
            conv_bn(48, 48, 3, 1),
            conv_bn(48, 96, 3, 2),  # 8x8
            DenseLayer(96, 32),
            DenseLayer(128, 32),  # 160 maps
            conv_bn(160, 128, 1, 1),
            conv_bn(128, 128, 3, 2),  # 4x4
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.dropout = nn.Dropout(0.2)
        self.view = nn.Linear(128, n_views)
        self.quality = nn.Linear(128, 1)

    def forward(self, frames):
        # Centre the 0..1 input; the first BatchNorm does the rest.
        h = self.dropout(self.features((frames - 0.5) * 4.0))
        return self.view(h), torch.sigmoid(self.quality(h))


def load_dataset(data_dir):
    frames = np.load(os.path.join(data_dir, 'frames.npy'))
    views = np.load(os.path.join(data_dir, 'views.npy')).astype(np.int64)
    quality = np.load(os.path.join(data_dir, 'quality.npy')).astype(np.float32)
    clip = np.load(os.path.join(data_dir, 'clip.npy'))
    split = np.load(os.path.join(data_dir, 'split.npy'))
    with open(os.path.join(data_dir, 'clips.json')) as f:
        meta = json.load(f)
    return frames, views, quality, clip, split, meta


@torch.no_grad()
def predict(model, frames, batch=256):
    model.eval()
    logits, quality = [], []
    for i in range(0, len(frames), batch):
        x = torch.from_numpy(np.ascontiguousarray(frames[i:i + batch]))
        lo, q = model(x)
        logits.append(lo.numpy())
        quality.append(q.numpy()[:, 0])
    return np.concatenate(logits), np.concatenate(quality)


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def evaluate(model, frames, views, quality, clip, rows, labels):
    """Clip-level metrics, aggregated as the platform does (src/models/aggregate.ts)."""
    logits, q_pred = predict(model, frames[rows])
    probs = softmax(logits.astype(np.float64))
    clip_ids = clip[rows]
    n = len(labels)
    confusion = np.zeros((n, n), dtype=np.int64)
    q_err = []
    for c in np.unique(clip_ids):
        m = clip_ids == c
        truth = int(views[rows][m][0])
        pred = int(np.argmax(probs[m].mean(axis=0)))
        confusion[truth, pred] += 1
        q_err.append(abs(float(q_pred[m].mean()) - float(quality[rows][m][0])))
    frame_acc = float((probs.argmax(axis=1) == views[rows]).mean())
    return {
        'clips': int(confusion.sum()),
        'frames': int(len(rows)),
        'clip_accuracy': float(np.trace(confusion) / confusion.sum()),
        'frame_accuracy': frame_acc,
        'quality_mae_clip': float(np.mean(q_err)),
        'quality_mae_frame': float(np.mean(np.abs(q_pred - quality[rows]))),
        'per_view_clip_accuracy': {labels[i]: float(confusion[i, i] / max(1, confusion[i].sum())) for i in range(n)},
        'confusion': confusion.tolist(),
    }


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default=os.path.join(HERE, 'out', 'data'), help='folder written by export-dataset.ts')
    ap.add_argument('--out', default=os.path.join(ROOT, 'models', 'view-classifier', '1.0.0'), help='model folder to write')
    ap.add_argument('--epochs', type=int, default=9)
    ap.add_argument('--batch', type=int, default=64)
    ap.add_argument('--lr', type=float, default=3e-3)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--quality-weight', type=float, default=5.0, help='weight of the quality MSE against the view cross-entropy')
    args = ap.parse_args()

    started = time.time()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    with open(os.path.join(HERE, 'spec.json')) as f:
        spec = json.load(f)
    labels = spec['output']['labels']

    frames, views, quality, clip, split, meta = load_dataset(args.data)
    train_rows = np.nonzero(split == 0)[0]
    held_rows = np.nonzero(split == 1)[0]
    print(f'data: {len(train_rows)} train frames, {len(held_rows)} held-out frames; loaded in {time.time() - started:.0f} s', flush=True)
    x_all = torch.from_numpy(frames)
    y_all = torch.from_numpy(views)
    q_all = torch.from_numpy(quality)

    model = ViewQualityNet(len(labels))
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    steps_per_epoch = len(train_rows) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.epochs * steps_per_epoch, pct_start=0.2)
    gen = torch.Generator().manual_seed(args.seed)
    train_idx = torch.from_numpy(train_rows)
    history = []
    for epoch in range(args.epochs):
        model.train()
        t0 = time.time()
        perm = train_idx[torch.randperm(len(train_idx), generator=gen)]
        total, correct, ce_sum, mse_sum = 0, 0, 0.0, 0.0
        for s in range(steps_per_epoch):
            b = perm[s * args.batch:(s + 1) * args.batch]
            x, y, q = x_all[b], y_all[b], q_all[b]
            logits, q_pred = model(x)
            ce = F.cross_entropy(logits, y)
            mse = F.mse_loss(q_pred[:, 0], q)
            loss = ce + args.quality_weight * mse
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += len(b)
            correct += int((logits.argmax(1) == y).sum())
            ce_sum += float(ce) * len(b)
            mse_sum += float(mse) * len(b)
        entry = {'epoch': epoch + 1, 'train_ce': ce_sum / total, 'train_quality_mse': mse_sum / total, 'train_frame_accuracy': correct / total, 'seconds': time.time() - t0}
        history.append(entry)
        print(f"epoch {epoch + 1}/{args.epochs}: ce {entry['train_ce']:.4f} quality mse {entry['train_quality_mse']:.4f} frame acc {entry['train_frame_accuracy']:.4f} ({entry['seconds']:.0f} s)", flush=True)

    model.eval()
    held = evaluate(model, frames, views, quality, clip, held_rows, labels)
    print(f"held-out: clip accuracy {held['clip_accuracy']:.4f} over {held['clips']} clips, frame accuracy {held['frame_accuracy']:.4f}, quality MAE clip {held['quality_mae_clip']:.4f} frame {held['quality_mae_frame']:.4f}", flush=True)
    print('per view: ' + ', '.join(f'{k} {v:.2f}' for k, v in held['per_view_clip_accuracy'].items()), flush=True)

    os.makedirs(args.out, exist_ok=True)
    onnx_path = os.path.join(args.out, 'model.onnx')
    export_onnx(model, onnx_path)
    digest = sha256(onnx_path)
    reference = write_reference(model, frames, views, clip, held_rows, meta, labels, os.path.join(args.out, 'reference.json'))
    manifest = {
        'schemaVersion': 1,
        'name': spec['name'],
        'version': spec['version'],
        'description': 'Echo view (13 classes) and image-quality classifier; demonstration model trained on synthetic phantoms, not for clinical use.',
        'runtime': 'onnx',
        'weights': 'model.onnx',
        'weightsSha256': digest,
        'input': spec['input'],
        'output': spec['output'],
        'aggregation': spec['aggregation'],
    }
    with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=2)
        f.write('\n')
    wall = time.time() - started
    metrics = {
        'heldout': held,
        'train_frames': int(len(train_rows)),
        'train_clips': int(len(np.unique(clip[train_rows]))),
        'parameters': int(params),
        'epochs': args.epochs,
        'history': history,
        'train_wall_seconds': round(wall, 1),
        'onnx_bytes': os.path.getsize(onnx_path),
        'weightsSha256': digest,
        'reference_clips': reference,
        'torch': torch.__version__,
        'python': platform.python_version(),
        'date': datetime.date.today().isoformat(),
        'args': {k: v for k, v in vars(args).items() if k not in ('data', 'out')},
    }
    with open(os.path.join(args.out, 'metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=1)
        f.write('\n')
    write_model_card(os.path.join(args.out, 'MODEL_CARD.md'), spec, meta, metrics)
    print(f'wrote {args.out}: model.onnx {metrics["onnx_bytes"]} bytes, sha256 {digest}; train.py wall time {wall:.0f} s', flush=True)


def export_onnx(model, path):
    import onnx

    model.eval()
    dummy = torch.zeros(2, 1, 128, 128)
    torch.onnx.export(
        model,
        dummy,
        path,
        input_names=['frames'],
        output_names=['view_logits', 'quality'],
        dynamic_axes={'frames': {0: 'N'}, 'view_logits': {0: 'N'}, 'quality': {0: 'N'}},
        opset_version=13,
        do_constant_folding=True,
    )
    m = onnx.load(path)
    onnx.checker.check_model(m)
    # Strip the exporter's producer version so re-exports of the same weights hash the same.
    m.producer_version = ''
    onnx.save(m, path)


@torch.no_grad()
def write_reference(model, frames, views, clip, held_rows, meta, labels, path):
    """PyTorch outputs on fixed inputs, for the Node parity test (test/contract/model-runtime.onnx.test.ts).

    Inputs are two frames of four held-out clips of different views, quantised to uint8 so they can be
    stored compactly and rebuilt exactly in Node as u8 / 255 in float32.
    """
    picks, chosen = [], []
    for view in (2, 4, 8, 12):  # AP4, PLAX, PSAXAo, SUPRA
        rows = held_rows[views[held_rows] == view]
        first = rows[clip[rows] == clip[rows][0]][:2]
        picks.extend(int(r) for r in first)
        c = meta['clips'][int(clip[first[0]])]
        chosen.append({k: c[k] for k in ('view', 'seed', 'quality', 'height', 'width', 'frames', 'fps', 'channels', 'bitsPerSample', 'regions')})
    u8 = np.clip(np.rint(frames[picks] * 255.0), 0, 255).astype(np.uint8)
    x = u8.astype(np.float32) / np.float32(255.0)
    model.eval()
    logits, q = model(torch.from_numpy(x))
    doc = {
        'description': 'PyTorch reference outputs of model.onnx for the Node parity test; inputs are uint8 frames, feed them as u8/255 float32.',
        'input': {'tensor': 'frames', 'dims': list(u8.shape), 'dtype': 'uint8', 'scale': '1/255', 'base64': base64.b64encode(u8.tobytes()).decode('ascii')},
        'outputs': {'view_logits': logits.numpy().astype(float).tolist(), 'quality': q.numpy().astype(float).tolist()},
        'clips': chosen,
        'tolerance': 1e-4,
    }
    with open(path, 'w') as f:
        json.dump(doc, f)
        f.write('\n')
    return chosen


def write_model_card(path, spec, meta, m):
    held = m['heldout']
    labels = spec['output']['labels']
    conf = held['confusion']
    table = '| true \\ predicted | ' + ' | '.join(labels) + ' |\n|' + '---|' * (len(labels) + 1) + '\n'
    for i, row in enumerate(conf):
        table += f'| **{labels[i]}** | ' + ' | '.join(str(v) for v in row) + ' |\n'
    per_view = ', '.join(f'{k} {v * 100:.0f}%' for k, v in held['per_view_clip_accuracy'].items())
    n_train = m['train_clips']
    text = f"""# Model card: view-classifier 1.0.0

**This is a demonstration model trained only on synthetic echo phantoms. It has never seen a real
echocardiogram and is NOT for clinical use, diagnosis or research conclusions.** It exists so that the
EchoCloud platform ships a real, trained, verifiable network end to end (preprocessing parity, ONNX
runtime, aggregation), in place of the lab's original model, whose weights are not available here.

- Date trained: {m['date']}; torch {m['torch']} (Python {m['python']}), exported to ONNX opset 13.
- Weights: `model.onnx`, {m['onnx_bytes']} bytes, sha256 `{m['weightsSha256']}`.
- Training wall time (train.py, {m['args']['threads']} CPU threads): {m['train_wall_seconds']:.0f} s.

## Task
Per frame: 13 echo views (AP2, AP3, AP4, AP5, PLAX, RVIF, SUBC4, SUBIVC, PSAXAo, PSAXM, PSAXPM, PSAXAp,
SUPRA) and an image-quality score in 0..1. Per clip (done by the platform, `src/models/aggregate.ts`): the
mean of the per-frame softmax probabilities (view = argmax, confidence = its value) and the mean and
population standard deviation of the per-frame quality, over frames sampled with drop rate 0.5 (every
second frame, at most 32).

## Training data
Procedural phantoms from `src/phantom/` (seeded, deterministic): sector-shaped B-mode-like cines with a
per-view chamber/vessel/valve layout, wall motion over a heart cycle at a random heart rate, speckle,
noise, random probe rotation, scale, translation, depth, gain and TGC, optional ECG/text overlays, and a
quality parameter q in [0, 1] that lowers contrast and adds clutter, noise, blur, shadowing, wall dropout
and loss of contact. Clip sizes 128..300 rows, aspect 1..1.5, 25..60 fps; 20% RGB and 20% 16-bit
containers, 50% with an ultrasound region (cropped to it).
- Train: {n_train} clips ({n_train // len(labels)} per view, seeds from {spec['seeds']['train']}), 12 frames each, {m['train_frames']} sampled frames.
- Held out: {held['clips']} clips (seeds from {spec['seeds']['heldout']}, never used in training), 16..40 frames each, {held['frames']} sampled frames.
- Quality target: the phantom's q for every frame of the clip.
- Every frame went through the platform's own preprocessing (`src/models/preprocess.ts`, called by
  `training/export-dataset.ts`), so training and inference see identical tensors.

## Architecture
A small per-frame CNN ({m['parameters']} parameters): 5×5 stride-2 stem, stride-2 3×3 conv blocks with
BatchNorm and ReLU down to 8×8, a two-layer DenseNet-style block (growth 32), a 1×1 transition, a
stride-2 block to 4×4, global average pooling, dropout 0.2, and two linear heads: `view_logits` [N,13]
and `quality` [N,1] (sigmoid inside the network). Input `frames` [N,1,128,128] grey in 0..1.
Loss: cross-entropy + {m['args']['quality_weight']} × MSE(quality); AdamW, one-cycle LR {m['args']['lr']}, batch {m['args']['batch']}, {m['epochs']} epochs, seed {m['args']['seed']}.

## Held-out results (clip level, aggregated exactly as the platform does)
- View accuracy: **{held['clip_accuracy'] * 100:.1f}%** over {held['clips']} clips (per frame: {held['frame_accuracy'] * 100:.1f}%).
- Quality: mean absolute error {held['quality_mae_clip']:.3f} per clip ({held['quality_mae_frame']:.3f} per frame), on the 0..1 scale.
- Per view: {per_view}.

Confusion matrix (held-out clips):

{table}
## Checks
- Parity: `test/contract/model-runtime.onnx.test.ts` runs `model.onnx` in onnxruntime-node on the frames
  stored in `reference.json` and requires the PyTorch outputs recorded there within 1e-4.
- End to end through the platform's path (phantom cine, `predictClip`, onnxruntime-node) on seeds from
  {spec['seeds'].get('evaluation', 3000000)}: `node training/evaluate.ts`.

## Limits
- Synthetic data only: real echo has anatomy, artefacts, scanners and overlays this phantom does not
  model; expect accuracy on real cines to be far lower, and the quality score to be uncalibrated.
- The quality score regresses the phantom's own degradation parameter, not an expert quality grade.
- No evidential/uncertainty head (the original model had one); confidence is the mean softmax probability.
"""
    with open(path, 'w') as f:
        f.write(text)


if __name__ == '__main__':
    sys.exit(main())
