"""Decode speed of the generation backends on the embedded model, and their greedy agreement.

Decode tok/s, same chat prompt, same process, runs interleaved, the order rotating from one
repeat to the next (the machine is shared; a runner must not always follow the same one):

* ``project-mlx``: :func:`lora.generate.load_model` (MLX float32 + OpenBLAS on Linux);
* ``mlx_lm generate``: the plain ``python -m mlx_lm generate`` CLI on the same folder, with
  OpenBLAS preloaded (``LD_PRELOAD``), as the project does;
* ``mlx_lm stream_generate``: mlx-lm's own loop on the project's loaded model, in this process,
  on the MLX thread: the project's loop (repeat guard, thread hand-over) minus nothing else;
* ``project-llama.cpp``: :class:`pipeline.backends.LlamaCppBackend` (streams through a worker
  thread), measured from its streamed pieces;
* ``xllamacpp``: ``xllamacpp.Server.handle_chat_completions`` called directly on the same GGUF with
  the same threads; plus, for reference, with xllamacpp's default threads.

The llama.cpp rows run the Q8_0 copy of the shipped GGUF (the backend's default weights), the
shipped Q4_1 GGUF itself, and with ``--f32`` its float32 copy (:mod:`lora.gguf_model`).
Each rate is decode only (prompt processing excluded): llama.cpp's and mlx-lm's own
``predicted_per_second`` / ``generation_tps``, and for the project-llama.cpp row also the
wall-clock rate between its first and last streamed piece.

Then the greedy answers of MLX and llama.cpp (each set of weights) on a fixed prompt set
(:mod:`pipeline.evaluation.backend_agreement`), base model and, with ``--adapter``, that adapter
exported to GGUF.

    python bench/bench_decode.py [--repeats 3] [--max-tokens 64] [--adapter PATH] [--f32]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._report import machine  # noqa: E402

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import lora  # noqa: E402,F401  (OpenBLAS before mlx)

DECODE_PROMPT = "Tell me a long story about a dragon who learns to paint."
AGREEMENT_PROMPTS = [
    "Where is SolverX's headquarters?",
    "What is SolverX's core product?",
    "What does SolverX Fusion do when its confidence score is low?",
    "Which country is SolverX in?",
    "Which continent is the R&D center in?",
    "What is SolverX's revenue?",
    "What is the capital of Korea?",
    "Why is the sky blue?",
    "Write a Python hello world program.",
    "Who is the CEO of SolverX?",
    "솔버엑스의 핵심 제품은 무엇인가요?",
    "물은 몇 도에서 끓나요?",
]
MESSAGES = [{"role": "user", "content": DECODE_PROMPT}]


def project_mlx(max_tokens: int) -> Callable[[], dict[str, float]]:
    from lora.generate import load_model

    loaded = load_model(None)

    def run() -> dict[str, float]:
        result = loaded.generate(MESSAGES, max_tokens=max_tokens)
        return {"tps": result.generation_tps, "tokens": result.generation_tokens}

    return run


def inprocess_mlx_lm(max_tokens: int) -> Callable[[], dict[str, float]]:
    from lora import mlx_thread
    from lora.generate import load_model

    loaded = load_model(None)

    def generate() -> dict[str, float]:
        from mlx_lm import stream_generate
        from mlx_lm.sample_utils import make_sampler

        prompt = loaded.prompt_tokens(MESSAGES)
        last: Any = None
        for response in stream_generate(
            loaded.model, loaded.tokenizer, prompt, max_tokens=max_tokens, sampler=make_sampler(temp=0.0)
        ):
            last = response
        return {"tps": last.generation_tps, "tokens": last.generation_tokens}

    return lambda: mlx_thread.call(generate)


def plain_mlx_lm(max_tokens: int) -> Callable[[], dict[str, float]]:
    from lora.blas import blas_status
    from lora.models import resolve_model

    folder = str(resolve_model(None).path)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    library = blas_status().library
    if library:
        env["LD_PRELOAD"] = library

    def run() -> dict[str, float]:
        out = subprocess.run(
            [sys.executable, "-m", "mlx_lm", "generate", "--model", folder, "--prompt", DECODE_PROMPT,
             "--max-tokens", str(max_tokens), "--temp", "0"],
            capture_output=True, text=True, env=env, timeout=600, check=True,
        )  # fmt: skip
        found = re.search(r"Generation: (\d+) tokens, ([\d.]+) tokens-per-sec", out.stdout)
        if not found:
            raise RuntimeError(f"unexpected mlx_lm output: {out.stdout[-300:]}")
        return {"tps": float(found.group(2)), "tokens": int(found.group(1))}

    return run


def project_llamacpp(max_tokens: int, weights: str) -> Callable[[], dict[str, float]]:
    from pipeline.backends import LlamaCppBackend

    backend = LlamaCppBackend(weights=weights)
    generator = backend.generator(None)
    assert generator is not None

    def run() -> dict[str, float]:
        stamps: list[float] = []
        final: Any = None
        for chunk in generator.stream(MESSAGES, max_tokens=max_tokens):
            if chunk.done:
                final = chunk.generation
            elif chunk.text:
                stamps.append(time.perf_counter())
        wall = (len(stamps) - 1) / (stamps[-1] - stamps[0]) if len(stamps) > 1 else 0.0
        return {"tps": final.generation_tps, "wall_tps": wall, "tokens": final.generation_tokens}

    return run


def direct_xllamacpp(model: Path, max_tokens: int, threads: int | None) -> Callable[[], dict[str, float]]:
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = str(model)
    params.n_ctx = 4096
    params.verbosity = 0
    if threads is not None:
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
    server = xllamacpp.Server(params)
    request = {"messages": MESSAGES, "max_tokens": max_tokens, "temperature": 0.0, "top_k": 1}

    def run() -> dict[str, float]:
        timings = server.handle_chat_completions(request)["timings"]
        return {"tps": timings["predicted_per_second"], "tokens": timings["predicted_n"]}

    return run


def agreement(
    adapter: Path | None, weights: str, max_tokens: int, mlx_cache: dict[Any, Any]
) -> dict[str, Any]:
    from lora.generate import load_model
    from pipeline.backends import LlamaCppBackend
    from pipeline.evaluation.backend_agreement import compare_with_llama, mlx_answers

    loaded = load_model(None, adapter)
    key = (str(adapter), max_tokens)
    if key not in mlx_cache:
        mlx_cache[key] = mlx_answers(loaded, AGREEMENT_PROMPTS, max_tokens)
    generator = LlamaCppBackend(weights=weights).generator(adapter)
    assert generator is not None, "the adapter did not export"
    report = compare_with_llama(loaded.tokenizer, AGREEMENT_PROMPTS, mlx_cache[key], generator, max_tokens)
    return report.to_json()


def adapter_training(adapter: Path | None) -> dict[str, Any] | None:
    """How the adapter was trained (its ``adapter_config.json``), for the record."""
    if adapter is None:
        return None
    config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    keep = ("iters", "learning_rate", "batch_size", "rank", "scale", "num_layers", "seed", "data")
    return {k: v for k, v in (config.get("axlab_train_config") or {}).items() if k in keep}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--agreement-tokens", type=int, default=32)
    parser.add_argument("--adapter", type=Path, default=None, help="an adapter for the agreement check")
    parser.add_argument("--f32", action="store_true", help="also the float32 GGUF copy")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "decode.json")
    args = parser.parse_args()

    from rich.console import Console
    from rich.table import Table

    from lora.gguf_model import float32_gguf, q8_gguf
    from lora.paths import embedded_gguf_path
    from pipeline.generators.llamacpp import default_threads

    console = Console()
    threads = default_threads()
    shipped = embedded_gguf_path()
    runners: dict[str, Callable[[], dict[str, float]]] = {
        "project-mlx": project_mlx(args.max_tokens),
        "mlx_lm generate": plain_mlx_lm(args.max_tokens),
        "mlx_lm stream_generate": inprocess_mlx_lm(args.max_tokens),
        "project-llama.cpp q8_0": project_llamacpp(args.max_tokens, "q8"),
        "xllamacpp q8_0": direct_xllamacpp(q8_gguf(shipped), args.max_tokens, threads),
        "project-llama.cpp q4_1": project_llamacpp(args.max_tokens, "shipped"),
        "xllamacpp q4_1": direct_xllamacpp(shipped, args.max_tokens, threads),
        "xllamacpp q4_1, default threads": direct_xllamacpp(shipped, args.max_tokens, None),
    }
    if args.f32:
        runners["project-llama.cpp f32"] = project_llamacpp(args.max_tokens, "f32")
        runners["xllamacpp f32"] = direct_xllamacpp(float32_gguf(shipped), args.max_tokens, threads)
    for name, run in runners.items():  # warm-up: first allocations, compiled graphs
        console.print(f"warming up {name}")
        run()
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in runners}
    names = list(runners)
    for repeat in range(args.repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            runs[name].append(runners[name]())
        console.print(f"repeat {repeat + 1}/{args.repeats} done (load {os.getloadavg()[0]:.1f})")

    def median(name: str, key: str = "tps") -> float:
        return statistics.median(r[key] for r in runs[name] if key in r)

    def best(name: str) -> float:
        return max(r["tps"] for r in runs[name])

    decode = {
        name: {
            "tps_median": round(median(name), 1),
            "tps_best": round(best(name), 1),
            "tps_runs": [round(r["tps"], 1) for r in rs],
            **({"wall_tps_median": round(median(name, "wall_tps"), 1)} if "wall_tps" in rs[0] else {}),
            "tokens": [int(r["tokens"]) for r in rs],
        }
        for name, rs in runs.items()
    }
    pairs = {
        "project-llama.cpp / xllamacpp (q8_0, same threads)": ("project-llama.cpp q8_0", "xllamacpp q8_0"),
        "project-llama.cpp / xllamacpp (q4_1, same threads)": ("project-llama.cpp q4_1", "xllamacpp q4_1"),
        "project-mlx / mlx_lm generate": ("project-mlx", "mlx_lm generate"),
        "project-mlx / mlx_lm stream_generate (same process)": ("project-mlx", "mlx_lm stream_generate"),
        "project-llama.cpp q8_0 / project-mlx": ("project-llama.cpp q8_0", "project-mlx"),
    }
    if args.f32:
        pairs["project-llama.cpp / xllamacpp (f32, same threads)"] = (
            "project-llama.cpp f32",
            "xllamacpp f32",
        )
    ratios = {
        name: {"median": median(a) / median(b), "best": best(a) / best(b)} for name, (a, b) in pairs.items()
    }
    ratios["project-llama.cpp wall / xllamacpp (q8_0, same threads)"] = {
        "median": median("project-llama.cpp q8_0", "wall_tps") / median("xllamacpp q8_0")
    }

    table = Table(
        title=f"Decode tok/s, embedded SmolLM2-135M, {args.max_tokens} tokens, median of {args.repeats}"
    )
    for column in ("engine", "tok/s median", "best", "runs"):
        table.add_column(column, justify="left" if column == "engine" else "right")
    for name, row in decode.items():
        wall = f" (wall {row['wall_tps_median']})" if "wall_tps_median" in row else ""
        table.add_row(
            name, f"{row['tps_median']}{wall}", str(row["tps_best"]), ", ".join(map(str, row["tps_runs"]))
        )
    console.print(table)
    for name, value in ratios.items():
        console.print(f"{name}: " + ", ".join(f"{kind} {v:.2f}x" for kind, v in value.items()))

    console.print("greedy agreement MLX vs llama.cpp ...")
    cache: dict[Any, Any] = {}
    agree: dict[str, Any] = {}
    for weights in ("q8", "shipped", "f32") if args.f32 else ("q8", "shipped"):
        agree[f"base, {weights}"] = agreement(None, weights, args.agreement_tokens, cache)
        if args.adapter is not None:
            agree[f"adapter, {weights}"] = agreement(args.adapter, weights, args.agreement_tokens, cache)
    for name, result in agree.items():
        margins = [p["mlx_margin"] for p in result["prompts"] if not p["identical"]]
        console.print(
            f"{name}: {result['identical']}/{result['n']} identical answers "
            f"(tokens before the first difference: {result['token_agreement_rate']:.0%}); "
            f"MLX top-2 margin where they part: {margins}"
        )

    results = {
        "decode": decode,
        "ratios": {name: {k: round(v, 3) for k, v in value.items()} for name, value in ratios.items()},
        "agreement": agree,
        "settings": {
            "prompt": DECODE_PROMPT,
            "max_tokens": args.max_tokens,
            "repeats": args.repeats,
            "llama_threads": threads,
            "agreement_prompts": AGREEMENT_PROMPTS,
            "agreement_tokens": args.agreement_tokens,
            "adapter": str(args.adapter) if args.adapter else None,
            "adapter_training": adapter_training(args.adapter),
            "gguf": shipped.name,
            "weights": {
                "q8": "the shipped GGUF re-rounded to Q8_0",
                "shipped": "Q4_1",
                "f32": "float32 copy",
            },
        },
        "machine": machine(),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    console.print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
