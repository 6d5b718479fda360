"""The CI gate: minimum F1 and rates, and no field regressing against a committed baseline.

A baseline is a report (or the trimmed form `--save-baseline` writes): only its `overall` and
`fields` figures are compared, F1 per field and overall, plus the schema-valid and grounding
rates, each with its own tolerance (an allowed drop).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.evaluate.metrics import FIELDS
from pipeline.evaluate.settings import RATE_KEYS, EvalSettings


class BaselineError(UsageError, ValueError):
    pass


@dataclass
class Check:
    name: str  # e.g. "min_f1", "regression:winners.f1"
    passed: bool
    value: float | None
    limit: float | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_baseline(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"{p}: baseline file not found (create one with --save-baseline)") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{p}: baseline is not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("overall"), dict) or not isinstance(data.get("fields"), dict):
        raise BaselineError(f"{p}: baseline must be an eval report with `overall` and `fields` objects")
    for f in FIELDS:
        fd = data["fields"].get(f)
        if not isinstance(fd, dict) or not isinstance(fd.get("f1"), (int, float)):
            raise BaselineError(f"{p}: baseline lacks a numeric `fields.{f}.f1`")
    if not isinstance(data["overall"].get("f1"), (int, float)):
        raise BaselineError(f"{p}: baseline lacks a numeric `overall.f1`")
    return data


def gold_fingerprint(report: dict[str, Any]) -> str:
    """Identifies the gold set a report was scored on (articles and their required counts)."""
    items = sorted((a["article"], *(a["fields"][f]["required_gold"] for f in FIELDS),
                    *(a["fields"][f]["optional_gold"] for f in FIELDS)) for a in report["articles"])
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]


def baseline_from_report(report: dict[str, Any]) -> dict[str, Any]:
    keep = ("precision", "recall", "f1", "tp", "fp", "fn", "ci")
    return {
        "version": report.get("version", 1),
        "created_at": report.get("created_at"),
        "model": report.get("model"),
        "source": report.get("source"),
        "thresholds": report.get("thresholds"),
        "gold_fingerprint": gold_fingerprint(report),
        "prompt_hashes": sorted({a["prompt_hash"] for a in report["articles"] if a.get("prompt_hash")}),
        "overall": {k: report["overall"].get(k) for k in (*keep, *RATE_KEYS, "articles", "runs", "tokens", "cost_usd")},
        "fields": {f: {k: report["fields"][f].get(k) for k in keep} for f in FIELDS},
        "articles": {a["article"]: {"f1": a["f1"], "precision": a["precision"], "recall": a["recall"]}
                     for a in report["articles"]},
        "suites": {name: {"articles": su["articles"],
                          "overall": {k: su["overall"].get(k) for k in (*keep, *RATE_KEYS)},
                          "fields": {f: {k: su["fields"][f].get(k) for k in keep} for f in FIELDS}}
                   for name, su in (report.get("suites") or {}).items()},
    }


def save_baseline(report: dict[str, Any], path: str | Path) -> None:
    """Write atomically (temp file + rename) so a kill never leaves half a baseline."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=p.name, dir=p.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(baseline_from_report(report), fh, indent=2, ensure_ascii=False)
        fh.write("\n")
    os.replace(tmp, p)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _targets(prefix: str, block: dict[str, Any], base: dict[str, Any]) -> list[tuple[str, str, str, Any, Any]]:
    """(prefix, key, metric, current, baseline) for overall F1, each field's F1 and the rates."""
    ov, bov = block["overall"], base.get("overall") or {}
    out = [(prefix, "overall", "f1", ov.get("f1"), bov.get("f1"))]
    out += [(prefix, f, "f1", block["fields"][f]["f1"], (base.get("fields") or {}).get(f, {}).get("f1"))
            for f in FIELDS]
    out += [(prefix, k, k, ov.get(k), bov.get(k)) for k in RATE_KEYS]
    return out


def check_gate(report: dict[str, Any], settings: EvalSettings,
               baseline: dict[str, Any] | None = None) -> dict[str, Any]:
    """Every gate check with its verdict; `passed` is false when any failed."""
    checks: list[Check] = []
    ov = report["overall"]
    for key, metric in (("min_f1", "f1"), ("min_schema_valid_rate", "schema_valid_rate"),
                        ("min_grounding_rate", "grounding_rate")):
        limit = getattr(settings, key)
        if limit is None:
            continue
        value = ov.get(metric)
        if value is None:  # no evidence at all: nothing to ground, nothing ungrounded
            checks.append(Check(key, True, None, limit, f"{metric} n/a (no predictions), limit {limit:.3f}"))
            continue
        ok = value >= limit - 1e-12
        checks.append(Check(key, ok, value, limit,
                            f"{metric} {_fmt(value)} {'>=' if ok else '<'} minimum {limit:.3f}"))
    warnings: list[str] = []
    regressions: list[dict[str, Any]] = []
    if baseline is not None:
        fp = baseline.get("gold_fingerprint")
        if fp and fp != gold_fingerprint(report):
            warnings.append("the baseline was computed on a different gold set; comparisons may not be meaningful")
        if baseline.get("thresholds") and baseline["thresholds"] != report.get("thresholds"):
            warnings.append("the baseline used different matching thresholds")
        now = sorted({a["prompt_hash"] for a in report["articles"] if a.get("prompt_hash")})
        if baseline.get("prompt_hashes") and now and baseline["prompt_hashes"] != now:
            warnings.append("the extraction prompts changed since the baseline (prompt hash differs); "
                            "refresh it with --save-baseline if the change is intended")
        suites, base_suites = report.get("suites") or {}, baseline.get("suites") or {}
        # A suite the baseline lacks (a held-out part added later) is skipped, and so is the
        # all-suites comparison: its figures would mix in articles the baseline never scored.
        # Each suite the baseline has still holds its own level.
        unbaselined = [name for name in suites if base_suites and name not in base_suites]
        targets = [] if unbaselined else _targets("", report, baseline)
        if unbaselined:
            warnings.append("overall not compared with the baseline: it includes suite(s) "
                            f"{', '.join(map(repr, unbaselined))} that the baseline lacks")
        for name, su in suites.items():  # every suite must hold its own level
            if name in base_suites:
                targets += _targets(f"{name}:", su, base_suites[name])
            else:
                warnings.append(f"suite {name!r} is not in the baseline; refresh it with --save-baseline")
        for prefix, key, metric, cur, base in targets:
            if cur is None or not isinstance(base, (int, float)):
                continue
            tol = settings.tolerance_for(key)
            delta = round(cur - base, 4)
            ok = delta >= -tol - 1e-9
            label = prefix + (f"{key}.{metric}" if key in ("overall", *FIELDS) else key)
            msg = (f"{label} {_fmt(cur)} vs baseline {_fmt(base)} ({delta:+.3f}, tolerance {tol:.3f})")
            checks.append(Check(f"regression:{label}", ok, cur, round(base - tol, 4), msg))
            if not ok:
                regressions.append({"field": key, "metric": metric, "value": cur, "baseline": base,
                                    "delta": delta, "tolerance": tol})
    return {
        "passed": all(c.passed for c in checks),
        "checks": [c.as_dict() for c in checks],
        "regressions": regressions,
        "baseline": str(settings.baseline) if settings.baseline else None,
        "tolerances": settings.tolerances() if baseline is not None else None,
        "warnings": warnings,
    }
