"""Every document of a run as one lazy polars frame, and the few summaries notebooks and the report share.

>>> from corpusforge import analysis as A
>>> lf = A.load("demo-out")                       # docs + removed, ``kept`` says which
>>> A.domain_table(lf).head(10)                   # top domains: docs, chars, share, mean edu score
>>> A.histogram(lf.filter("kept"), "edu_score", bins=25)

``load`` only plans: polars reads the columns a query uses, file by file, so the same
cells work on a run of tens of millions of documents.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import polars as pl

DOC_KINDS = ("docs", "removed")
NEAR_DUPLICATE = "near_duplicate"


def open_run(default: str | Path = "../demo-out") -> Path:
    """The run a notebook looks at: ``$CORPUSFORGE_OUT``, else ``default``; when neither holds
    documents, a small demo run made under ``$CORPUSFORGE_TMP`` (so a notebook always executes)."""
    out = Path(os.environ.get("CORPUSFORGE_OUT", default))
    if parquet_files(out, "docs"):
        return out
    from corpusforge.cli import main

    out = Path(os.environ.get("CORPUSFORGE_TMP", "/tmp")) / "corpusforge-notebook-run"
    if not parquet_files(out, "docs"):
        code = main(["demo", "--output", str(out), "--files", "2", "--records", "800", "--ja-fraction", "0.2",
                     "--no-progress"])
        if code != 0:
            raise RuntimeError(f"the demo run for the notebook failed (exit {code})")
    return out


def parquet_files(out: str | Path, kind: str) -> list[Path]:
    """The finished parquet files of ``OUT/<kind>/`` (temporaries of a killed task left out)."""
    d = Path(out) / kind
    return sorted(p for p in d.glob("*.parquet") if not p.name.startswith(".")) if d.is_dir() else []


def scan(files: Sequence[Path]) -> pl.LazyFrame | None:
    """One lazy frame over parquet files whose columns may differ (missing columns are null)."""
    if not files:
        return None
    return pl.concat([pl.scan_parquet(f) for f in files], how="diagonal_relaxed")


def load(out: str | Path, columns: Sequence[str] | None = None) -> pl.LazyFrame:
    """Kept and removed documents of a run in one lazy frame.

    Adds ``kept`` (bool) and ``reason`` / ``stage`` (null for kept documents). When the
    dedup phase ran (``OUT/dedup/drop/``), kept documents it drops become
    ``kept = False`` with reason ``near_duplicate``, so ``kept`` is the final corpus.
    ``columns`` restricts what is read (``id`` is always read).
    """
    parts = []
    for kind in DOC_KINDS:
        lf = scan(parquet_files(out, kind))
        if lf is None:
            continue
        names = lf.collect_schema().names()
        if columns is not None:
            lf = lf.select([c for c in dict.fromkeys(["id", "reason", "stage", *columns]) if c in names])
        lf = lf.with_columns(pl.lit(kind == "docs").alias("kept"))
        for col in ("reason", "stage"):
            if col not in names:
                lf = lf.with_columns(pl.lit(None, dtype=pl.String).alias(col))
        parts.append(lf)
    if not parts:
        schema = {"id": pl.String, "kept": pl.Boolean, "reason": pl.String, "stage": pl.String}
        schema.update({c: pl.String for c in columns or () if c not in schema})
        return pl.LazyFrame(schema=schema)
    lf = pl.concat(parts, how="diagonal_relaxed")
    drop = scan(parquet_files(out, "dedup/drop"))
    if drop is not None:
        dropped = drop.select("id", pl.lit(True).alias("_near_dup"))
        lf = lf.join(dropped, on="id", how="left").with_columns(
            (pl.col("kept") & pl.col("_near_dup").is_null()).alias("kept_after"),
        ).with_columns(
            pl.when(pl.col("kept") & ~pl.col("kept_after")).then(pl.lit(NEAR_DUPLICATE))
            .otherwise(pl.col("reason")).alias("reason"),
            pl.when(pl.col("kept") & ~pl.col("kept_after")).then(pl.lit("NearDuplicateFilter"))
            .otherwise(pl.col("stage")).alias("stage"),
        ).drop("kept", "_near_dup").rename({"kept_after": "kept"})
    return lf


def has_columns(lf: pl.LazyFrame, *names: str) -> bool:
    """True when every column is in the frame (the classifier / shard columns are optional)."""
    schema = lf.collect_schema().names()
    return all(n in schema for n in names)


def tld() -> pl.Expr:
    """The top-level domain of ``domain`` (``example.co.jp`` → ``jp``)."""
    return pl.col("domain").str.extract(r"\.([^.]+)$", 1).fill_null("(none)").alias("tld")


def edu_band(width: float = 1.0) -> pl.Expr:
    """``edu_score`` in bands of ``width`` (``"2-3"``), for grouping."""
    lo = (pl.col("edu_score") / width).floor() * width
    return pl.format("{}-{}", lo.round(2), (lo + width).round(2)).alias("edu_band")


def chars() -> pl.Expr:
    """Characters of the text."""
    return pl.col("text").str.len_chars().alias("chars")


def _chars_expr(lf: pl.LazyFrame) -> pl.Expr:
    names = lf.collect_schema().names()
    if "text" in names:
        return chars()
    if "q_chars" in names:
        return pl.col("q_chars").fill_null(0).alias("chars")
    return pl.lit(0).alias("chars")


def group_table(lf: pl.LazyFrame, by: str | pl.Expr | Sequence[str | pl.Expr], top: int | None = None) -> pl.DataFrame:
    """Kept documents per group: ``docs``, ``chars``, their shares, mean ``edu_score``; by chars."""
    keys = [by] if isinstance(by, (str, pl.Expr)) else list(by)
    kept = lf.filter(pl.col("kept"))
    aggs = [pl.len().alias("docs"), pl.col("chars").sum().alias("chars")]
    if has_columns(lf, "edu_score"):
        aggs.append(pl.col("edu_score").mean().alias("edu_mean"))
    else:
        aggs.append(pl.lit(None, dtype=pl.Float64).alias("edu_mean"))
    g = (kept.with_columns(_chars_expr(lf)).group_by(keys).agg(aggs)
         .with_columns((pl.col("docs") / pl.col("docs").sum()).alias("doc_share"),
                       (pl.col("chars") / pl.col("chars").sum()).alias("char_share"))
         .sort(["chars", "docs"], descending=True))
    df = g.collect(engine="streaming")
    return df.head(top) if top else df


def domain_table(lf: pl.LazyFrame, top: int | None = 20) -> pl.DataFrame:
    """Kept documents per domain (largest first by characters)."""
    return group_table(lf, "domain", top)


def tld_table(lf: pl.LazyFrame, top: int | None = 20) -> pl.DataFrame:
    """Kept documents per top-level domain."""
    return group_table(lf, tld(), top)


def top_share(lf: pl.LazyFrame, points: Sequence[int] = (1, 10, 100, 1000)) -> pl.DataFrame:
    """Share of the kept characters held by the top N domains, for each N."""
    d = group_table(lf, "domain")
    cum = d["char_share"].cum_sum() if d.height else pl.Series([], dtype=pl.Float64)
    return pl.DataFrame({"top_domains": list(points),
                         "char_share": [float(cum[min(n, d.height) - 1]) if d.height else 0.0 for n in points]})


def histogram(lf: pl.LazyFrame, column: str, bins: int = 30, lo: float | None = None,
              hi: float | None = None) -> pl.DataFrame:
    """Counts of ``column`` in ``bins`` equal bins over [lo, hi] (default: its min and max).

    Values outside the range fall into the first / last bin; nulls are left out. Returns
    ``left``, ``right``, ``count`` (integer) with one row per bin.
    """
    col = pl.col(column).cast(pl.Float64)
    valid = lf.select(col).filter(col.is_not_null() & col.is_finite())
    if lo is None or hi is None:
        r = valid.select(col.min().alias("lo"), col.max().alias("hi")).collect(engine="streaming")
        lo = r["lo"][0] if lo is None else lo
        hi = r["hi"][0] if hi is None else hi
    if lo is None or hi is None:
        return pl.DataFrame(schema={"left": pl.Float64, "right": pl.Float64, "count": pl.Int64})
    if hi <= lo:
        hi = lo + 1.0
    width = (hi - lo) / bins
    idx = ((col - lo) / width).floor().clip(0, bins - 1).cast(pl.Int64).alias("bin")
    counts = valid.select(idx).group_by("bin").agg(pl.len().alias("count")).collect(engine="streaming")
    by_bin = dict(zip(counts["bin"].to_list(), counts["count"].to_list()))
    return pl.DataFrame({"left": [lo + i * width for i in range(bins)],
                         "right": [lo + (i + 1) * width for i in range(bins)],
                         "count": [int(by_bin.get(i, 0)) for i in range(bins)]},
                        schema={"left": pl.Float64, "right": pl.Float64, "count": pl.Int64})


def category_table(lf: pl.LazyFrame, by: Sequence[str] = ("format", "topic")) -> pl.DataFrame:
    """Kept documents per category combination (empty when the classifier columns are absent)."""
    if not has_columns(lf, *by):
        return pl.DataFrame()
    return group_table(lf, [pl.col(c).fill_null("(none)") for c in by])


def what_if_mixture(groups: pl.DataFrame, targets: dict[str, float], key: str = "format",
                    size: str = "chars", total: float | None = None) -> pl.DataFrame:
    """What a mixture with ``targets`` (key value → share) would take from each group.

    ``groups`` has one row per ``key`` value with its ``size`` (chars, tokens or docs).
    Groups not named in ``targets`` share what is left of 1 in proportion to their size.
    ``total`` is the size of the mixed corpus (default: the size of ``groups``). Returns
    ``share_before``, ``share_after``, ``size_after`` and ``multiplicity`` (> 1: repeated,
    < 1: subsampled) per group, without re-running anything.
    """
    g = groups.group_by(key).agg(pl.col(size).sum()).sort(key)
    total_before = float(g[size].sum()) or 1.0
    total = float(total) if total is not None else total_before
    named = sum(v for k, v in targets.items() if k in set(g[key].to_list()))
    rest = g.filter(~pl.col(key).is_in(list(targets)))[size].sum() or 0
    left = max(0.0, 1.0 - named)
    after = [targets[k] if k in targets else (left * s / rest if rest else 0.0)
             for k, s in zip(g[key].to_list(), g[size].to_list())]
    return g.with_columns(
        (pl.col(size) / total_before).alias("share_before"),
        pl.Series("share_after", after, dtype=pl.Float64),
    ).with_columns(
        (pl.col("share_after") * total).alias(f"{size}_after"),
        pl.when(pl.col(size) > 0).then(pl.col("share_after") * total / pl.col(size)).otherwise(None).alias("multiplicity"),
    )
