"""A synthetic news corpus for benchmarks: N articles of 400-1,500 words in every input format.

Deterministic for a given (n, seed). The prose is built from news-style sentence templates filled
with invented companies, people, places and figures, so it tokenizes, chunks, dedupes and
BM25-indexes like real articles (distinct articles share almost no word 5-grams, so none is taken
for a near duplicate). Formats follow the real corpus: plain text with a headline line, Markdown
with YAML front matter and headings, full HTML pages with navigation and footer boilerplate, JSON
objects, and JSON Lines files holding several articles each.

    python -m bench.corpus_gen 200 /tmp/corpus
"""

from __future__ import annotations

import html
import json
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

FORMAT_WEIGHTS = {"txt": 0.30, "md": 0.25, "html": 0.20, "json": 0.15, "jsonl": 0.10}
JSONL_PER_FILE = 5
MIN_WORDS, MODE_WORDS, MAX_WORDS = 400, 800, 1500

_SYL = ["ar", "bel", "cor", "dan", "el", "fen", "gar", "hal", "is", "jor", "kel", "lum", "mar", "nor",
        "or", "pel", "quin", "ros", "sal", "tor", "ul", "ver", "wes", "xan", "yor", "zel", "tri", "vox",
        "bra", "cel", "dri", "fal", "gri", "lor", "mon", "nex", "pra", "sen", "tal", "vin"]
_SUFFIX = ["Systems", "Energy", "Capital", "Logistics", "Therapeutics", "Networks", "Foods", "Motors",
           "Bank", "Airlines", "Semiconductor", "Cloud", "Health", "Retail", "Telecom", "Mining",
           "Insurance", "Robotics", "Materials", "Media"]
_FIRST = ["Ana", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kavya",
          "Liam", "Maya", "Nikolai", "Olu", "Priya", "Quentin", "Rosa", "Samir", "Tara", "Uma", "Victor",
          "Wen", "Yusuf", "Zofia", "Marcus", "Hannah", "Diego", "Amara", "Lukas"]
_LAST = ["Okafor", "Lindqvist", "Feld", "Moreau", "Tanaka", "Haddad", "Kowalski", "Reyes", "Novak",
         "Schmidt", "Iyer", "Brennan", "Costa", "Adeyemi", "Larsen", "Petrov", "Nakamura", "Walsh",
         "Ortega", "Chen", "Dubois", "Rahman", "Keller", "Silva", "Nguyen", "Bauer", "Haas", "Quinn"]
_PLACES = ["Kansas", "Rotterdam", "Osaka", "the Ruhr valley", "Ontario", "Lagos", "Sao Paulo", "Texas",
           "Bavaria", "Gujarat", "Queensland", "Lombardy", "the Dakotas", "Catalonia", "Busan",
           "the Midlands", "Nevada", "Jutland", "Quebec", "Valparaiso"]
_GROUPS = ["ratepayers", "small suppliers", "regional carriers", "independent pharmacies",
           "first-time buyers", "contract manufacturers", "family farms", "union workers",
           "rural hospitals", "app developers", "pension funds", "commuters", "smaller rivals",
           "municipal utilities", "freight brokers", "community banks", "local retailers",
           "hourly staff", "exporters", "bondholders"]
_TOPICS = ["pricing", "capacity", "licensing", "tariffs", "interest rates", "supply contracts",
           "subsidies", "the merger", "the new plant", "the recall", "the spectrum auction",
           "the price cut", "the rate decision", "the export rules", "the settlement", "the IPO",
           "the bond sale", "the strike", "the data-center build-out", "the antitrust review"]
_VERBS_UP = ["gains", "benefits", "comes out ahead", "picks up share", "wins leverage", "profits"]
_VERBS_DOWN = ["loses ground", "is squeezed", "falls behind", "pays more", "loses pricing power",
               "takes the hit"]
_OUTLETS = ["Gridline Weekly", "The Compute Desk", "Harbor Ledger", "Market Street Journal",
            "Northwind Business", "The Freight Report", "Clinic & Capital", "Metro Money"]
_ADJ = ["sharp", "modest", "surprising", "long-expected", "contested", "temporary", "sweeping",
        "quiet", "costly", "historic", "narrow", "aggressive"]
_NOUNS = ["margins", "volumes", "wages", "premiums", "fares", "rents", "yields", "orders", "prices",
          "backlogs", "deliveries", "subscriptions", "inventories", "fees", "exports"]

_TEMPLATES = [
    "{co} said on {day} that it will {action}, a move analysts at {co2} called {adj}.",
    "The decision leaves {group} in {place} facing higher {noun} for at least {n} months.",
    "\"We did not take this lightly,\" said {person}, the chief executive of {co}, in a call with reporters.",
    "\"{quote_start} {group} will feel it first,\" said {person}, who follows {topic} at {co2}.",
    "Under the plan, {co} expects {noun} to rise by {pct} percent by {year}, from {money} today.",
    "{co2}, its largest rival, {down} as a result, according to people familiar with its finances.",
    "For {group}, the change is mostly good news: {noun} fall by about {pct} percent.",
    "Nothing changes for existing customers, who keep their current contracts until {year}.",
    "The company has spent {money} on {topic} since {year2}, according to its annual report.",
    "Regulators in {place} have not said whether they will review {topic}.",
    "{person} said the board approved the plan in a {adj} vote last {month}.",
    "Shares of {co} rose {pct} percent in early trading, while {co2} fell {pct2} percent.",
    "Analysts expect {noun} in {place} to stay roughly flat through the end of {year}.",
    "The {adj} shift in {topic} is the biggest since {year2}, when {co2} {down} after a similar bet.",
    "{co} {up} from {topic}, but {group} pay for most of it through higher {noun}.",
    "In {place}, where {co} employs about {n2} people, local officials welcomed the announcement.",
    "Critics, including {person} of {co2}, argue that {group} were never consulted about {topic}.",
    "The agreement runs for {n} years and can be renewed twice, the filing shows.",
    "{co} will keep its headquarters in {place} and its dividend policy is unchanged.",
    "\"The math only works if {noun} keep falling,\" {person} wrote in a note to clients on {day}.",
    "Last year the company reported revenue of {money} and an operating margin of {pct} percent.",
    "A spokesperson for {co2} declined to comment on {topic} or on its plans for {place}.",
    "Demand from {group} has grown {pct} percent a year since {year2}, the company said.",
    "Some of the savings will be passed on to {group}, though {co} did not say how much.",
    "The timing matters: {topic} was already under pressure from a {adj} slowdown in {noun}.",
    "{co} first floated the idea in {month} {year2}, but shelved it after pushback from {group}.",
    "By {year}, the company wants {pct} percent of its {noun} to come from {place}.",
    "The union representing {group} said it would study the details before taking a position.",
    "None of this affects the {adj} contract with {co2}, which stays in force until {year}.",
    "Investors have mostly shrugged, betting that {topic} will take years to play out.",
    "The old arrangement cost {group} roughly {money} a year, by one industry estimate.",
    "{person}, a former regulator now at {co2}, called the plan \"{adj} but defensible\".",
]
_ACTIONS = ["cut prices on its core product by {pct} percent", "build a {money} plant in {place}",
            "buy {co2} for {money} in cash and stock", "end its flat-fee pricing from {month} 1",
            "sell directly to {group}, bypassing distributors", "close three sites in {place}",
            "raise wages for {group} by {pct} percent", "license its patents to {co2}",
            "shift production of its {noun} to {place}", "double its spending on {topic}"]
_QUOTE_STARTS = ["Make no mistake,", "The short version is that", "Over time,", "In practice,",
                 "If this holds,", "Our read is that"]
_DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"]
_HEADINGS = ["What happened", "Who pays", "Who profits", "What stays the same", "The numbers",
             "Why now", "What comes next", "The reaction", "Background", "The fine print"]


@dataclass
class CorpusInfo:
    """What was generated: the folder, per-format counts and length statistics."""

    root: Path
    articles: int
    files: int
    words_min: int
    words_max: int
    words_mean: float
    formats: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {"root": str(self.root), "articles": self.articles, "files": self.files,
                "words_min": self.words_min, "words_max": self.words_max,
                "words_mean": round(self.words_mean, 1), "formats": self.formats}


class _Writer:
    """Article text from templates; each article gets its own cast so articles differ."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def company(self) -> str:
        r = self.rng
        name = "".join(r.choice(_SYL) for _ in range(r.randint(2, 3))).capitalize()
        return f"{name} {r.choice(_SUFFIX)}"

    def person(self) -> str:
        return f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"

    def money(self) -> str:
        r = self.rng
        return r.choice([f"${r.randint(2, 950)} million", f"${r.randint(1, 40)}.{r.randint(1, 9)} billion",
                         f"${r.randint(3, 900)} a month", f"€{r.randint(5, 600)} million"])

    def sentence(self, cast: dict[str, list[str]]) -> str:
        r = self.rng
        slots = {
            "co": r.choice(cast["co"]), "co2": r.choice(cast["co2"]), "person": r.choice(cast["person"]),
            "place": r.choice(cast["place"]), "group": r.choice(cast["group"]),
            "topic": r.choice(cast["topic"]), "noun": r.choice(_NOUNS), "adj": r.choice(_ADJ),
            "up": r.choice(_VERBS_UP), "down": r.choice(_VERBS_DOWN), "day": r.choice(_DAYS),
            "month": r.choice(_MONTHS), "n": r.randint(2, 36), "n2": f"{r.randint(2, 40) * 100:,}",
            "pct": r.randint(2, 60), "pct2": r.randint(1, 25), "year": r.randint(2026, 2032),
            "year2": r.randint(2008, 2025), "money": self.money(), "quote_start": r.choice(_QUOTE_STARTS),
        }
        slots["action"] = r.choice(_ACTIONS).format(**slots)
        return r.choice(_TEMPLATES).format(**slots)

    def article(self, index: int) -> dict[str, object]:
        r = self.rng
        cast = {
            "co": [self.company() for _ in range(2)], "co2": [self.company() for _ in range(3)],
            "person": [self.person() for _ in range(3)], "place": r.sample(_PLACES, 3),
            "group": r.sample(_GROUPS, 3), "topic": r.sample(_TOPICS, 2),
        }
        target = int(r.triangular(MIN_WORDS, MAX_WORDS, MODE_WORDS))
        paragraphs: list[str] = []
        words = 0
        while True:
            para = " ".join(self.sentence(cast) for _ in range(r.randint(2, 6)))
            n = len(para.split())
            if words + n > target and words >= MIN_WORDS:
                break
            paragraphs.append(para)
            words += n
            if words >= MAX_WORDS - 40:
                break
        lead = cast["co"][0]
        title = (f"{lead} bets on {r.choice(cast['topic'])}, and {r.choice(cast['group'])} "
                 f"{r.choice(_VERBS_DOWN)} ({index})")
        return {
            "title": title, "paragraphs": paragraphs, "words": words, "author": cast["person"][0],
            "source": r.choice(_OUTLETS), "published_at": f"20{r.randint(24, 26)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
            "url": f"https://news.example/{index:06d}", "tags": r.sample(_NOUNS, 2),
        }


def _txt(a: dict) -> str:
    return a["title"] + "\n\n" + "\n\n".join(a["paragraphs"]) + "\n"


def _md(a: dict, rng: random.Random) -> str:
    head = ["---", f"title: {json.dumps(a['title'])}", f"source: {a['source']}", f"author: {a['author']}",
            f"published_at: {a['published_at']}", f"url: {a['url']}", f"tags: [{', '.join(a['tags'])}]",
            "---", "", f"# {a['title']}", ""]
    body: list[str] = []
    for i, p in enumerate(a["paragraphs"]):
        if i and i % 4 == 0:
            body += [f"## {rng.choice(_HEADINGS)}", ""]
        if i == 1:
            first, _, rest = p.partition(" ")
            p = f"**{first}** {rest}"
        body += [p, ""]
    return "\n".join(head + body)


def _html(a: dict) -> str:
    paras = "\n".join(f"<p>{html.escape(p)}</p>" for p in a["paragraphs"])
    t = html.escape(a["title"])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{t} - {html.escape(a['source'])}</title>
<meta name="author" content="{html.escape(a['author'])}">
<meta property="og:title" content="{t}"><meta property="og:type" content="article">
<meta property="article:published_time" content="{a['published_at']}T09:00:00Z">
<link rel="canonical" href="{a['url']}">
</head><body>
<header><nav><a href="/">Home</a> <a href="/markets">Markets</a> <a href="/tech">Tech</a>
<a href="/subscribe">Subscribe</a></nav></header>
<main><article><h1>{t}</h1><p class="byline">By {html.escape(a['author'])}</p>
{paras}
</article>
<aside><h3>Most read</h3><ul><li><a href="/a">Rates hold steady</a></li><li><a href="/b">Port delays ease</a></li></ul></aside>
</main>
<footer><p>&copy; {html.escape(a['source'])}. All rights reserved.</p><a href="/privacy">Privacy</a></footer>
</body></html>
"""


def _record(a: dict) -> dict[str, object]:
    return {"title": a["title"], "body": "\n\n".join(a["paragraphs"]), "source": a["source"],
            "author": a["author"], "published_at": a["published_at"], "url": a["url"], "tags": a["tags"]}


def generate_corpus(n: int, out_dir: Path | str, seed: int = 1234) -> CorpusInfo:
    """Write n articles under out_dir (created); the same (n, seed) always gives the same files."""
    if n < 1:
        raise ValueError(f"corpus size must be at least 1 article, got {n}")
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    writer = _Writer(rng)
    formats = list(FORMAT_WEIGHTS)
    counts = dict.fromkeys(formats, 0)
    lengths: list[int] = []
    files = 0
    pending_jsonl: list[dict] = []

    def flush_jsonl() -> None:
        nonlocal files
        if pending_jsonl:
            path = root / f"batch-{files:05d}.jsonl"
            path.write_text("".join(json.dumps(_record(a), ensure_ascii=False) + "\n" for a in pending_jsonl),
                            encoding="utf-8")
            files += 1
            pending_jsonl.clear()

    for i in range(n):
        a = writer.article(i)
        lengths.append(int(a["words"]))
        fmt = rng.choices(formats, weights=[FORMAT_WEIGHTS[f] for f in formats])[0]
        counts[fmt] += 1
        stem = f"article-{i:05d}"
        if fmt == "jsonl":
            pending_jsonl.append(a)
            if len(pending_jsonl) >= JSONL_PER_FILE:
                flush_jsonl()
            continue
        if fmt == "txt":
            text = _txt(a)
        elif fmt == "md":
            text = _md(a, rng)
        elif fmt == "html":
            text = _html(a)
        else:
            text = json.dumps(_record(a), ensure_ascii=False, indent=2)
        (root / f"{stem}.{fmt}").write_text(text, encoding="utf-8")
        files += 1
    flush_jsonl()
    return CorpusInfo(root=root, articles=n, files=files, words_min=min(lengths), words_max=max(lengths),
                      words_mean=sum(lengths) / len(lengths), formats=counts)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2:
        print("usage: python -m bench.corpus_gen N DIR [SEED]", file=sys.stderr)
        return 2
    info = generate_corpus(int(args[0]), args[1], int(args[2]) if len(args) > 2 else 1234)
    print(json.dumps(info.to_json(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
