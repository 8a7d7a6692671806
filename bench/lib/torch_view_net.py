"""The default model's network in PyTorch, built from its definition in training/train.py (ViewQualityNet)
with the weights of the committed ONNX file (no PyTorch checkpoint was kept). Used by bench:model's PyTorch
side (python-model.py) and by the GPU check (gpu-model.py).

The export folded each Conv+BatchNorm pair of the definition's conv_bn blocks into one biased Conv; such a
pair is loaded as the folded convolution followed by a BatchNorm that only adds the bias (weight 1,
mean 0, var 1 - eps), which computes the same function. The dense layers' BatchNorms were not folded and
load as they are.
"""
import importlib.util
import os

import numpy as np
import onnx
import torch
from onnx import numpy_helper

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
