"""`python -m tests.reliability.runpipe ARGS`: the real `pipeline` CLI for reliability subprocesses.

Only two test-time knobs, both read from the environment before the CLI runs:
`RELIABILITY_BACKOFF` shrinks the LLM client's first retry pause (seconds; the product default is
0.5 s, doubling), so runs through the fault server take seconds; `RELIABILITY_NETLOG` installs
the socket guard from `netguard.py` that records (and blocks, when not loopback) every
connect() and name lookup.
"""

from __future__ import annotations

import os


def main() -> None:
    if os.environ.get("RELIABILITY_NETLOG"):
        from tests.reliability import netguard

        netguard.install(os.environ["RELIABILITY_NETLOG"])
    backoff = os.environ.get("RELIABILITY_BACKOFF")
    if backoff:
        import pipeline.llm.client as client

        client.BACKOFF_BASE_S = float(backoff)
    from pipeline.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
