"""Eval settings: built-in defaults < `--config FILE` (TOML) < command-line flags.

The config file lets a project pin what its CI gate means (gold set, model, thresholds, gate
limits, tolerances) in one reviewed file. Relative paths in it are relative to the current
directory, like the `article:` paths of gold files.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.errors import UsageError
from pipeline.evaluate.match import Thresholds
from pipeline.evaluate.metrics import FIELDS

DEFAULT_TOLERANCE = 0.02
RATE_KEYS = ("schema_valid_rate", "grounding_rate")


class EvalConfigError(UsageError, ValueError):
    pass


@dataclass
class EvalSettings:
    gold: list[str] = field(default_factory=lambda: ["evals/gold"])
    # named parts of the gold set, scored separately too ("explicit", "real-dev", "real-test")
    suites: dict[str, list[str]] = field(default_factory=dict)
    predictions: str | None = None
    model: str | None = None
    repeat: int = 1
    baseline: str | None = None
    thresholds: Thresholds = field(default_factory=Thresholds)
    min_f1: float | None = None
    min_schema_valid_rate: float | None = None
    min_grounding_rate: float | None = None
    # allowed drop vs the baseline: "overall", each field, and the two rates
    tolerance: dict[str, float] = field(default_factory=dict)
    bootstrap_samples: int = 1000
    seed: int = 0
    confidence: float = 0.95
    source: str | None = None  # the config file these came from

    def suite_paths(self) -> dict[str, list[str]]:
        """Named suites; without names, each of several gold paths is a suite of its own."""
        if self.suites:
            return self.suites
        return {g: [g] for g in self.gold} if len(self.gold) > 1 else {}

    def tolerance_for(self, key: str) -> float:
        return self.tolerance.get(key, self.tolerance.get("default", DEFAULT_TOLERANCE))

    def tolerances(self) -> dict[str, float]:
        return {k: self.tolerance_for(k) for k in ("overall", *FIELDS, *RATE_KEYS)}


_TOP = {"gold", "predictions", "model", "repeat", "baseline", "thresholds", "gate", "bootstrap",
        "answers", "parties", "digests"}  # those evals' own tables (answer_report, party_report, digest_report)
_THRESHOLDS = {"party_fuzzy", "party_embedding", "statement", "evidence_overlap"}
_GATE = {"min_f1", "min_schema_valid_rate", "min_grounding_rate", "tolerance"}
_TOL = {"default", "overall", *FIELDS, *RATE_KEYS}
_BOOT = {"samples", "seed", "confidence"}


def _check_keys(path: Path, where: str, data: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise EvalConfigError(f"{path}: unknown key(s) in {where}: {', '.join(unknown)}; "
                              f"allowed: {', '.join(sorted(allowed))}")


def _unit(path: Path, key: str, value: Any, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise EvalConfigError(f"{path}: `{key}` must be a number between 0 and 1, got {value!r}")
    return float(value)


def load_settings_file(path: str | Path) -> EvalSettings:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvalConfigError(f"{p}: config file not found") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EvalConfigError(f"{p}: invalid TOML: {exc}") from exc
    _check_keys(p, "the top level", data, _TOP)
    s = EvalSettings(source=str(p))
    if "gold" in data:
        gold = data["gold"]
        if isinstance(gold, dict):  # gold = {explicit = "evals/gold", real-test = "evals/gold-real/test"}
            for name, paths in gold.items():
                paths = [paths] if isinstance(paths, str) else paths
                if not isinstance(paths, list) or not paths or not all(isinstance(x, str) for x in paths):
                    raise EvalConfigError(f"{p}: suite `gold.{name}` must be a path or a list of paths")
                s.suites[name] = list(paths)
            if not s.suites:
                raise EvalConfigError(f"{p}: `gold` names no suite")
            gold = [x for paths in s.suites.values() for x in paths]
        gold = [gold] if isinstance(gold, str) else gold
        if not isinstance(gold, list) or not all(isinstance(g, str) for g in gold):
            raise EvalConfigError(f"{p}: `gold` must be a path, a list of paths or a table of named suites")
        s.gold = list(gold)
    for key in ("predictions", "model", "baseline"):
        if key in data:
            if not isinstance(data[key], str):
                raise EvalConfigError(f"{p}: `{key}` must be a string")
            setattr(s, key, data[key])
    if "repeat" in data:
        if not isinstance(data["repeat"], int) or data["repeat"] < 1:
            raise EvalConfigError(f"{p}: `repeat` must be an integer >= 1")
        s.repeat = data["repeat"]
    th = data.get("thresholds", {})
    _check_keys(p, "[thresholds]", th, _THRESHOLDS)
    updates: dict[str, Any] = {
        k: _unit(p, f"thresholds.{k}", v, allow_none=(k == "party_embedding")) for k, v in th.items()}
    s.thresholds = replace(s.thresholds, **updates)
    if "party_embedding" in th and th["party_embedding"] in (0, 0.0):
        s.thresholds = replace(s.thresholds, party_embedding=None)  # 0 means off
    gate = data.get("gate", {})
    _check_keys(p, "[gate]", gate, _GATE)
    for key in ("min_f1", "min_schema_valid_rate", "min_grounding_rate"):
        if key in gate:
            setattr(s, key, _unit(p, f"gate.{key}", gate[key]))
    tol = gate.get("tolerance")
    if isinstance(tol, (int, float)) and not isinstance(tol, bool):
        s.tolerance = {"default": _unit(p, "gate.tolerance", tol) or 0.0}
    elif isinstance(tol, dict):
        _check_keys(p, "[gate.tolerance]", tol, _TOL)
        s.tolerance = {k: _unit(p, f"gate.tolerance.{k}", v) or 0.0 for k, v in tol.items()}
    elif tol is not None:
        raise EvalConfigError(f"{p}: `gate.tolerance` must be a number or a table")
    boot = data.get("bootstrap", {})
    _check_keys(p, "[bootstrap]", boot, _BOOT)
    if "samples" in boot:
        if not isinstance(boot["samples"], int) or boot["samples"] < 0:
            raise EvalConfigError(f"{p}: `bootstrap.samples` must be an integer >= 0")
        s.bootstrap_samples = boot["samples"]
    if "seed" in boot:
        if not isinstance(boot["seed"], int):
            raise EvalConfigError(f"{p}: `bootstrap.seed` must be an integer")
        s.seed = boot["seed"]
    if "confidence" in boot:
        s.confidence = _unit(p, "bootstrap.confidence", boot["confidence"]) or 0.95
    return s


def with_overrides(s: EvalSettings, **flags: Any) -> EvalSettings:
    """Apply command-line values that were given (None means "not given")."""
    th = {k: flags.pop(k) for k in list(flags) if k in _THRESHOLDS}
    tol = flags.pop("tolerance", None)
    out = replace(s, **{k: v for k, v in flags.items() if v is not None})
    if flags.get("gold") is not None:
        out.suites = {}  # --gold replaces the configured set and its suite names
    given = {k: v for k, v in th.items() if v is not None}
    if "party_embedding" in given and given["party_embedding"] == 0:
        given["party_embedding"] = None
    out.thresholds = replace(s.thresholds, **given)
    if tol is not None:
        out.tolerance = {"default": float(tol)}
    return out
