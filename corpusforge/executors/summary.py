"""The short table that ends every run."""

from __future__ import annotations

from corpusforge.stats import Stats


def _fmt_int(n: int) -> str:
    return f"{n:,}"


def summary_table(stats: Stats, top_reasons: int = 4) -> str:
    """Per stage: docs in / out, chars out, seconds, and the main drop reasons."""
    rows = [("stage", "docs in", "docs out", "chars out", "seconds", "dropped (top reasons)")]
    for s in stats.stages:
        reasons = ", ".join(f"{r}={n:,}" for r, n in s.dropped.most_common(top_reasons))
        if len(s.dropped) > top_reasons:
            reasons += ", …"
        rows.append((s.name, _fmt_int(s.docs_in), _fmt_int(s.docs_out), _fmt_int(s.chars_out),
                     f"{s.seconds:.2f}", reasons))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for i, r in enumerate(rows):
        cells = [r[0].ljust(widths[0])] + [r[j].rjust(widths[j]) for j in range(1, len(widths))] + [r[-1]]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 21)
    return "\n".join(lines)
