"""Benchmark: training and generation tokens/s of lora/ vs the plain mlx_lm CLI, with and without OpenBLAS.

Every configuration runs in its own subprocess on the same converted embedded model
and the same prepared data, side by side:

* project train/generate with the BLAS fix (default) and with ``AXLAB_NO_OPENBLAS=1``;
* ``python -m mlx_lm lora`` / ``python -m mlx_lm generate`` as shipped (reference BLAS)
  and with ``LD_PRELOAD=libopenblas``.

Prints a rich table and writes ``bench/results/lora.json``. Peak memory is each
process's max RSS (plus MLX's own peak where the run reports it).
Usage: ``python bench/bench_lora.py [--iters 4] [--max-tokens 48]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._report import machine  # noqa: E402

PROMPT = "What is the capital of France? Answer in one sentence, then name two famous museums there."
# Runs a module or script as __main__ and prints the process's max RSS at exit (Linux: KiB).
WRAPPER = (
    "import atexit, resource, runpy, sys\n"
    "atexit.register(lambda: print('MAXRSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True))\n"
    "mode, target, *rest = sys.argv[1:]\n"
    "sys.argv = [target, *rest]\n"
    "runpy.run_module(target, run_name='__main__', alter_sys=True) if mode == '-m' else "
    "runpy.run_path(target, run_name='__main__')\n"
)
GEN_CHILD = (
    "import json, sys\n"
    "from lora.generate import load_model\n"
    "m = load_model(None)\n"
    "msgs = [{'role': 'user', 'content': sys.argv[1]}]\n"
    "m.generate(msgs, max_tokens=4)\n"
    "g = m.generate(msgs, max_tokens=int(sys.argv[2]))\n"
    "import mlx.core as mx\n"
    "print('RESULT', json.dumps({'generation_tps': g.generation_tps, 'prompt_tps': g.prompt_tps,\n"
    "      'tokens': g.generation_tokens, 'mlx_peak_gb': mx.get_peak_memory() / 1e9}))\n"
)


def openblas_path() -> str | None:
    from lora.blas import _find_openblas

    return _find_openblas()


def run(argv: list[str], env_extra: dict[str, str], timeout: float) -> tuple[str, float, float]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "HF_HUB_OFFLINE": "1", "NO_COLOR": "1", "TERM": "dumb"}
    env.update(env_extra)
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    wall = time.perf_counter() - start
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({proc.returncode}): {out[-800:]}")
    rss = re.findall(r"MAXRSS_KB (\d+)", out)
    return out, wall, int(rss[-1]) / 1024 / 1024 if rss else 0.0


def train_project(
    data: Path, out: Path, iters: int, layers: int, fix: bool, timeout: float
) -> dict[str, object]:
    args = [
        "-m",
        "pipeline",
        "train",
        "--data",
        str(data),
        "--adapter-path",
        str(out),
        "--iters",
        str(iters),
        "--num-layers",
        str(layers),
        "--save-every",
        str(iters),
        "--steps-per-eval",
        "100000",
        "--val-batches",
        "1",
        "--quiet",
        "--json",
    ]
    text, wall, rss = run(args, {} if fix else {"AXLAB_NO_OPENBLAS": "1"}, timeout)
    result = json.loads(next(line for line in reversed(text.splitlines()) if line.startswith("{")))
    return {
        "tokens_per_s": result["tokens_per_second"],
        "wall_s": wall,
        "max_rss_gb": rss,
        "mlx_peak_gb": result["peak_memory_gb"],
        "final_train_loss": result["train_loss"],
    }


def train_mlx_lm(
    model: Path, data: Path, out: Path, iters: int, layers: int, preload: str | None, timeout: float
) -> dict[str, object]:
    args = [
        "-m",
        "mlx_lm",
        "lora",
        "--model",
        str(model),
        "--train",
        "--data",
        str(data),
        "--iters",
        str(iters),
        "--num-layers",
        str(layers),
        "--mask-prompt",
        "--adapter-path",
        str(out),
        "--steps-per-report",
        str(iters),
        "--steps-per-eval",
        "100000",
        "--val-batches",
        "1",
        "--learning-rate",
        "2e-4",
    ]
    text, wall, rss = run(args, {"LD_PRELOAD": preload} if preload else {}, timeout)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    rows = re.findall(r"(\d+)\s+([\d.]+)\s+[▼▲]\s+([\d,]+)\s+([\d.]+)k", plain)
    tps = float(rows[-1][2].replace(",", "")) if rows else float("nan")
    return {
        "tokens_per_s": tps,
        "wall_s": wall,
        "max_rss_gb": rss,
        "final_train_loss": float(rows[-1][1]) if rows else None,
    }


def generate_project(max_tokens: int, fix: bool, timeout: float) -> dict[str, object]:
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(GEN_CHILD)
    try:
        text, wall, rss = run(
            ["--path", handle.name, PROMPT, str(max_tokens)],
            {} if fix else {"AXLAB_NO_OPENBLAS": "1"},
            timeout,
        )
    finally:
        os.unlink(handle.name)
    result = json.loads(text.split("RESULT", 1)[1].strip().splitlines()[0])
    return {
        "tokens_per_s": result["generation_tps"],
        "prompt_tokens_per_s": result["prompt_tps"],
        "wall_s": wall,
        "max_rss_gb": rss,
        "mlx_peak_gb": result["mlx_peak_gb"],
    }


def generate_mlx_lm(model: Path, max_tokens: int, preload: str | None, timeout: float) -> dict[str, object]:
    args = [
        "-m",
        "mlx_lm",
        "generate",
        "--model",
        str(model),
        "--prompt",
        PROMPT,
        "--max-tokens",
        str(max_tokens),
    ]
    text, wall, rss = run(args, {"LD_PRELOAD": preload} if preload else {}, timeout)
    gen = re.search(r"Generation: \d+ tokens, ([\d.]+) tokens-per-sec", text)
    prompt = re.search(r"Prompt: \d+ tokens, ([\d.]+) tokens-per-sec", text)
    peak = re.search(r"Peak memory: ([\d.]+) GB", text)
    return {
        "tokens_per_s": float(gen[1]) if gen else float("nan"),
        "prompt_tokens_per_s": float(prompt[1]) if prompt else float("nan"),
        "wall_s": wall,
        "max_rss_gb": rss,
        "mlx_peak_gb": float(peak[1]) if peak else None,
    }


def matmul_gflops(fix: bool) -> float:
    code = (
        "import sys, time\nif sys.argv[1] == '1':\n    import lora\nimport mlx.core as mx\n"
        "a = mx.random.normal((1024, 1024)); b = mx.random.normal((1024, 1024)); mx.eval(a @ b)\n"
        "t = time.perf_counter()\nfor _ in range(10): mx.eval(a @ b)\n"
        "print('GFLOPS', 2 * 1024**3 * 10 / (time.perf_counter() - t) / 1e9)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-c", code, "1" if fix else "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    ).stdout
    return float(out.split("GFLOPS")[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iters", type=int, default=2, help="training steps per run")
    parser.add_argument("--num-layers", type=int, default=8, help="LoRA layers (same for both trainers)")
    parser.add_argument("--max-tokens", type=int, default=32, help="generated tokens per run")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per subprocess")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "lora.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    from lora.models import resolve_model
    from lora.prepare import prepare_data

    console = Console(width=170)
    model = resolve_model(None).path
    preload = openblas_path()
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="bench-lora-") as tmp:
        data = Path(tmp) / "data"
        prepare_data(out_dir=data)
        gflops = {"fix": matmul_gflops(True), "reference": matmul_gflops(False)}
        console.print(
            f"1024² fp32 matmul: {gflops['fix']:.1f} GFLOP/s with OpenBLAS, {gflops['reference']:.1f} without"
        )
        plans = [
            (
                "train",
                "axlab (lora.train)",
                "OpenBLAS (lora.blas)",
                lambda: train_project(
                    data, Path(tmp) / "a1", args.iters, args.num_layers, True, args.timeout
                ),
            ),
            (
                "train",
                "axlab (lora.train)",
                "reference (AXLAB_NO_OPENBLAS=1)",
                lambda: train_project(
                    data, Path(tmp) / "a2", args.iters, args.num_layers, False, args.timeout
                ),
            ),
            (
                "train",
                "mlx_lm lora CLI",
                "OpenBLAS (LD_PRELOAD)",
                lambda: train_mlx_lm(
                    model, data, Path(tmp) / "a3", args.iters, args.num_layers, preload, args.timeout
                ),
            ),
            (
                "train",
                "mlx_lm lora CLI",
                "reference (as shipped)",
                lambda: train_mlx_lm(
                    model, data, Path(tmp) / "a4", args.iters, args.num_layers, None, args.timeout
                ),
            ),
            (
                "generate",
                "axlab (lora.generate)",
                "OpenBLAS (lora.blas)",
                lambda: generate_project(args.max_tokens, True, args.timeout),
            ),
            (
                "generate",
                "axlab (lora.generate)",
                "reference (AXLAB_NO_OPENBLAS=1)",
                lambda: generate_project(args.max_tokens, False, args.timeout),
            ),
            (
                "generate",
                "mlx_lm generate CLI",
                "OpenBLAS (LD_PRELOAD)",
                lambda: generate_mlx_lm(model, args.max_tokens, preload, args.timeout),
            ),
            (
                "generate",
                "mlx_lm generate CLI",
                "reference (as shipped)",
                lambda: generate_mlx_lm(model, args.max_tokens, None, args.timeout),
            ),
        ]
        for task, tool, blas, fn in plans:
            console.print(f"running {task}: {tool}, {blas} ...")
            try:
                measured = fn()
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                measured = {"error": str(exc).splitlines()[0]}
            rows.append({"task": task, "tool": tool, "blas": blas, **measured})

    table = Table(
        title=f"lora benchmark: {args.iters} train steps ({args.num_layers} LoRA layers), "
        f"{args.max_tokens} generated tokens, embedded SmolLM2-135M ({model.name})"
    )
    for column in ("task", "tool", "BLAS", "tokens/s", "prompt tok/s", "wall s", "max RSS GB", "MLX peak GB"):
        table.add_column(
            column, justify="right" if column[0].islower() and column not in ("task", "tool") else "left"
        )
    for row in rows:

        def num(key: str, fmt: str = "{:.1f}", r: dict[str, object] = row) -> str:
            value = r.get(key)
            return fmt.format(value) if isinstance(value, (int, float)) else "-"

        table.add_row(
            str(row["task"]),
            str(row["tool"]),
            str(row["blas"]),
            num("tokens_per_s") if "error" not in row else f"error: {row['error'][:40]}",
            num("prompt_tokens_per_s"),
            num("wall_s"),
            num("max_rss_gb", "{:.2f}"),
            num("mlx_peak_gb", "{:.2f}"),
        )
    console.print(table)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "machine": machine(),
        "model": str(model),
        "iters": args.iters,
        "num_layers": args.num_layers,
        "max_tokens": args.max_tokens,
        "matmul_1024_gflops": gflops,
        "runs": rows,
    }
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
