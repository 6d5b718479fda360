"""`pipeline ingest`, `pipeline show`, `pipeline status`: the corpus commands (thin wrappers)."""

from __future__ import annotations

from typing import Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from pipeline.cli.app import app, cli_errors, console, emit_json, fail
from pipeline.cli.options import AsJson, ChromaUrl, Wait

_out = Console(highlight=False)  # a command's product (show, status) goes to stdout


def _open_store(chroma_url: Optional[str], settings: Any = None) -> Any:
    """Store, manifest and config errors exit 2 (their own code) through the commands' handler."""
    from pipeline.corpus.store import Store

    try:
        store = Store(chroma_url=chroma_url, settings=settings)
        _ = store.collection
        return store
    except OSError as exc:  # the home folder itself is unusable
        fail(escape(f"cannot open the store in $PIPELINE_HOME: {exc}"), code=2)


@app.command()
@cli_errors()
def ingest(
    paths: list[str] = typer.Argument(..., help="Files or folders (searched recursively)."),
    json_out: AsJson = False,
    chroma_url: ChromaUrl = None,
    max_file_mb: Optional[float] = typer.Option(None, "--max-file-mb", help="Skip files larger than this (default 10)."),
    wait: Wait = 0.0,
) -> None:
    """Ingest articles (.txt .md .html .json .jsonl): normalize, chunk, embed, store. Incremental."""
    from pipeline.context import Context
    from pipeline.corpus.ingest import ingest_paths

    ctx = Context.from_env(wait=wait, as_json=json_out)  # settings read once, here
    store = _open_store(chroma_url, ctx.settings)
    try:  # a held lock, store or config error exits 2 (their own code)
        report = ingest_paths(paths, store=store, progress=console.is_terminal,
                              max_file_mb=max_file_mb, wait=wait, settings=ctx.settings)
    finally:
        store.close()
    for f in report.failed:
        console.print(f"[bold red]error:[/] {escape(f['path'])}: {escape(f['error'])}", highlight=False,
                      soft_wrap=True)
    if json_out:
        emit_json(report.to_json())
    else:
        for d in report.duplicates:
            kind = "a copy" if d["similarity"] >= 1.0 else f"a near-duplicate (similarity {d['similarity']})"
            kept = f" ({escape(d['duplicate_path'])})" if d.get("duplicate_path") else ""
            console.print(f"duplicate: {escape(d['path'])} ({d['id']}) is {kind} of {d['duplicate_of']}{kept}; "
                          "not stored",
                          highlight=False, soft_wrap=True)
        for r in report.replaced:
            console.print(f"updated: {r['replaces']} → {r['id']}", highlight=False, soft_wrap=True)
        for article_id in report.recovered:
            console.print(f"finished interrupted ingest of {article_id}", highlight=False, soft_wrap=True)
        console.print(
            f"ingested {len(report.ingested)}, skipped {len(report.skipped)} unchanged, "
            f"{len(report.duplicates)} duplicate(s), {len(report.failed)} failed"
            f" ({report.chunks_embedded} chunks embedded, {report.chunks_reused} reused)",
            highlight=False, soft_wrap=True,
        )
    if report.failed:
        raise typer.Exit(1)


@app.command()
@cli_errors()
def show(
    article: str = typer.Argument(..., help="Article id (or its source path)."),
    json_out: AsJson = False,
    chroma_url: ChromaUrl = None,
) -> None:
    """An article's metadata, normalized text and chunks with exact character offsets."""
    store = _open_store(chroma_url)
    try:
        found = store.find_article(article)
        if found is None:
            from pipeline.corpus.store import ArticleNotFound

            raise ArticleNotFound(article, store.home)  # the handler: `error: no article ...`, exit 1
        chunks = store.get_chunks(found.id)
    finally:
        store.close()
    if json_out:
        emit_json({**found.model_dump(mode="json"), "chunks": [c.model_dump(mode="json") for c in chunks]})
        return
    meta = Table.grid(padding=(0, 2))
    for key in ("id", "title", "path", "format", "source", "author", "published_at", "url", "content_hash"):
        meta.add_row(f"[bold]{key}[/]", escape(str(getattr(found, key) or "")))
    for key, value in found.metadata.items():
        meta.add_row(f"[dim]{escape(key)}[/]", escape(str(value)))
    _out.print(meta)
    for flag in found.injection_flags:
        _out.print(f"[bold yellow]injection?[/] [{flag.get('start')}:{flag.get('end')}] "
                   f"{escape(str(flag.get('excerpt', '')))} ({escape(', '.join(flag.get('reasons', [])))})",
                   soft_wrap=True)
    _out.rule("text")
    _out.print(escape(found.text), soft_wrap=True)
    _out.rule(f"{len(chunks)} chunks")
    for c in chunks:
        _out.print(f"[bold]#{c.index}[/] [{c.start}:{c.end}] {c.tokens} tokens")
        _out.print(escape(c.text), style="dim", soft_wrap=True)


@app.command()
@cli_errors()
def status(json_out: AsJson = False, chroma_url: ChromaUrl = None) -> None:
    """Articles, chunks, store location and embedding model."""
    store = _open_store(chroma_url)
    try:
        stats = store.stats()
        listing = store.manifest.summaries()
    finally:
        store.close()
    if json_out:
        emit_json({**stats, "article_list": listing})
        return
    grid = Table.grid(padding=(0, 2))
    for key in ("articles", "chunks", "pending", "store", "manifest", "embedding_model"):
        grid.add_row(f"[bold]{key}[/]", escape(str(stats[key])))
    _out.print(grid)
    if listing:
        table = Table(expand=False)
        table.add_column("id", no_wrap=True)
        table.add_column("chunks", justify="right", min_width=6)
        table.add_column("path", overflow="fold")
        for item in listing:
            table.add_row(item["id"], str(item["chunks"]), escape(item["path"]))
        _out.print(table)
