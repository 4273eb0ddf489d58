"""``index.html`` rendered from ``report.json``: one self-contained page, a plot and its numbers per section."""

from __future__ import annotations

import json
from html import escape
from typing import Any, Callable, Sequence

from corpusforge.report import svg

CSS = """
body{font-family:system-ui,'Noto Sans CJK JP',sans-serif;margin:0;color:#222;background:#f6f7f9;line-height:1.4}
header{background:#24344d;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;font-size:13px;opacity:.85}
nav{padding:8px 24px;background:#fff;border-bottom:1px solid #ddd;font-size:13px}nav a{margin-right:12px}
main{max-width:1240px;margin:0 auto;padding:12px 24px}
section{background:#fff;border:1px solid #dde;border-radius:6px;margin:14px 0;padding:12px 16px}
section h2{font-size:17px;margin:0 0 8px}section h3{font-size:14px;margin:10px 0 4px}
.grid{display:grid;grid-template-columns:minmax(0,600px) minmax(0,1fr);gap:16px;align-items:start}
@media (max-width:1000px){.grid{grid-template-columns:minmax(0,1fr)}}
table{border-collapse:collapse;font-size:12px;width:100%}td,th{padding:2px 6px;border-bottom:1px solid #eee;
text-align:left;white-space:nowrap}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.missing{background:#fff6e0;border-left:4px solid #e0a000;padding:6px 10px;font-size:13px;margin:6px 0}
.kpis{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}.kpi{background:#fff;border:1px solid #dde;
border-radius:6px;padding:8px 14px;min-width:150px}.kpi b{display:block;font-size:20px}.kpi span{font-size:12px;color:#555}
.scroll{max-height:360px;overflow:auto}.plots{display:flex;flex-wrap:wrap;gap:10px}
.sig{border:1px solid #eee;border-radius:4px;padding:4px 6px;width:576px}.sig p{margin:2px 0;font-size:12px}
pre{font-size:11px;background:#f4f4f4;padding:8px;max-height:360px;overflow:auto}
"""

TITLES = {
    "funnel": "Funnel: records to kept documents",
    "volume": "Characters and tokens per stage",
    "domains": "Top domains and TLDs",
    "mixture": "Format × topic, before and after the mixture",
    "edu": "Educational-value score",
    "signals": "Quality signals, thresholds and what they remove",
    "near_duplicates": "Near-duplicate clusters",
    "charsets": "Charsets and header lies",
    "timing": "Time and throughput",
    "run": "Config and versions",
}


def _n(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    return escape(str(v))


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.2f}%"


def table(rows: Sequence[dict[str, Any]], cols: Sequence[tuple[str, str]],
          fmt: dict[str, Callable[[Any], str]] | None = None) -> str:
    """An HTML table of ``rows`` with (key, heading) columns; numbers right-aligned."""
    fmt = fmt or {}
    head = "".join(f'<th class="{"n" if _numeric(rows, k) else ""}">{escape(h)}</th>' for k, h in cols)
    body = []
    for r in rows:
        cells = []
        for k, _ in cols:
            v = r.get(k)
            text = fmt[k](v) if k in fmt else _n(v)
            cells.append(f'<td class="{"n" if isinstance(v, (int, float)) else ""}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<div class="scroll"><table><tr>{head}</tr>{"".join(body)}</table></div>'


def _numeric(rows: Sequence[dict[str, Any]], k: str) -> bool:
    return any(isinstance(r.get(k), (int, float)) and not isinstance(r.get(k), bool) for r in rows)


def _missing(text: str | None) -> str:
    return f'<div class="missing">{escape(text)}</div>' if text else ""


def _grid(plot: str, numbers: str) -> str:
    return f'<div class="grid"><div>{plot}</div><div>{numbers}</div></div>'


def funnel(s: dict[str, Any]) -> str:
    steps = s["steps"]
    plot = svg.bars([x["step"] for x in steps], [x["docs"] for x in steps], "documents at each step")
    first = steps[0]["docs"] or 1
    rows = [{**x, "share": x["docs"] / first} for x in steps]
    if s.get("tokens") is not None:
        rows.append({"step": "tokens in the shards", "docs": s["tokens"], "share": None})
    nums = table(rows, [("step", "step"), ("docs", "documents"), ("share", "of records")], {"share": _pct})
    nums += _missing(s.get("tokens_missing"))
    by_stage = s["drops_by_stage"][:15]
    plot2 = svg.bars([f'{d["stage"]}' for d in by_stage], [d["docs"] for d in by_stage], "drops by stage") \
        if by_stage else ""
    nums2 = "<h3>Drops by reason</h3>" + table(s["drops"][:40], [("reason", "reason"), ("stage", "stage"),
                                                                  ("phase", "phase"), ("docs", "documents")])
    return _grid(plot, nums) + ("<h3>Drops by stage</h3>" if by_stage else "") + _grid(plot2, nums2)


def volume(s: dict[str, Any]) -> str:
    rows = [r for r in s["stages"] if r["chars_out"] != r["chars_in"]]
    plot = svg.bars([r["stage"] for r in rows], [r["chars_in"] for r in rows], "characters in and out of the "
                    "stages that change them",
                    second=[r["chars_out"] for r in rows], legend=("chars in", "chars out")) if rows else ""
    nums = table(s["stages"], [("phase", "phase"), ("stage", "stage"), ("docs_in", "docs in"), ("docs_out", "docs out"),
                               ("chars_in", "chars in"), ("chars_out", "chars out"), ("tokens_out", "tokens")])
    return _grid(plot, nums + _missing(s.get("tokens_missing")))


def domains(s: dict[str, Any]) -> str:
    cols = [("docs", "docs"), ("chars", "chars"), ("char_share", "share"), ("edu_mean", "mean edu")]
    d, t = s["top_domains"], s["top_tlds"]
    head = (f'<p>{s["domains"]:,} domains hold {s["docs"]:,} documents, {s["chars"]:,} characters; the top 1 / 10 / '
            f'100 domains hold {" / ".join(_pct(v) for v in s["top_char_share"].values())} of the characters.</p>')
    return head + _grid(svg.bars([r["domain"] for r in d], [r["chars"] for r in d], "characters by domain"),
                        table(d, [("domain", "domain"), *cols], {"char_share": _pct})) + \
        "<h3>Top-level domains</h3>" + _grid(svg.bars([r["tld"] for r in t], [r["chars"] for r in t], "characters by TLD"),
                                             table(t, [("tld", "TLD"), *cols], {"char_share": _pct}))


def _matrix(rows: list[dict[str, Any]], value: str, axes: dict[str, list[str]]
            ) -> tuple[list[str], list[str], list[list[float]]]:
    present = {a: {str(r[a]) for r in rows} for a in ("format", "topic")}
    fmts, topics = ([v for v in axes[a] if v in present[a]] for a in ("format", "topic"))
    cell = {(str(r["format"]), str(r["topic"])): r.get(value) or 0 for r in rows}
    return fmts, topics, [[cell.get((f, t), 0) for t in topics] for f in fmts]


def mixture(s: dict[str, Any]) -> str:
    out = ["<h3>Before the mixture (final corpus, documents)</h3>"]
    if s["before"]:
        f, t, m = _matrix(s["before"], "docs", s["axes"])
        out.append(_grid(svg.heatmap(f, t, m, "documents by format × topic"),
                         table(s["before"], [("format", "format"), ("topic", "topic"), ("docs", "docs"),
                                             ("chars", "chars")])))
    out.append(_missing(s.get("before_missing")))
    out.append("<h3>After the mixture (shard phase, by mixture group)</h3>")
    after = s.get("after")
    if after:
        plot = svg.bars([r["group"] for r in after], [r["share_before"] for r in after],
                        "share of tokens before / after the mixture", second=[r["share_after"] for r in after],
                        legend=("before", "after"))
        name = f'<p>Mixture <code>{escape(str(s.get("mixture")))}</code>.</p>' if s.get("mixture") else ""
        out.append(_grid(plot, name + table(after, [
            ("group", "group"), ("docs_before", "docs before"), ("tokens_before", "tokens before"),
            ("share_before", "share before"), ("multiplicity", "multiplicity"), ("docs_after", "docs after"),
            ("tokens_after", "tokens seen"), ("share_after", "share after"), ("epochs", "epochs")],
            {"share_before": _pct, "share_after": _pct})))
    out.append(_missing(s.get("after_missing")))
    return "".join(out)


def edu(s: dict[str, Any]) -> str:
    h = s["histogram"]
    plot = svg.histogram(h["left"], h["right"], h["count"], "edu score histogram")
    rows = [{"what": "documents scored", "value": s["docs"]}, {"what": "mean score", "value": s["mean"]},
            *({"what": f"score ≥ {k}", "value": v} for k, v in s["docs_at_least"].items())]
    return _grid(plot, table(rows, [("what", ""), ("value", "")]))


def signals(s: dict[str, Any]) -> str:
    cards = []
    for g in s["signals"]:
        h = g["histogram"]
        th = g["thresholds"]
        plot = svg.histogram(h["left"], h["right"], h["count"], g["signal"],
                             markers=[(t["threshold"], f'{t["op"]} {t["threshold"]:g}') for t in th])
        rules = "".join(
            f'<p>{escape(t["stage"])}: drop <code>{escape(t["reason"])}</code> when {escape(t["rule"])}'
            f'{"" if t["on_scale"] else " (off the plotted range)"}: {t["fails"]:,} of {g["docs"]:,} '
            f'documents, <b>{_pct(t["share_removed"])}</b> removed by this rule alone</p>' for t in th)
        cards.append(f'<div class="sig"><p><b>{escape(g["signal"])}</b></p>{plot}{rules}</div>')
    return f'<p>Thresholds from {escape(s["rules_from"])}; documents of OUT/docs and OUT/removed that reached each ' \
           f'filter.</p><div class="plots">{"".join(cards)}</div>'


def near_duplicates(s: dict[str, Any]) -> str:
    sizes = s["sizes"]
    plot = svg.bars([f'size {r["size"]}' for r in sizes], [r["clusters"] for r in sizes], "clusters by size") \
        if sizes else ""
    rows = [{"what": k.replace("_", " "), "value": v} for k, v in s["totals"].items()]
    if s.get("threshold") is not None:
        rows.append({"what": "Jaccard threshold (S-curve 50%)", "value": s["threshold"]})
    return _grid(plot, table(sizes, [("size", "cluster size"), ("clusters", "clusters")]) +
                 table(rows, [("what", ""), ("value", "")])) + _missing(s.get("missing"))


def charsets(s: dict[str, Any]) -> str:
    c = s["charsets"]
    plot = svg.bars([r["charset"] for r in c], [r["docs"] for r in c], "pages by decoded charset")
    lies = table(s["lies"], [("declared_in", "lying declaration in"), ("docs", "pages")]) if s["lies"] else \
        "<p>No lying charset declaration caught.</p>"
    nums = (f'<p>{s["pages"]:,} pages decoded, {s["undecodable"]:,} undecodable.</p>'
            + table(c, [("charset", "charset"), ("docs", "pages")]) + "<h3>Header lies caught</h3>" + lies
            + "<h3>Where the charset came from</h3>" + table(s["sources"], [("source", "source"), ("docs", "pages")])
            + ("<h3>Pre-check evidence</h3>" + table(s["precheck"], [("evidence", "evidence"), ("docs", "pages")])
               if s["precheck"] else ""))
    return _grid(plot, nums)


def timing(s: dict[str, Any]) -> str:
    st = [r for r in s["stages"] if r["seconds"] > 0]
    plot = svg.bars([r["stage"] for r in st], [r["seconds"] for r in st], "task seconds per stage") if st else ""
    nums = table(s["phases"], [("phase", "phase"), ("files", "files"), ("task_seconds", "task s"),
                               ("wall_seconds", "wall s"), ("docs_in", "docs in"),
                               ("docs_per_task_second", "docs / task s")])
    nums += _missing(s.get("wall_missing"))
    nums += table(s["stages"], [("phase", "phase"), ("stage", "stage"), ("seconds", "s"), ("docs_in", "docs in"),
                                ("docs_per_second", "docs / s")])
    return _grid(plot, nums)


def run(s: dict[str, Any]) -> str:
    vers = table([{"package": k, "version": v} for k, v in (s.get("versions") or {}).items()],
                 [("package", "package"), ("version", f'version ({s.get("versions_from")})')])
    argv = f'<p><code>{escape(" ".join(s["argv"]))}</code></p>' if s.get("argv") else ""
    config = (f'<pre>{escape(json.dumps(s["config"], ensure_ascii=False, indent=1))}</pre>'
              if s.get("config") is not None else "")
    return _missing(s.get("missing")) + argv + _grid(config, vers)


def key_figures(sections: dict[str, Any]) -> str:
    """The run in a few numbers: what went in, what came out, what it cost."""
    f, d, t = sections.get("funnel") or {}, sections.get("domains") or {}, sections.get("timing") or {}
    steps = f.get("steps") or []
    figs = []
    if steps:
        figs += [("records read", steps[0]["docs"]), ("documents in the corpus", steps[-1]["docs"])]
    if d.get("available"):
        figs += [("characters", d["chars"]), ("domains", d["domains"])]
    if f.get("tokens") is not None:
        figs.append(("tokens in the shards", f["tokens"]))
    if t.get("available"):
        figs.append(("task seconds", round(sum(p["task_seconds"] for p in t["phases"]), 1)))
        wall = [p["wall_seconds"] for p in t["phases"] if p.get("wall_seconds") is not None]
        if wall:
            figs.append(("wall seconds", round(sum(wall), 1)))
    return '<div class="kpis">' + "".join(f'<div class="kpi"><b>{_n(v)}</b><span>{escape(k)}</span></div>'
                                           for k, v in figs) + "</div>" if figs else ""


RENDER: dict[str, Callable[[dict[str, Any]], str]] = {
    "funnel": funnel, "volume": volume, "domains": domains, "mixture": mixture, "edu": edu, "signals": signals,
    "near_duplicates": near_duplicates, "charsets": charsets, "timing": timing, "run": run,
}


def render_html(report: dict[str, Any]) -> str:
    """The whole page from a report dict (schema ``corpusforge.report/1``)."""
    parts = []
    for key, title in TITLES.items():
        s = report["sections"].get(key) or {"available": False, "missing": "not in this report"}
        body = RENDER[key](s) if s.get("available") or key == "run" else _missing(s.get("missing"))
        parts.append(f'<section id="{key}"><h2>{escape(title)}</h2>{body}</section>')
    nav = "".join(f'<a href="#{k}">{escape(t.split(":")[0])}</a>' for k, t in TITLES.items())
    missing = "".join(f"<li>{escape(m)}</li>" for m in report.get("missing") or [])
    notes = f'<section id="missing"><h2>What is missing</h2><ul>{missing}</ul></section>' if missing else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f'<title>corpusforge report: {escape(report.get("output", ""))}</title><style>{CSS}</style></head><body>'
            f'<header><h1>corpusforge run report</h1><p>{escape(report.get("output", ""))} · phases: '
            f'{escape(", ".join(report.get("phases") or []) or "none")} · generated {escape(report.get("generated_at", ""))}'
            f' · {escape(report.get("schema", ""))} (same numbers in report.json)</p></header>'
            f'<nav>{nav}</nav><main>{key_figures(report["sections"])}{notes}{"".join(parts)}</main></body></html>')
