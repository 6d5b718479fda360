"""The `[answers]`, `[parties]` and `[digests]` tables of an eval config, the gate on their
floors, and the figures-and-gate head of their Markdown: one way for every scored eval, so errors
name the file and key alike and the reports read alike."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Mapping, Sequence

from pipeline.errors import UsageError


def load_table(path: str | Path | None, table: str, floors: Sequence[str], error: type[UsageError],
               extra: Sequence[str] = ()) -> dict[str, Any]:
    """`[table]` of an eval config: `set` (one path or a list), the floors (numbers from 0 to 1)
    and the `extra` keys (the caller checks those); empty when no config is given."""
    if path is None:
        return {}
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8")).get(table) or {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise error(f"{path}: cannot read the eval config: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{path}: [{table}] must be a table")
    unknown = set(data) - {"set", *floors, *extra}
    if unknown:
        raise error(f"{path}: unknown key(s) in [{table}]: {', '.join(sorted(unknown))}")
    sets = data.get("set", [])
    if isinstance(sets, str):
        sets = [sets]
    if not isinstance(sets, list) or not all(isinstance(x, str) and x for x in sets):
        raise error(f"{path}: [{table}] set must be a path or a list of paths")
    for key in floors:
        v = data.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1):
            raise error(f"{path}: [{table}] {key} must be a number from 0 to 1, got {v!r}")
    return {**data, "set": sets}


def floor_gate(report: Mapping[str, Any], floors: Mapping[str, float | None],
               figures: Mapping[str, tuple[str, str]], undefined: str | None = None) -> dict[str, Any]:
    """One check per floor that is set. `figures` maps a floor to (report section, figure); a check
    is named by the figure ("overview_" before it outside `overall`). A figure that is undefined
    (None: nothing of that kind to score) passes, with `undefined` as its message when given."""
    checks = []
    for key, (where, fig) in figures.items():
        floor = floors.get(key)
        if floor is None:
            continue
        got = (report.get(where) or {}).get(fig)
        ok = got is None or got >= floor
        name = fig if where == "overall" else f"{where}_{fig}"
        msg = f"{name} {got} {'>=' if ok else '<'} {floor}"
        if got is None and undefined:
            msg = f"{name} {undefined}, floor {floor}"
        checks.append({"name": name, "passed": ok, "value": got, "floor": floor, "message": msg})
    return {"passed": all(c["passed"] for c in checks), "checks": checks}


def split_rows(report: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """("overall", figures) then each split's: the rows every gated eval shows."""
    return [("overall", report["overall"]), *report.get("splits", {}).items()]


def markdown_head(title: str, columns: Sequence[str], rows: Sequence[tuple[str, Mapping[str, Any]]],
                  first: str = "split") -> list[str]:
    """A `## title` and the figures table (an unset figure is left blank)."""
    out = [f"## {title}", "", f"| {first} | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    out += ["| " + name + " | " + " | ".join("" if m.get(c) is None else str(m.get(c)) for c in columns) + " |"
            for name, m in rows]
    return out


def markdown_gate(gate: Mapping[str, Any] | None) -> list[str]:
    """The gate's verdict and a line per check (nothing when no gate ran)."""
    if not gate:
        return []
    return ["", f"Gate: {'passed' if gate['passed'] else 'FAILED'}",
            *(f"- {'ok' if c['passed'] else 'FAIL'}: {c['message']}" for c in gate["checks"])]
