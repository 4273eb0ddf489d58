"""The LSH S-curve: how likely a pair of a given Jaccard similarity becomes a candidate.

With ``b`` bands of ``r`` rows, two documents of Jaccard similarity ``j`` agree on one
band with probability ``j^r`` and share at least one band with probability
``1 - (1 - j^r)^b``. The threshold we quote is where that probability is 0.5.
"""

from __future__ import annotations

from typing import Iterable


def detection_probability(jaccard: float, bands: int, rows: int) -> float:
    """Probability that a pair of similarity ``jaccard`` shares at least one band."""
    if not 0.0 <= jaccard <= 1.0:
        raise ValueError(f"jaccard must be in [0, 1], got {jaccard}")
    return 1.0 - (1.0 - jaccard ** rows) ** bands


def threshold(bands: int, rows: int) -> float:
    """The similarity detected with probability 0.5: ``(1 - 0.5^(1/b))^(1/r)``."""
    return (1.0 - 0.5 ** (1.0 / bands)) ** (1.0 / rows)


def scurve_table(bands: int, rows: int, points: Iterable[float] = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
                 ) -> list[tuple[float, float]]:
    """(jaccard, detection probability) rows for a README or a preset comment."""
    return [(j, detection_probability(j, bands, rows)) for j in points]
