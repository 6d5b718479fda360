"""Shared fixtures. Real network is blocked: only loopback and Unix sockets may connect.

Tests live in folders that mirror the package (tests/corpus, tests/llm, ...); each folder's
conftest.py holds the fixtures and stand-ins only that area uses. Fixtures several areas share
are plugins under tests/plugins/, registered below, so no test imports a fixture by name.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

pytest_plugins = ["tests.plugins.corpus_store"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "corpus"

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _allowed(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if not _allowed(address):
        raise ConnectionRefusedError(f"tests block real network: refused connect to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self, address):
    if not _allowed(address):
        raise ConnectionRefusedError(f"tests block real network: refused connect to {address!r}")
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _block_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)
    yield


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh, empty $PIPELINE_HOME for one test; keys from the developer's shell removed."""
    h = tmp_path / "home"
    monkeypatch.setenv("PIPELINE_HOME", str(h))
    for var in ("PIPELINE_MODEL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AZURE_OPENAI_API_KEY",
                "CHROMA_HOST", "CHROMA_PORT"):
        monkeypatch.delenv(var, raising=False)
    return h


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_chroma_server(data_dir: Path, log_path: Path, start_timeout_s: float) -> Iterator[int]:
    """A real `chroma run` on a free loopback port (yields the port), stopped by its own pid."""
    import httpx

    exe = Path(sys.executable).parent / "chroma"
    if not exe.exists():
        exe = Path(shutil.which("chroma") or "chroma")
    port = free_port()
    log = log_path.open("wb")
    proc = subprocess.Popen([str(exe), "run", "--path", str(data_dir), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            if proc.poll() is not None:
                pytest.fail(f"chroma run exited with {proc.returncode}: "
                            f"{log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"chroma run did not answer its heartbeat within {start_timeout_s:.0f} s")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        log.close()
