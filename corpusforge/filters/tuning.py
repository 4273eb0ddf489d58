"""Threshold tuning from recorded signals (polars), for notebooks and ``corpusforge filter --reapply``.

An output folder holds ``docs/*.parquet`` (kept) and ``removed/*.parquet`` (dropped,
with ``reason``); both carry the ``q_*`` signal columns. With the presets' "record all
signals" mode every document has every signal, so any threshold can be re-applied
without reading a page again:

>>> from corpusforge.filters import tuning
>>> df = tuning.load_output("out")
>>> rules = tuning.preset_rules("swallow")
>>> tuning.removal_table(df, rules)            # what each rule removes alone, only it, first
>>> tuning.combinations(df, rules)             # which rules fail together
>>> tuning.what_if(df, "swallow", {"LengthFilter.min_chars": 300})   # changed threshold

Without that mode a dropped document only carries the signals of the filters it
reached; ``missing_signals`` says which are missing, and ``recompute_signals`` measures
them from the stored text (exact for removed documents; for kept documents only when no
mapper after the filters changed the text, e.g. the swallow preset's footer trimming).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import polars as pl

from corpusforge.config import apply_overrides, build_stages, load_config, stage_entries
from corpusforge.document import Document
from corpusforge.filters.rules import QualityFilter, Rule
from corpusforge.io.writer import scan_output_file

SNIPPET_CHARS = 160


# --- loading ---------------------------------------------------------------------------------

def load_output(out_dir: str | Path, columns: list[str] | None = None) -> pl.DataFrame:
    """Kept and removed documents of an output folder in one frame.

    Adds ``kept`` (bool); ``reason`` / ``stage`` are null for kept documents. ``columns``
    restricts what is read (``id``, ``reason``, ``stage`` are always read when present).
    """
    frames = []
    for kind in ("docs", "removed"):
        for f in sorted((Path(out_dir) / kind).glob("*.parquet")):
            lf = scan_output_file(f)
            names = lf.collect_schema().names()
            if columns is not None:
                keep = [c for c in dict.fromkeys(["id", "reason", "stage", *columns]) if c in names]
                lf = lf.select(keep)
            frames.append(lf.collect().with_columns(pl.lit(kind == "docs").alias("kept"),
                                                    pl.lit(f.name).alias("_file")))
    if not frames:
        return pl.DataFrame({"id": [], "kept": []}, schema={"id": pl.String, "kept": pl.Boolean})
    df = pl.concat(frames, how="diagonal_relaxed")
    for col in ("reason", "stage"):
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.String).alias(col))
    return df


# --- presets and overrides --------------------------------------------------------------------

def preset_entries(preset: str | Path | dict[str, Any],
                   overrides: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The ``filters`` entries of a preset (name, path or loaded config), overrides applied."""
    cfg = preset if isinstance(preset, dict) else load_config(preset)
    entries = stage_entries(cfg, ("filters",))
    return apply_overrides(entries, overrides or {})


def preset_filters(preset: str | Path | dict[str, Any], overrides: dict[str, Any] | None = None) -> list[QualityFilter]:
    return [s for s in build_stages(preset_entries(preset, overrides)) if isinstance(s, QualityFilter)]


def preset_rules(preset: str | Path | dict[str, Any], overrides: dict[str, Any] | None = None) -> list[Rule]:
    """Every active rule of a preset's quality filters, in decision order."""
    return [r for f in preset_filters(preset, overrides) for r in f.active_rules()]


# --- decisions from recorded signals ----------------------------------------------------------

def _fail_expr(df: pl.DataFrame, rule: Rule) -> pl.Expr:
    if rule.signal not in df.columns:
        return pl.lit(None, dtype=pl.Boolean)
    return rule.expr()


def missing_signals(df: pl.DataFrame, rules: Iterable[Rule]) -> dict[str, int]:
    """Signal → number of rows that lack it (only signals with missing rows)."""
    out: dict[str, int] = {}
    for r in rules:
        n = df.height if r.signal not in df.columns else int(df[r.signal].null_count())
        if n:
            out[r.signal] = n
    return out


def reapply(df: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """Decisions of ``rules`` on the recorded signals.

    Adds ``new_reason`` (first failing rule, null if none), ``new_drop_reasons`` (all,
    comma-joined), ``undecided`` (no rule fails but a signal needed is missing) and
    ``kept_now``. Rows removed before for a reason that is not one of the rules
    (extraction, dedup …) stay removed with that reason.
    """
    reasons = {r.reason for r in rules}
    fails = [pl.when(_fail_expr(df, r)).then(pl.lit(r.reason)) for r in rules]
    missing = [(pl.col(r.signal).is_null() if r.signal in df.columns else pl.lit(True)) for r in rules]
    other = pl.when(pl.col("reason").is_not_null() & ~pl.col("reason").is_in(sorted(reasons))).then(pl.col("reason"))
    first = pl.coalesce([other, *fails]) if fails else other
    any_missing = pl.any_horizontal(missing) if missing else pl.lit(False)
    out = df.with_columns(
        first.alias("new_reason"),
        (pl.concat_str(fails, separator=",", ignore_nulls=True) if fails else pl.lit("")).alias("new_drop_reasons"),
    )
    out = out.with_columns((pl.col("new_reason").is_null() & any_missing).alias("undecided"))
    return out.with_columns(pl.when(pl.col("undecided")).then(pl.col("kept"))
                            .otherwise(pl.col("new_reason").is_null()).alias("kept_now"))


def removal_table(df: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """Per rule: documents it fails alone, that only it fails, that it removes first, in order.

    ``cumulative_removed``: documents removed by this rule or any earlier one.
    """
    if not rules:
        return pl.DataFrame()
    fails = df.select([_fail_expr(df, r).fill_null(False).alias(f"f{i}") for i, r in enumerate(rules)])
    n_fail = fails.select(pl.sum_horizontal(pl.all()).alias("n"))["n"]
    rows = []
    seen = pl.Series([False] * df.height)
    total = max(df.height, 1)
    missing = missing_signals(df, rules)
    for i, r in enumerate(rules):
        col = fails[f"f{i}"]
        first = col & ~seen
        seen = seen | col
        rows.append({
            "stage": r.stage, "reason": r.reason, "rule": r.describe(),
            "fails_alone": int(col.sum()), "share_alone": col.sum() / total,
            "only_this_rule": int((col & (n_fail == 1)).sum()),
            "removed_first": int(first.sum()), "cumulative_removed": int(seen.sum()),
            "missing_signal": missing.get(r.signal, 0),
        })
    return pl.DataFrame(rows)


def combinations(df: pl.DataFrame, rules: list[Rule], top: int = 20) -> pl.DataFrame:
    """The most frequent sets of failing rules (``a,b``) with their document counts."""
    d = reapply(df, rules)
    return (d.filter(pl.col("new_drop_reasons") != "")
            .group_by("new_drop_reasons").len("documents")
            .sort(["documents", "new_drop_reasons"], descending=[True, False]).head(top)
            .rename({"new_drop_reasons": "failing_rules"}))


def cooccurrence(df: pl.DataFrame, rules: list[Rule]) -> pl.DataFrame:
    """Documents failing both rules, for every pair (rows and columns named by reason)."""
    fails = {r.reason: df.select(_fail_expr(df, r).fill_null(False)).to_series() for r in rules}
    names = list(fails)
    return pl.DataFrame([{"reason": a, **{b: int((fails[a] & fails[b]).sum()) for b in names}} for a in names])


def _examples(d: pl.DataFrame, signals: list[str], n: int) -> pl.DataFrame:
    cols = [c for c in ["id", *signals] if c in d.columns]
    if "text" in d.columns:
        return d.head(n).select(*cols, pl.col("text").str.slice(0, SNIPPET_CHARS).alias("text"))
    return d.head(n).select(cols)


def what_if(df: pl.DataFrame, preset: str | Path | dict[str, Any], changes: dict[str, Any],
            examples: int = 5) -> dict[str, Any]:
    """What changed thresholds would newly remove and newly keep, with example documents.

    Returns counts (``kept_before``, ``kept_after``, ``newly_removed``, ``newly_kept``,
    ``undecided``) and two example frames (text snippets and the signals involved).
    """
    before_rules = preset_rules(preset)
    after_rules = preset_rules(preset, changes)
    before = reapply(df, before_rules)["kept_now"]
    after = reapply(df, after_rules)
    changed_signals = sorted({r.signal for r in after_rules if r not in before_rules}
                             | {r.signal for r in before_rules if r not in after_rules})
    now = after["kept_now"]
    newly_removed = after.filter(before & ~now)
    newly_kept = after.filter(~before & now)
    return {
        "kept_before": int(before.sum()), "kept_after": int(now.sum()),
        "newly_removed": newly_removed.height, "newly_kept": newly_kept.height,
        "undecided": int(after["undecided"].sum()),
        "removed_examples": _examples(newly_removed, [*changed_signals, "new_reason"], examples),
        "kept_examples": _examples(newly_kept, changed_signals, examples),
    }


def recompute_signals(df: pl.DataFrame, preset: str | Path | dict[str, Any],
                      overrides: dict[str, Any] | None = None) -> pl.DataFrame:
    """Fill missing signals by measuring them on the stored text (rows with text only)."""

    filters = preset_filters(preset, overrides)
    needed = [f for f in filters if any(r.signal not in df.columns or df[r.signal].null_count()
                                        for r in f.active_rules())]
    if not needed or "text" not in df.columns:
        return df
    rows = df.to_dicts()
    for row in rows:
        if row.get("text") is None:
            continue
        meta = {k: v for k, v in row.items() if k not in ("id", "text", "url")}
        doc = Document(id=str(row.get("id")), text=row["text"], url=row.get("url") or "", metadata=meta)
        for f in needed:
            if any(row.get(r.signal) is None for r in f.active_rules()):
                row.update(f.measure(doc))
    return pl.DataFrame(rows, infer_schema_length=None)
