"""`parties.yaml`: the user's word on party identity, which always wins over the resolver.

    merge:                       # these names are one party, shown under the first
      - [Amazon Web Services, AWS, "Amazon's cloud unit"]
    split:                       # these names are never one party
      - [Google, Google Cloud]
    rename:                      # display name of the party a name belongs to
      AWS: Amazon Web Services
    ignore: [Companies, Community]   # never a party

Names are compared by `party_key`, so "Microsoft Corp." in the file matches "Microsoft's stock" in a
claim. The file lives in `$PIPELINE_HOME/parties.yaml` and is never written except by
`pipeline parties --merge/--split`, which keep the user's other entries as they are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline import config
from pipeline.errors import UsageError
from pipeline.text.parties import party_key

FILENAME = "parties.yaml"
SECTIONS = ("merge", "split", "rename", "ignore")


class OverridesError(UsageError, ValueError):
    pass


def overrides_path(home: Path | None = None) -> Path:
    return (Path(home) if home is not None else config.home()) / FILENAME


@dataclass
class Overrides:
    """parties.yaml read and keyed: every lookup is by `party_key`."""

    merge: list[list[str]] = field(default_factory=list)
    split: list[list[str]] = field(default_factory=list)
    rename: dict[str, str] = field(default_factory=dict)
    ignore: list[str] = field(default_factory=list)
    digest: str = ""  # sha256 of the file's bytes ("" when there is none)

    def merged_key(self, name: str) -> str | None:
        """The key of the first name of the merge group `name` is in, if any."""
        key = party_key(name)
        for group in self.merge:
            if key in {party_key(n) for n in group}:
                return party_key(group[0])
        return None

    def merge_display(self, name: str) -> str | None:
        key = party_key(name)
        for group in self.merge:
            if key in {party_key(n) for n in group}:
                return group[0]
        return None

    def apart(self, a: str, b: str) -> bool:
        """True when a `split` entry keeps the two names apart."""
        ka, kb = party_key(a), party_key(b)
        if ka == kb:
            return False
        for group in self.split:
            keys = {party_key(n) for n in group}
            if ka in keys and kb in keys:
                return True
        return False

    def ignored(self, name: str) -> bool:
        return party_key(name) in {party_key(n) for n in self.ignore}

    def display(self, name: str) -> str | None:
        key = party_key(name)
        for src, dst in self.rename.items():
            if party_key(src) == key:
                return dst
        return None


def _names(path: Path, section: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise OverridesError(f"{path}: {section}: each entry must be a list of names, not {value!r}")
    if len(value) < 2 and section in ("merge", "split"):
        raise OverridesError(f"{path}: {section}: an entry needs at least two names, got {value!r}")
    return [v.strip() for v in value]


def load_overrides(path: Path | None = None) -> Overrides:
    """Read parties.yaml (absent: no overrides); errors name the file and the entry."""
    path = Path(path) if path is not None else overrides_path()
    if not path.exists():
        return Overrides()
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw.decode("utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise OverridesError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise OverridesError(f"{path}: expected a mapping with {', '.join(SECTIONS)}")
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise OverridesError(f"{path}: unknown section(s) {unknown}; expected {', '.join(SECTIONS)}")
    ov = Overrides(digest=hashlib.sha256(raw).hexdigest())
    for section in ("merge", "split"):
        entries = data.get(section) or []
        if not isinstance(entries, list):
            raise OverridesError(f"{path}: {section} must be a list of name lists")
        getattr(ov, section).extend(_names(path, section, e) for e in entries)
    rename = data.get("rename") or {}
    if not isinstance(rename, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                               for k, v in rename.items()):
        raise OverridesError(f"{path}: rename must map a name to its display name")
    ov.rename = {k: v.strip() for k, v in rename.items()}
    ignore = data.get("ignore") or []
    ov.ignore = _names(path, "ignore", ignore) if ignore else []
    return ov


def edit_overrides(section: str, names: list[str], path: Path | None = None) -> Path:
    """Add one merge/split group (or ignore names) to parties.yaml, keeping every other entry."""
    if section not in ("merge", "split", "ignore"):
        raise OverridesError(f"cannot add to {section!r}")
    path = Path(path) if path is not None else overrides_path()
    data: dict[str, Any] = {}
    if path.exists():
        load_overrides(path)  # refuse to rewrite a file we could not read
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entry = [n.strip() for n in names if n.strip()]
    if section == "ignore":
        data.setdefault("ignore", [])
        data["ignore"].extend(n for n in entry if n not in data["ignore"])
    else:
        if len(entry) < 2:
            raise OverridesError(f"--{section} needs two names")
        data.setdefault(section, [])
        if entry not in data[section]:
            data[section].append(entry)
        if section == "split":  # a split undoes a merge of the same names
            keys = {party_key(n) for n in entry}
            for group in data.get("merge") or []:
                gk = [party_key(n) for n in group]
                if len(keys & set(gk)) >= 2:
                    group[:] = [n for n in group if party_key(n) not in keys or party_key(n) == gk[0]]
            data["merge"] = [g for g in data.get("merge") or [] if len(g) >= 2]
        if section == "merge":
            data["split"] = [g for g in data.get("split") or []
                             if len({party_key(n) for n in g} & {party_key(n) for n in entry}) < 2]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump({k: data[k] for k in SECTIONS if data.get(k)}, sort_keys=False,
                                  allow_unicode=True), encoding="utf-8")
    tmp.replace(path)
    return path
