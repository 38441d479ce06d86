"""The sentence encoder's network as an ONNX graph, run by ONNX Runtime (no PyTorch).

The graph is BERT's, written out node by node from the model's own weights (``embed.Encoder``
reads them from safetensors): embeddings, 6 layers of self-attention and GELU feed-forward with
layer norms, then mean pooling over the real tokens and normalisation, as sentence-transformers
computes it (the tests compare the vectors). ONNX Runtime runs it about twice as fast as numpy;
with ``quantized`` its matrix weights are stored as 8-bit integers per output channel (dynamic
quantisation), which halves the time again for vectors within 0.99 cosine of the exact ones.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, numpy_helper
from onnx import helper as oh

OPSET = 17


class _Graph:
    """Nodes and constants of a graph under construction, with generated tensor names."""

    def __init__(self):
        self.nodes: list = []
        self.constants: list = []
        self.count = 0

    def const(self, value) -> str:
        """A named constant tensor."""
        self.count += 1
        name = f"c{self.count}"
        self.constants.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, kind: str, *inputs: str, **attrs) -> str:
        """One node; its output's name."""
        self.count += 1
        out = f"t{self.count}"
        self.nodes.append(oh.make_node(kind, list(inputs), [out], **attrs))
        return out

    def linear(self, x: str, weight: np.ndarray, bias: np.ndarray) -> str:
        """x @ weight + bias."""
        return self.op("Add", self.op("MatMul", x, self.const(weight)), self.const(bias))

    def norm(self, x: str, gain: np.ndarray, bias: np.ndarray, eps: float) -> str:
        """Layer normalisation over the last axis."""
        return self.op("LayerNormalization", x, self.const(gain), self.const(bias), epsilon=eps)


def _attention(g: _Graph, x: str, qkv: np.ndarray, qkv_b: np.ndarray, blocked: str, cfg) -> str:
    """Multi-head self-attention of x (batch, tokens, width), before the output projection."""
    width, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    q, k, v = (f"{name}{g.count}" for name in "qkv")
    split = g.const(np.array([width] * 3, np.int64))
    g.nodes.append(oh.make_node("Split", [g.linear(x, qkv, qkv_b), split], [q, k, v], axis=-1))
    shape = g.const(np.array([0, 0, heads, width // heads], np.int64))
    orders = ((q, [0, 2, 1, 3]), (k, [0, 2, 3, 1]), (v, [0, 2, 1, 3]))  # k transposed for q @ k
    qh, kh, vh = (g.op("Transpose", g.op("Reshape", t, shape), perm=p) for t, p in orders)
    scale = g.const(np.array((width // heads) ** -0.5, np.float32))
    scores = g.op("Add", g.op("Mul", g.op("MatMul", qh, kh), scale), blocked)
    mixed = g.op("MatMul", g.op("Softmax", scores, axis=-1), vh)
    back = g.const(np.array([0, 0, width], np.int64))
    return g.op("Reshape", g.op("Transpose", mixed, perm=[0, 2, 1, 3]), back)


def _layer(g: _Graph, x: str, weights: tuple, blocked: str, cfg) -> str:
    """One transformer layer (attention and feed-forward, each with residual and norm)."""
    qkv, qkv_b, ow, ob, g1, b1, iw, ib, o2w, o2b, g2, b2 = weights
    eps = cfg["layer_norm_eps"]
    attended = g.linear(_attention(g, x, qkv, qkv_b, blocked, cfg), ow, ob)
    x = g.norm(g.op("Add", x, attended), g1, b1, eps)
    h = g.linear(x, iw, ib)  # GELU, exact: h / 2 * (1 + erf(h / sqrt 2))
    erf = g.op("Erf", g.op("Mul", h, g.const(np.array(0.5**0.5, np.float32))))
    h = g.op("Mul", g.op("Mul", h, g.const(np.array(0.5, np.float32))),
             g.op("Add", erf, g.const(np.array(1.0, np.float32))))  # fmt: skip
    return g.norm(g.op("Add", x, g.linear(h, o2w, o2b)), g2, b2, eps)


def _pool(g: _Graph, x: str, mask: str) -> str:
    """Mean of the token vectors under the mask, scaled to unit length."""
    weights = g.op("Unsqueeze", mask, g.const(np.array([2], np.int64)))
    axis = g.const(np.array([1], np.int64))
    total = g.op("ReduceSum", g.op("Mul", x, weights), axis, keepdims=0)
    count = g.op("ReduceSum", weights, axis, keepdims=0)
    mean = g.op("Div", total, g.op("Max", count, g.const(np.array(1e-9, np.float32))))
    length = g.op("ReduceL2", mean, axes=[1], keepdims=1)
    return g.op("Div", mean, g.op("Max", length, g.const(np.array(1e-12, np.float32))))


def build(encoder) -> onnx.ModelProto:
    """The encoder's network: input_ids and attention_mask (int64) -> embedding (float)."""
    g, cfg = _Graph(), encoder.config
    words, positions, types, gain, bias = encoder.embeddings
    ids, mask = "input_ids", g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    tokens = g.op("Squeeze", g.op("Shape", ids, start=1, end=2), g.const(np.array([0], np.int64)))
    where = g.op("Range", g.const(np.array(0, np.int64)), tokens, g.const(np.array(1, np.int64)))
    x = g.op("Add", g.op("Gather", g.const(words), ids), g.op("Gather", g.const(positions), where))
    x = g.norm(g.op("Add", x, g.const(types[0])), gain, bias, cfg["layer_norm_eps"])
    hidden = g.op("Sub", g.const(np.array(1.0, np.float32)), mask)  # 1 where padding
    blocked = g.op("Mul", hidden, g.const(np.array(-1e9, np.float32)))
    blocked = g.op("Unsqueeze", blocked, g.const(np.array([1, 2], np.int64)))
    for weights in encoder.layers:
        x = _layer(g, x, weights, blocked, cfg)
    g.nodes.append(oh.make_node("Identity", [_pool(g, x, mask)], ["embedding"]))
    inputs = [oh.make_tensor_value_info(n, TensorProto.INT64, ["batch", "tokens"]) for n in
              ("input_ids", "attention_mask")]  # fmt: skip
    output = oh.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", encoder.dim])
    graph = oh.make_graph(g.nodes, "sentence_encoder", inputs, [output], g.constants)
    return oh.make_model(graph, opset_imports=[oh.make_opsetid("", OPSET)])


def session(encoder, quantized: bool) -> ort.InferenceSession:
    """An ONNX Runtime session of the encoder's graph on one thread (8-bit when quantized)."""
    model = build(encoder)
    if quantized:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        root, level = logging.getLogger(), logging.getLogger().level
        root.setLevel(max(level, logging.ERROR))  # its advice to pre-process, on the root logger
        try:
            with tempfile.TemporaryDirectory() as tmp:
                exact, small = Path(tmp) / "exact.onnx", Path(tmp) / "int8.onnx"
                onnx.save(model, str(exact))
                quantize_dynamic(exact, small, per_channel=True, weight_type=QuantType.QInt8,
                                 op_types_to_quantize=["MatMul"])  # fmt: skip
                model = onnx.load(str(small))
        finally:
            root.setLevel(level)  # the process's own logging as it was
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return ort.InferenceSession(model.SerializeToString(), options, ["CPUExecutionProvider"])
