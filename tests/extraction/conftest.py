"""Helpers for the extraction tests: articles from corpus files, a store stand-in, scripted
model answers and a slow scripted provider for kill/resume tests (also run in subprocesses)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any, ClassVar

from pipeline.llm.base import Completion, Message, Provider
from pipeline.types import Article

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "corpus" / "seed-article.txt"


def make_article(text: str, id: str = "a1", title: str = "Test", path: str = "test.txt") -> Article:
    return Article(id=id, title=title, text=text, path=path, format="txt",
                   content_hash=hashlib.sha256(text.encode("utf-8")).hexdigest())


def seed_article() -> Article:
    text = SEED.read_text(encoding="utf-8")
    return make_article(text, id="seed", title="Microsoft and OpenAI amend their partnership",
                        path="corpus/seed-article.txt")


class StubStore:
    """The three read methods `run_extraction` uses, over a fixed list of articles."""

    def __init__(self, articles: list[Article]) -> None:
        self.articles = list(articles)

    def list_articles(self) -> list[Article]:
        return list(self.articles)

    def get_article(self, article_id: str) -> Article:
        for a in self.articles:
            if a.id == article_id:
                return a
        raise KeyError(article_id)

    def find_article(self, ref: str) -> Article | None:
        return next((a for a in self.articles if ref in (a.id, a.path)), None)

    def close(self) -> None:
        pass


def analysis_json(winners=(), losers=(), unchanged=(), summary="A summary.") -> dict[str, Any]:
    """What a capable model answers for the `single` strategy (quotes as strings)."""
    return {
        "summary": summary,
        "winners": [{"party": p, "reason": "r", "quote": q} for p, q in winners],
        "losers": [{"party": p, "reason": "r", "quote": q} for p, q in losers],
        "unchanged": [{"statement": s, "quote": q} for s, q in unchanged],
    }


def user_text(messages: list[Message]) -> str:
    return "\n".join(m.content for m in messages if m.role == "user")


class SlowProvider(Provider):
    """A remote-looking provider that answers valid `single` JSON after a pause.

    The article's first sentence becomes the quote, so every record is grounded."""

    provider: ClassVar[str] = "slowfake"
    structured_modes: ClassVar[tuple[str, ...]] = ("json_schema",)
    max_concurrency = 4

    def __init__(self, model: str = "v1", **options: Any) -> None:
        super().__init__(model, **options)
        self.delay = float(options.get("delay", 0.25))

    def complete(self, messages: list[Message], *, schema: dict[str, Any] | None = None,
                 schema_name: str = "output", max_tokens: int = 1024,
                 temperature: float = 0.0) -> Completion:
        time.sleep(self.delay)
        body = user_text(messages)
        start = body.index(">\n") + 2
        first = body[start:].split(".")[0] + "."
        text = json.dumps(analysis_json(winners=[("Acme", first)]))
        return Completion(text=text, input_tokens=len(body) // 4, output_tokens=len(text) // 4,
                          model=self.model, finish_reason="stop")
