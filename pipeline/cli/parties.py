"""`pipeline parties`: who keeps winning, by canonical party (thin wrapper over `pipeline.parties`).

Resolves incrementally on every call (what is new since the last call is linked and the index
saved; no model call), then counts. `--merge/--split/--ignore NAME...` edit parties.yaml first.
The `--json` shape is a contract, documented in docs/parties.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.cli.app import app, cli_errors, console, emit_json
from pipeline.cli.options import AsJson, Since
from pipeline.errors import UsageError

_out = Console(highlight=False)  # the command's product goes to stdout


class PartiesUsage(UsageError, ValueError):
    pass


def _edit(home: Path, merge: bool, split: bool, ignore: bool, names: list[str]) -> dict[str, Any] | None:
    from pipeline.parties.overrides import edit_overrides, overrides_path

    chosen = [s for s, on in (("merge", merge), ("split", split), ("ignore", ignore)) if on]
    if len(chosen) > 1:
        raise PartiesUsage(f"--{chosen[0]} and --{chosen[1]} exclude each other: give one edit per call")
    if not chosen:
        if names:
            raise PartiesUsage(f"unexpected argument(s) {' '.join(names)!r}: names go with --merge, --split or "
                               "--ignore; to see one party use --party NAME")
        return None
    section = chosen[0]
    if len(names) < (1 if section == "ignore" else 2):
        raise PartiesUsage(f"--{section} needs {'a name' if section == 'ignore' else 'two or more names'}: "
                           f"pipeline parties --{section} {'NAME' if section == 'ignore' else 'A B'}")
    path = edit_overrides(section, list(names), overrides_path(home))
    return {"section": section, "names": list(names), "file": str(path)}


def _window_json(since: str | None, until: str | None, source: str | None) -> dict[str, Any]:
    return {"since": since, "until": until, "source": source}


def _sources(row: Any, n: int = 3) -> str:
    items = sorted(row.sources.items(), key=lambda kv: -(kv[1].winner + kv[1].loser + kv[1].unchanged))
    text = ", ".join(f"{escape(s)} {c.winner}/{c.loser}/{c.unchanged}" for s, c in items[:n])
    return text + (f" +{len(items) - n}" if len(items) > n else "")


def _table(rows: list[Any], title: str) -> Table:
    t = Table(title=title, title_justify="left", expand=False)
    t.add_column("party", min_width=12)
    for col in ("winner", "loser", "unchanged"):
        t.add_column(col, justify="right", no_wrap=True)
    t.add_column("first seen", no_wrap=True)
    t.add_column("last seen", no_wrap=True)
    t.add_column("sources (w/l/u)")
    for r in rows:
        also = [a for a in r.aliases if a != r.name]
        name = f"[bold]{escape(r.name)}[/]" + (f"\n[dim]{escape(', '.join(also[:4]))}"
                                                f"{' …' if len(also) > 4 else ''}[/]" if also else "")
        t.add_row(name, str(r.winner), str(r.loser), str(r.unchanged), r.first_seen or "–", r.last_seen or "–",
                  _sources(r))
    return t


def _timeline_table(party: Any, entries: list[Any]) -> Table:
    also = [a for a in party.aliases if a != party.name]
    t = Table(title=f"{escape(party.name)}" + (f"  [dim](also: {escape(', '.join(also))})[/]" if also else ""),
              title_justify="left", expand=False)
    t.add_column("published", no_wrap=True)
    t.add_column("as", no_wrap=True)
    for col in ("source", "article", "quote"):
        t.add_column(col)
    for e in entries:
        status = "" if e.status == "exact" else f" [dim]({e.status})[/]"
        name = f" [dim]as {escape(e.name)}[/]" if e.name != party.name else ""
        t.add_row(e.published_at or "undated", e.role, escape(e.source or ""), escape(e.article_title or e.article_id),
                  f"“{escape(e.quote)}”{status}{name}")
    return t


@app.command()
@cli_errors({ValueError: 2})
def parties(
    names: Optional[list[str]] = typer.Argument(None, metavar="NAME",
                                                help="Names for --merge, --split or --ignore."),
    party: Optional[str] = typer.Option(None, "--party", "-p", help="One party's timeline, by publication date, "
                                        "with each quote (a name, an alias or an id)."),
    since: Since = None,
    until: Optional[str] = typer.Option(None, "--until", metavar="DATE",
                                        help="Articles published on or before DATE (YYYY-MM-DD)."),
    source: Optional[str] = typer.Option(None, "--source", help="Only articles from this publication."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help="Only records from this model."),
    top: int = typer.Option(20, "--top", min=0, help="Show the N most-named parties (0: all)."),
    groups: bool = typer.Option(False, "--groups", help="Also list classes of parties (\"Buyers\", "
                                "\"regional carriers\"), hidden by default."),
    merge: bool = typer.Option(False, "--merge", help="NAME... are one party: add a merge group to parties.yaml."),
    split: bool = typer.Option(False, "--split", help="NAME... are different parties: add a split to parties.yaml."),
    ignore: bool = typer.Option(False, "--ignore", help="NAME... are never a party: add them to parties.yaml."),
    json_out: AsJson = False,
) -> None:
    """Canonical parties and how often articles call each a winner, a loser or unchanged."""
    from pipeline.parties.query import Window, count_parties, party_rows, require_party, timeline
    from pipeline.parties.state import manifest_meta, resolve_home

    from pipeline.context import Context

    window = Window(since=since, until=until, source=source)  # a bad date fails before any work
    ctx = Context.from_env(as_json=json_out)  # home and settings read once, here
    home = ctx.home
    edited = _edit(home, merge, split, ignore, list(names or []))
    if party and edited:
        raise PartiesUsage("--party shows one party; run the edit and the timeline as two calls")
    hr = resolve_home(home, model=model, meta=manifest_meta(home), settings=ctx.settings)
    res = hr.resolution
    resolution = {"articles": hr.articles, "parties": len(res.index.parties), "relinked_articles": len(hr.relinked),
                  "new_links": res.new_links, "full": hr.full}
    base = {"window": _window_json(since, until, source), "model": model, "groups": groups,
            "resolution": resolution}
    if party:
        p = require_party(res, party)
        entries = timeline(res, p, window)
        if json_out:
            emit_json({"party": p.model_dump(mode="json"), **base,
                       "counts": {r: len({e.article_id for e in entries if e.role == r})
                                  for r in ("winner", "loser", "unchanged")},
                       "timeline": [e.model_dump(mode="json") for e in entries]})
            return
        if not entries:
            console.print(f"no claims about {escape(p.name)} in this window", highlight=False)
            return
        _out.print(_timeline_table(p, entries))
        return
    if edited:
        from pipeline.parties.query import parties_named
        from pipeline.text.parties import party_key

        ids = {q.id for q in parties_named(res, edited["names"])}
        rows = [r for r in party_rows(res, window) if r.id in ids]  # groups too: the user named them
        edited["parties"] = sorted(ids)
        named = {party_key(m.name) for m, _ in res.mentions}
        missing = [n for n in edited["names"] if party_key(n) not in named]
        if not json_out:
            console.print(f"{escape(edited['file'])}: {edited['section']} {escape(' + '.join(edited['names']))}"
                          + (f" (not named in any claim: {escape(', '.join(missing))})"
                             if missing and edited["section"] != "ignore" else ""),
                          highlight=False, soft_wrap=True)
    else:
        rows = party_rows(res, window, groups=groups, top=top or None)
    total = count_parties(res, window, groups=groups)
    if json_out:
        emit_json({"parties": [r.model_dump(mode="json") for r in rows], "total": total, **base,
                   **({"edited": edited} if edited else {})})
        return
    if not rows:
        if edited and edited["section"] == "ignore":
            console.print(f"{escape(', '.join(edited['names']))}: no longer counted as a party", highlight=False)
        elif edited:
            console.print("no claims name these parties yet", highlight=False)
        else:
            console.print("no parties" + (" in this window" if since or until or source else
                                          " (run `pipeline extract --new` first?)"), highlight=False)
        return
    shown = f"top {len(rows)} of {total}" if len(rows) < total and not edited else f"{len(rows)}"
    _out.print(_table(rows, f"parties ({shown}) · counts are articles"))
