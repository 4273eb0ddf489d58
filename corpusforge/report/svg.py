"""Small inline SVG plots (bars, histogram with a threshold, heat map): no JavaScript, no fonts to fetch.

Each function returns ``Svg``, a string that notebooks display as an image.
"""

from __future__ import annotations

from html import escape
from typing import Sequence

WIDTH = 560
BAR_H = 18
FONT = "font-family:system-ui,'Noto Sans CJK JP',sans-serif;font-size:12px"
BAR = "#3b6ea5"
ALT = "#d9822b"
MARK = "#c0392b"


class Svg(str):
    """An SVG document; Jupyter shows it as an image."""

    def _repr_svg_(self) -> str:
        return str(self)


def _fmt(v: float) -> str:
    if isinstance(v, int) or float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}"


def _svg(width: int, height: int, body: list[str], title: str) -> Svg:
    return Svg(f'<svg class="plot" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               f'viewBox="0 0 {width} {height}" role="img" style="{FONT}"><title>{escape(title)}</title>'
               + "".join(body) + "</svg>")


def _clip(label: str, n: int) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def bars(labels: Sequence[str], values: Sequence[float], title: str = "", second: Sequence[float] | None = None,
         legend: tuple[str, str] = ("", "")) -> Svg:
    """Horizontal bars, one row per label (optionally a second, thinner series below each bar)."""
    label_w, value_w = 190, 80
    plot_w = WIDTH - label_w - value_w
    top = 22 if any(legend) else 6
    row = BAR_H + (8 if second is not None else 4)
    height = top + row * len(labels) + 6
    vmax = max([*values, *(second or []), 0]) or 1
    body = []
    if any(legend):
        body.append(f'<rect x="{label_w}" y="4" width="10" height="10" fill="{BAR}"/>'
                    f'<text x="{label_w + 14}" y="13">{escape(legend[0])}</text>')
        if second is not None:
            body.append(f'<rect x="{label_w + 160}" y="4" width="10" height="10" fill="{ALT}"/>'
                        f'<text x="{label_w + 174}" y="13">{escape(legend[1])}</text>')
    for i, (lab, v) in enumerate(zip(labels, values)):
        y = top + i * row
        w = max(plot_w * v / vmax, 1 if v else 0)
        h = BAR_H - 6 if second is not None else BAR_H - 2
        body.append(f'<text x="{label_w - 6}" y="{y + 13}" text-anchor="end">{escape(_clip(str(lab), 28))}'
                    f'<title>{escape(str(lab))}</title></text>'
                    f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{h}" fill="{BAR}"/>'
                    f'<text x="{label_w + w + 4:.1f}" y="{y + 12}">{_fmt(v)}</text>')
        if second is not None:
            s = second[i]
            body.append(f'<rect class="bar" x="{label_w}" y="{y + h}" width="{max(plot_w * s / vmax, 1 if s else 0):.1f}" '
                        f'height="5" fill="{ALT}"/>')
    return _svg(WIDTH, height, body, title)


def histogram(left: Sequence[float], right: Sequence[float], counts: Sequence[int], title: str = "",
              markers: Sequence[tuple[float, str]] = ()) -> Svg:
    """Bars over equal bins, with vertical threshold lines ``(value, label)`` inside the range."""
    pad_l, pad_r, pad_t, pad_b = 48, 12, 18, 34
    height = 190
    pw, ph = WIDTH - pad_l - pad_r, height - pad_t - pad_b
    lo, hi = (left[0], right[-1]) if left else (0.0, 1.0)
    span = (hi - lo) or 1.0
    cmax = max(counts, default=0) or 1
    body = [f'<line x1="{pad_l}" y1="{pad_t + ph}" x2="{pad_l + pw}" y2="{pad_t + ph}" stroke="#888"/>',
            f'<text x="{pad_l - 4}" y="{pad_t + 8}" text-anchor="end">{_fmt(cmax)}</text>',
            f'<text x="{pad_l - 4}" y="{pad_t + ph}" text-anchor="end">0</text>']
    for lft, rgt, c in zip(left, right, counts):
        x = pad_l + pw * (lft - lo) / span
        w = max(pw * (rgt - lft) / span - 1, 1)
        h = ph * c / cmax
        body.append(f'<rect class="bar" x="{x:.1f}" y="{pad_t + ph - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
                    f'fill="{BAR}"><title>{_fmt(lft)} – {_fmt(rgt)}: {c:,}</title></rect>')
    for v, anchor in ((lo, "start"), (lo + span / 2, "middle"), (hi, "end")):
        x = pad_l + pw * (v - lo) / span
        body.append(f'<text x="{x:.1f}" y="{pad_t + ph + 14}" text-anchor="{anchor}">{_fmt(round(v, 4))}</text>')
    for k, (value, label) in enumerate(markers):
        if not lo <= value <= hi:
            continue
        x = pad_l + pw * (value - lo) / span
        anchor = "end" if x > pad_l + pw * 0.7 else "start"
        dx = -4 if anchor == "end" else 4
        body.append(f'<line class="threshold" x1="{x:.1f}" y1="{pad_t - 6}" x2="{x:.1f}" y2="{pad_t + ph}" '
                    f'stroke="{MARK}" stroke-width="2" stroke-dasharray="4 2"/>'
                    f'<text x="{x + dx:.1f}" y="{pad_t + 2 + 12 * k}" fill="{MARK}" text-anchor="{anchor}">'
                    f'{escape(label)}</text>')
    return _svg(WIDTH, height, body, title)


def heatmap(rows: Sequence[str], cols: Sequence[str], values: Sequence[Sequence[float]], title: str = "") -> Svg:
    """A matrix of counts as shaded cells with the number written in each."""
    label_w, head_h, cell_h = 130, 80, 20
    cell_w = max(min((WIDTH - label_w) // max(len(cols), 1), 70), 28)
    width = label_w + cell_w * len(cols) + 70  # room for the last rotated column label
    height = head_h + cell_h * len(rows) + 4
    vmax = max((v for r in values for v in r), default=0) or 1
    body = []
    for j, c in enumerate(cols):
        x = label_w + j * cell_w + cell_w / 2
        body.append(f'<text transform="translate({x:.1f},{head_h - 4}) rotate(-45)">{escape(_clip(str(c), 14))}</text>')
    for i, r in enumerate(rows):
        y = head_h + i * cell_h
        body.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{escape(_clip(str(r), 18))}</text>')
        for j, v in enumerate(values[i]):
            a = 0.08 + 0.92 * (v / vmax) if v else 0.0
            body.append(f'<rect class="cell" x="{label_w + j * cell_w}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}" '
                        f'fill="{BAR}" fill-opacity="{a:.2f}" stroke="#eee"><title>{escape(str(r))} × '
                        f'{escape(str(cols[j]))}: {_fmt(v)}</title></rect>')
            if v:
                color = "#fff" if a > 0.55 else "#222"
                body.append(f'<text x="{label_w + j * cell_w + cell_w / 2:.1f}" y="{y + 14}" text-anchor="middle" '
                            f'fill="{color}" style="font-size:10px">{_fmt(v)}</text>')
    return _svg(width, height, body, title)
