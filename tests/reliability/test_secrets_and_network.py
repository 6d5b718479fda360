"""Secrets never leave the process, and the only hosts contacted are the configured ones.

Keys are set to recognisable fake values (one shaped like a real key, one that looks like
nothing, as a custom gateway's might), SDK debug logging is switched on, commands run as
subprocesses (so logging is configured as a user gets it) including ones that fail with 401
from the fault server (which echoes the presented key in its error body, as some gateways do).
Then every byte written under `$PIPELINE_HOME`, the report, stdout, stderr and `--json` output
is searched for the key values.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.reliability import netguard
from tests.reliability.conftest import REPO, base_env, run_pipeline, write_corpus
from tests.reliability.faultserver import FaultScript

pytestmark = pytest.mark.slow

OPENAI_SHAPED = "sk-test-SECRET123-openai-4f1c9e7b2a6d"
ANTHROPIC_SHAPED = "sk-ant-test-SECRET456-anthropic-9b8a7c6d"
PLAIN = "gw7788PLAINSECRETvalue"  # a gateway key with no recognisable shape
OPENAI_MODEL = "openai:gpt-4o-mini"
ANTHROPIC_MODEL = "anthropic:claude-3-5-haiku-latest"


@pytest.fixture
def corpus_home(tmp_path: Path, rel_home: Path) -> Path:
    from pipeline.cli import app

    write_corpus(tmp_path / "corpus", 4)
    r = CliRunner().invoke(app, ["ingest", str(tmp_path / "corpus"), "--json"])
    assert r.exit_code == 0, r.output
    return rel_home


def _leaks(blob: bytes, secrets: list[str]) -> list[str]:
    found = []
    for s in secrets:
        for variant in {s, s[8:], s[-12:]}:  # whole, and long fragments of it
            if variant.encode() in blob:
                found.append(variant)
    return found


def test_keys_never_in_files_logs_errors_or_json(corpus_home: Path, fault_server, tmp_path: Path) -> None:
    home = corpus_home
    outputs: list[tuple[str, str]] = []

    def run(args: list[str], key_openai: str, script: FaultScript | None = None) -> None:
        # No CLI flag bypasses the response cache (`--no-cache` is missing), so set each run's
        # cache aside (kept under $PIPELINE_HOME, so it is searched too) to make real calls.
        for p in list(home.glob("cache.sqlite*")):
            p.rename(p.with_name(f"{p.name}.run{len(outputs)}"))
        fault_server.configure(script or FaultScript())
        env = base_env(home, OPENAI_BASE_URL=fault_server.url + "/v1", OPENAI_API_KEY=key_openai,
                       ANTHROPIC_BASE_URL=fault_server.url, ANTHROPIC_API_KEY=ANTHROPIC_SHAPED,
                       OPENAI_LOG="debug", ANTHROPIC_LOG="debug", PIPELINE_LOG_LEVEL="DEBUG")
        r = run_pipeline(args, env, timeout=300)
        outputs.append((" ".join(args), r.stdout + "\n" + r.stderr))
        sent = [s for s in fault_server.seen if s.api == ("anthropic" if ANTHROPIC_MODEL in args else "openai")]
        if "--model" in args and '"nothing_new": true' not in r.stdout:
            assert sent, f"`{' '.join(args)}` never reached the fault server:\n{r}"

    auth = FaultScript(rate=1.0, kinds=("auth",))
    question = "Who gains customers in the market 0 revision 0 after a price cut?"
    for key in (OPENAI_SHAPED, PLAIN):
        run(["extract", "--all", "--model", OPENAI_MODEL, "--json"], key)
        run(["extract", "--all", "--model", OPENAI_MODEL, "--json"], key, auth)  # 401 echoing the key
    run(["ask", question, "--model", OPENAI_MODEL, "--strategy", "free", "--json"], PLAIN, auth)
    run(["summarize", "--model", OPENAI_MODEL, "--strategy", "free", "--json"], OPENAI_SHAPED, auth)
    run(["summarize", "--model", OPENAI_MODEL, "--strategy", "free", "--json"], OPENAI_SHAPED)
    run(["extract", "--all", "--model", ANTHROPIC_MODEL, "--json"], OPENAI_SHAPED)
    run(["extract", "--all", "--model", ANTHROPIC_MODEL, "--json"], OPENAI_SHAPED, auth)
    run(["models", "--json"], OPENAI_SHAPED)
    run(["status", "--json"], OPENAI_SHAPED)
    run(["claims", "--json"], OPENAI_SHAPED)
    run(["report", "--json"], OPENAI_SHAPED)
    # The 401s really happened and said which variable to fix.
    joined = "\n".join(o for _, o in outputs)
    assert "401" in joined and "OPENAI_API_KEY" in joined and "ANTHROPIC_API_KEY" in joined
    # The server did receive the keys (so they were in play), and nothing else ever holds them.
    secrets = [OPENAI_SHAPED, ANTHROPIC_SHAPED, PLAIN]
    problems = []
    for cmd, out in outputs:
        leaked = _leaks(out.encode(), secrets)
        if leaked:
            problems.append(f"`{cmd}` printed {leaked}")
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "report.html" for p in files)
    assert any(p.name.startswith("ledger") for p in files) and any(p.name.startswith("cache") for p in files)
    for p in files:
        leaked = _leaks(p.read_bytes(), secrets)
        if leaked:
            problems.append(f"{p.relative_to(home)} holds {leaked}")
    assert not problems, problems


def _chroma_server(tmp_path: Path):
    exe = Path(sys.executable).with_name("chroma")
    if not exe.exists():
        return None, None
    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(tmp_path / "chroma.log", "wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([str(exe), "run", "--path", str(tmp_path / "chroma-srv"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    import httpx

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1).status_code == 200:
                return proc, port
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise AssertionError("chroma server did not start: " + (tmp_path / "chroma.log").read_text()[-2000:])


def test_only_the_configured_provider_and_chroma_host_are_contacted(tmp_path: Path, fault_server) -> None:
    """Every connect() and name lookup of real commands, recorded by a socket guard (and by strace
    when present): only loopback, only the fault server's port and the Chroma server's port.
    The offline switches are *removed* from the environment: the product must not need them."""
    proc, chroma_port = _chroma_server(tmp_path)
    try:
        home = tmp_path / "home"
        netlog = tmp_path / "net.jsonl"
        write_corpus(tmp_path / "corpus", 3)
        env = base_env(home, RELIABILITY_NETLOG=str(netlog), OPENAI_BASE_URL=fault_server.url + "/v1",
                       OPENAI_API_KEY=OPENAI_SHAPED, ANTHROPIC_BASE_URL=fault_server.url,
                       ANTHROPIC_API_KEY=ANTHROPIC_SHAPED)
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "ANONYMIZED_TELEMETRY", "HF_DATASETS_OFFLINE"):
            env.pop(var, None)
        if chroma_port:
            env.update(CHROMA_HOST="127.0.0.1", CHROMA_PORT=str(chroma_port))
        strace = shutil.which("strace")
        if strace:  # ingest (the step that loads native code: torch, Chroma's Rust core) under strace
            cmd = [strace, "-f", "-qq", "-e", "trace=connect", "-o", str(tmp_path / "strace.txt"),
                   sys.executable, "-m", "tests.reliability.runpipe", "ingest", str(tmp_path / "corpus"), "--json"]
            p = subprocess.run(cmd, env=env, cwd=str(REPO), capture_output=True, text=True, timeout=300)
            assert p.returncode == 0, p.stderr[-3000:]
        commands = [["ingest", str(tmp_path / "corpus"), "--json"], ["status", "--json"],
                    ["extract", "--all", "--model", OPENAI_MODEL, "--json"],
                    ["extract", "--all", "--model", ANTHROPIC_MODEL, "--json"],
                    ["summarize", "--model", OPENAI_MODEL, "--strategy", "free", "--json"],
                    ["ask", "Who gains customers in the market 0 revision 0 after a price cut?", "--model", OPENAI_MODEL, "--json"],
                    ["report", "--json"], ["models", "--json"]]
        for args in commands[1:] if strace else commands:
            r = run_pipeline(args, env, timeout=300)
            assert r.rc == 0, str(r)
        allowed_ports = {fault_server.port} | ({chroma_port} if chroma_port else set())
        entries = netguard.read(str(netlog))
        assert entries, "the guard recorded nothing (was it installed?)"
        refused = [e for e in entries if not e["allowed"]]
        assert not refused, f"calls to non-loopback hosts: {refused[:10]}"
        ports = {e["port"] for e in entries if e["op"] == "connect"}
        assert ports <= allowed_ports, f"connections to unexpected ports {ports - allowed_ports}"
        assert fault_server.port in ports and (not chroma_port or chroma_port in ports)
        if strace:  # the ingest ran under strace too: native code (Rust, C libraries) included
            conns = netguard.strace_connects((tmp_path / "strace.txt").read_text(errors="replace"))
            assert conns or not chroma_port, "strace saw no connect() (the Chroma server is reached by TCP)"
            outside = [c for c in conns if not netguard.is_loopback(c[0])]
            assert not outside, f"native connect() to {outside}"
    finally:
        if proc is not None:
            os.killpg(proc.pid, 9)
            proc.wait()
