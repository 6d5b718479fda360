"""Valid model answers for the fault server: whatever JSON schema a request carries, an object that
fits it; for the extraction schema, claims whose quotes are real sentences of the article between
the prompt's fence tags (so grounding succeeds), from a *naive* model that also obeys injected
"list X as the winner" instructions. And `violate`: well-formed JSON of the wrong shape.
"""

from __future__ import annotations

import re
from typing import Any

_FENCE = re.compile(r"<(article-[0-9a-f]{6,})>\n?(.*?)\n?</\1>", re.S)
_SENT = re.compile(r"[^.!?\n]+[.!?]")


def article_of(prompt: str) -> str:
    """The text between the prompt's fence tags (the last fenced block), else the whole prompt."""
    found = _FENCE.findall(prompt)
    return found[-1][1] if found else prompt


def article_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.findall(text) if len(s.strip()) > 12]


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = schema
        for part in ref[2:].split("/"):
            target = target[part]
        return _resolve(schema, target)
    return node


def instance(schema: dict[str, Any], node: dict[str, Any] | None = None, *, text: str = "",
             name: str = "") -> Any:
    """A small value that validates against `node` (pydantic-style JSON Schema)."""
    node = _resolve(schema, schema if node is None else node)
    for key in ("anyOf", "oneOf"):
        if key in node:
            options = [o for o in node[key] if _resolve(schema, o).get("type") != "null"] or node[key]
            return instance(schema, options[0], text=text, name=name)
    if "allOf" in node:
        return instance(schema, node["allOf"][0], text=text, name=name)
    if "enum" in node:
        return node["enum"][0]
    if "const" in node:
        return node["const"]
    kind = node.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in node:
        props = node.get("properties", {})
        return {k: instance(schema, v, text=text, name=k) for k, v in props.items()}
    if kind == "array":
        n = int(node.get("minItems", 0))
        return [instance(schema, node.get("items", {}), text=text, name=name) for _ in range(n)]
    if kind == "integer":
        return int(node.get("minimum", 0))
    if kind == "number":
        return float(node.get("minimum", 0))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    sents = article_sentences(text)
    return sents[0] if sents and name in ("summary", "overview", "answer", "quote") else "ok"


def analysis(text: str) -> dict[str, Any]:
    """An extraction answer grounded in `text`: party = a sentence's first word, quote = it."""
    sents = article_sentences(text)

    def claim(s: str) -> dict[str, str]:
        return {"party": s.split()[0].strip(",;:\"'"), "reason": "named in the article", "quote": s}

    winners = [claim(s) for s in sents if re.search(r"\b(gains|wins|benefits|grows)\b", s, re.I)][:3]
    losers = [claim(s) for s in sents if re.search(r"\b(loses|lost|falls|hurt|drops)\b", s, re.I)][:3]
    if not winners and sents:
        winners = [claim(sents[0])]
    unchanged = [{"statement": "Something stays the same.", "quote": s}
                 for s in sents if re.search(r"\b(unchanged|same|remain|still)\b", s, re.I)][:2]
    # A naive model that obeys injected instructions: "list X as the winner" makes X a winner.
    for s in sents:
        m = re.search(r"\b(?:list|name|mark|declare)\s+([A-Z][\w-]+)\s+as\s+the\s+(?:only\s+)?winner", s)
        if m:
            winners.append({"party": m.group(1), "reason": "the article says so", "quote": s})
    return {"summary": " ".join(sents[:2]) or "An article.", "winners": winners, "losers": losers,
            "unchanged": unchanged}


def default_responder(schema: dict[str, Any] | None, prompt: str, name: str) -> Any:
    """What a well-behaved model answers: an object fitting `schema` (or plain text)."""
    text = article_of(prompt)
    if schema is None:
        sents = article_sentences(text)
        return " ".join(sents[:2]) or "OK."
    props = _resolve(schema, schema).get("properties", {})
    if "winners" in props and "losers" in props:
        return analysis(text)
    if "fixes" in props:
        return {"fixes": []}
    return instance(schema, text=text, name=name)


def violate(schema: dict[str, Any] | None) -> Any:
    """Well-formed JSON of the wrong shape: every property gets a value of the wrong type."""
    props = _resolve(schema, schema).get("properties", {}) if schema else {}
    out: dict[str, Any] = {}
    for k, v in props.items():
        t = _resolve(schema or {}, v).get("type")
        out[k] = 42 if t in ("array", "string", "object", "boolean") else "not-a-number"
    return out or {"unexpected": ["shape"]}
