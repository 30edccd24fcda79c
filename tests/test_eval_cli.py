"""``axlab eval`` end to end with a scripted engine; bad options are one line and non-zero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.commands import eval_commands
from pipeline.evaluation.dataset import load_eval_set
from tests.test_eval_runner import PNG_MAGIC, ScriptedAnswerer


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 1), captured.out, captured.err


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str | None, object]]:
    made: list[tuple[str | None, object]] = []

    def fake_make_engine(model: str | None = None, adapter: object = None) -> ScriptedAnswerer:
        made.append((model, adapter))
        return ScriptedAnswerer(load_eval_set())

    monkeypatch.setattr(eval_commands, "make_engine", fake_make_engine)
    return made


def test_eval_writes_report_on_a_limit_slice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scripted: list[tuple[str | None, object]]
) -> None:
    out = tmp_path / "reports"
    code, stdout, _ = _run(["eval", "--limit", "2", "--max-tokens", "16", "--out", str(out)], capsys)
    assert code == 0
    assert scripted == [(None, None)]
    assert "metrics by mode" in stdout and "accuracy by category" in stdout and "hybrid" in stdout
    data = json.loads((out / "eval.json").read_text(encoding="utf-8"))
    assert list(data["metrics"]) == ["base", "lora", "graph", "hybrid"]
    assert data["setup"]["max_tokens"] == 16 and data["setup"]["limit"] == 2
    assert data["setup"]["items"] == 12
    assert "## Goals" in (out / "eval.md").read_text(encoding="utf-8")
    assert (out / "eval.png").read_bytes().startswith(PNG_MAGIC)


def test_eval_modes_and_categories_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scripted: list[tuple[str | None, object]]
) -> None:
    code, _, _ = _run(
        [
            "eval",
            "--modes",
            "hybrid, lora",
            "--categories",
            "korean",
            "--limit",
            "3",
            "--out",
            str(tmp_path),
            "--model",
            "some/model",
            "--adapter",
            "adapters/x",
        ],
        capsys,
    )
    assert code == 0
    assert scripted == [("some/model", "adapters/x")]
    data = json.loads((tmp_path / "eval.json").read_text(encoding="utf-8"))
    assert list(data["metrics"]) == ["lora", "hybrid"]
    assert data["setup"]["items_per_category"] == {"korean": 3}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "--modes", "hybrid,turbo"], "unknown mode 'turbo' (choose from base, lora, graph, hybrid)"),
        (["eval", "--categories", "trivia"], "unknown category 'trivia'"),
        (["eval", "--modes", ","], "no mode given"),
    ],
)
def test_bad_mode_or_category_is_one_line_and_nonzero(
    argv: list[str],
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    scripted: list[tuple[str | None, object]],
) -> None:
    code, _, err = _run([*argv, "--out", str(tmp_path)], capsys)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert scripted == []  # rejected before any engine is built
    assert not (tmp_path / "eval.json").exists()


def test_malformed_questions_file_is_one_line_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], scripted: list[tuple[str | None, object]]
) -> None:
    bad = tmp_path / "q.jsonl"
    good = (
        (Path(__file__).resolve().parents[1] / "data/solverx/eval/questions.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()[0]
    )
    bad.write_text(good + "\n{not json\n", encoding="utf-8")
    code, _, err = _run(["eval", "--questions", str(bad), "--out", str(tmp_path)], capsys)
    assert code == 2
    assert f"{bad}:2: invalid JSON" in " ".join(err.split())
    assert "Traceback" not in err


def test_missing_engine_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_engine(name: str, *args: object, **kwargs: object) -> object:
        if name == "pipeline.engine":
            raise ImportError("No module named 'pipeline.engine'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_engine)
    code, _, err = _run(["eval", "--limit", "1", "--out", str(tmp_path)], capsys)
    assert code == 1
    assert "the answer engine is not available" in err and "Traceback" not in err
