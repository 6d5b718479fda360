"""A scripted model for `pipeline run` tests: answers every stage's schema from the text it is
given, so the whole job runs end to end with no model file and no network.

Registered in tests as the provider `scripted` (`--model scripted:demo`) through the real
registry, so the CLI path is the one users take.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, ClassVar

from pipeline.llm.base import Completion, Message
from pipeline.llm.fake import FakeProvider

_SENT = re.compile(r"[^.!?\n]+[.!?]")
_NAME = re.compile(r"\b([A-Z][\w&’'-]+(?:\s+[A-Z][\w&’'-]+)*)")


def _article(messages: list[Message]) -> str:
    text = messages[-1].content if messages else ""
    m = re.search(r"<(article-[0-9a-f]+)>\n(.*)\n</\1>", text, re.S)
    return m.group(2) if m else text


def _analysis(text: str) -> dict[str, Any]:
    out: dict[str, Any] = {"summary": "", "winners": [], "losers": [], "unchanged": []}
    sents = [s.strip() for s in _SENT.findall(text)]
    out["summary"] = " ".join(sents[:2])
    seen: set[str] = set()
    for s in sents:
        low = s.lower()
        kind = ("winners" if re.search(r"\bwin(s|ners?)?\b|\bgain", low) else
                "losers" if re.search(r"\blos(e|es|ers?)\b|\bhurt", low) else
                "unchanged" if re.search(r"\bstill\b|\bunchanged\b|stays? the same", low) else None)
        if kind is None:
            continue
        if kind == "unchanged":
            if len(out["unchanged"]) < 3:
                out["unchanged"].append({"statement": s[:80], "quote": s})
            continue
        m = _NAME.search(s)
        if not m or m.group(1) in seen or len(out[kind]) >= 4:
            continue
        seen.add(m.group(1))
        out[kind].append({"party": m.group(1), "reason": "the article says so", "quote": s})
    return out


def answer(messages: list[Message], schema: dict[str, Any] | None) -> str:
    title = (schema or {}).get("title", "")
    if title == "RawAnalysis":
        return json.dumps(_analysis(_article(messages)))
    if title == "Reask":
        return json.dumps({"fixes": []})
    if title == "SummaryOut":
        sents = _SENT.findall(_article(messages))
        return json.dumps({"summary": " ".join(s.strip() for s in sents[:2]) or "An article."})
    if title == "OverviewOut":
        ids = re.findall(r"\[([^\[\]\s]+)\]", messages[-1].content if messages else "")
        cites = " ".join(f"[{i}]" for i in dict.fromkeys(ids))
        return json.dumps({"overview": f"Coverage of winners and losers {cites}".strip() + "."})
    if title == "Picks":
        return json.dumps({"picks": [1]})
    if schema:  # any other structured call: the smallest valid object we can build
        return json.dumps({k: [] if v.get("type") == "array" else "" for k, v in
                           (schema.get("properties") or {}).items()})
    return "ok"


class DemoProvider(FakeProvider):
    """`scripted:demo`: a FakeProvider whose script answers by schema; counts calls process-wide."""

    provider: ClassVar[str] = "scripted"
    total_calls: ClassVar[int] = 0
    _count_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, model: str = "demo", **options: Any) -> None:
        super().__init__(model, script=[answer], **options)

    def complete(self, messages: list[Message], **kw: Any) -> Completion:
        with DemoProvider._count_lock:
            DemoProvider.total_calls += 1
        return super().complete(messages, **kw)
