"""/health tells what the real engine has loaded: nothing at first, then the embedded model,
then the adapter a lora request used (a one-step adapter trained here)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from pipeline.server import ServerSettings, create_app
from pipeline.server.testing import ServerThread
from tests.conftest_lora import small_fact_data

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def adapter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from lora.train import TrainConfig, train

    root = tmp_path_factory.mktemp("adapter")
    config = TrainConfig(
        data=str(small_fact_data(root, ("fusion-core-product",))),
        adapter_path=str(root / "adapter"),
        iters=1,
        num_layers=1,
        batch_size=1,
        save_every=1,
        steps_per_report=1,
        steps_per_eval=1,
        val_batches=0,
    )
    train(config, show_progress=False)
    return root / "adapter"


def test_health_reports_what_is_loaded(adapter: Path) -> None:
    from lora.generate import clear_cache
    from pipeline.commands.serve_commands import real_factories

    clear_cache()  # nothing loaded by earlier tests in this process
    answerer_factory, kg_factory = real_factories(lora_adapter=str(adapter))
    app = create_app(answerer_factory, kg_factory, ServerSettings(warm=False))
    with (
        ServerThread(app, startup_timeout=300) as server,
        httpx.Client(base_url=server.url, timeout=300) as http,
    ):
        health = http.get("/health").json()
        assert health["model"] == "embedded"
        assert health["model_loaded"] is False and health["adapters"] == []

        graph = http.post("/ask", json={"question": "Where is SolverX?", "mode": "graph", "max_tokens": 2})
        assert graph.status_code == 200, graph.text
        health = http.get("/health").json()
        assert health["model_loaded"] is True and health["adapters"] == []  # graph mode: the base model

        lora = http.post("/ask", json={"question": "Where is SolverX?", "mode": "lora", "max_tokens": 2})
        assert lora.status_code == 200, lora.text
        health = http.get("/health").json()
        assert health["model_loaded"] is True
        assert health["adapters"] == [str(adapter)]
