"""The NumPy BERT encoder gives sentence-transformers' vectors without importing torch."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest_lora import REPO

QUESTIONS = [
    "Who is the chief executive of SolverX?",
    "솔버엑스의 핵심 제품은 무엇인가요?",
    "Where is the R&D center?",
    "What is the capital of France?",
    "a",
    "Does SolverX have an office in Japan?",
    "솔버엑스는 어느 나라에 있나요?",
    "How fast is SolverX Fusion compared with a conventional solver on trained geometries? " * 12,
    "SOLVERX   fusion\tversion 3.2 (2025)",
    "물은 몇 도에서 끓나요?",
]


def sentences() -> list[str]:
    from lora.general_chat import general_qa
    from ontology.knowledge import load_knowledge

    knowledge = load_knowledge()
    texts = [getattr(row.text, lang) for row in knowledge.facts() for lang in ("en", "ko") if row.text]
    general = [text for pair in general_qa() for text in pair]
    return (QUESTIONS + texts + general)[:50]


@pytest.mark.model
def test_numpy_vectors_match_sentence_transformers() -> None:
    from sentence_transformers import SentenceTransformer

    from retriever.bert_numpy import load_numpy_bert
    from retriever.embedding import default_model_path

    texts = sentences()
    assert len(texts) == 50
    encoder = load_numpy_bert(default_model_path())
    assert encoder is not None
    ours = encoder.encode(texts)
    model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)
    theirs = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    cosine = (ours * theirs).sum(axis=1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    assert ours.shape == theirs.shape == (50, 384)
    assert cosine.min() >= 0.999, (cosine.min(), texts[int(cosine.argmin())])
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_embedding_a_question_does_not_import_torch() -> None:
    code = (
        "import sys\n"
        "from retriever.embedding import Embedder\n"
        "vector = Embedder().encode_query('Who is the CEO of SolverX?')\n"
        "print(vector.shape[0], 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1"}
    env.pop("AXLAB_EMBED_BACKEND", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["384", "False", "False"]


def test_a_folder_that_is_not_plain_bert_is_left_to_sentence_transformers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from retriever.bert_numpy import load_numpy_bert, supported
    from retriever.embedding import default_model_path

    assert supported(default_model_path())
    (tmp_path / "config.json").write_text('{"model_type": "xlm-roberta", "hidden_act": "gelu"}')
    (tmp_path / "modules.json").write_text("[]")
    assert load_numpy_bert(tmp_path) is None
