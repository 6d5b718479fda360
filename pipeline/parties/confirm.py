"""Optional LLM confirmation of a borderline cross-article match (off unless `confirm_model` is set).

One call per pair of names (a pair asked once is remembered for the rest of the run), through
`pipeline.llm.generate`: cached where the provider allows and counted in the ledger like every
call (under the caller's run). Any LLM error counts as "no" — a miss costs recall, a wrong
merge costs precision, and precision comes first.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from pipeline.llm import LLMError, generate
from pipeline.templates import load_prompt

PROMPT = "party_same"


class SameParty(BaseModel):
    same: bool
    reason: str = ""


class Confirmer:
    """Asks `model` (a model string or provider) whether two names are one party."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.asked: dict[tuple[str, str], bool] = {}
        self.calls = 0

    def same(self, a: str, b: str, a_quote: str = "", b_quote: str = "") -> bool:
        key = (a, b) if a <= b else (b, a)
        if key in self.asked:
            return self.asked[key]
        msgs = load_prompt(PROMPT).messages(a=a, b=b, a_quote=a_quote[:400], b_quote=b_quote[:400])
        self.calls += 1
        try:
            res = generate(self.model, msgs, SameParty, max_tokens=200)
            answer = bool(res.output and res.output.same)
        except LLMError:
            answer = False
        self.asked[key] = answer
        return answer
