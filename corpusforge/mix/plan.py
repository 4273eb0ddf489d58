"""From group sizes to multiplicities, and from multiplicities to copies of each document.

A group's multiplicity ``m`` is the number of times its tokens appear in the output
(0.3 thins it to 30%, 2.5 repeats it). A document gets ``floor(m)`` copies plus one
more for a ``m - floor(m)`` share of the group's tokens: the documents in the order of
their seeded id hash ``u`` until that share is reached or, when the group prefers a
column (``prefer: edu_score``), the documents with the highest values first (ties by
``u``). Both depend only on the document and the group's
totals, so the result is the same for any number of tasks.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np
import xxhash

from corpusforge.mix.mixture import Mixture, MixtureError, MixtureGroup

def doc_hash(doc_id: str, seed: int) -> int:
    """The seeded 64-bit hash of a document id that decides its remainder copy."""
    return xxhash.xxh64_intdigest(doc_id.encode("utf-8", "surrogatepass"), seed=seed)


@dataclass
class GroupPlan:
    """What the mixture asks of one group, given its size before mixing."""

    name: str
    documents: int
    tokens: int
    multiplicity: float
    target_tokens: float
    max_epochs: float
    shortfall_tokens: float = 0.0
    prefer: str | None = None
    # the remainder share: documents ranked at or before (cut_value, cut_u) get one more copy
    cut_value: float | None = None
    cut_u: int | None = None

    @property
    def whole(self) -> int:
        return int(math.floor(self.multiplicity + 1e-12))

    @property
    def fraction(self) -> float:
        return max(0.0, self.multiplicity - self.whole)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_groups(mixture: Mixture, sizes: Sequence[tuple[int, int]]) -> tuple[list[GroupPlan], list[str]]:
    """Multiplicity per group from (documents, tokens) per group; returns (plans, warnings).

    Raises ``MixtureError`` when a group would need more than its ``max_epochs`` or a
    share cannot be met by an empty group, unless the mixture allows a shortfall."""
    warnings: list[str] = []
    before_total = sum(t for _, t in sizes)
    plans: list[GroupPlan] = []
    if mixture.by_share:
        out_total = float(mixture.total_tokens or before_total)
        wanted = [(g, (g.share or 0.0) * out_total) for g in mixture.groups]
    else:
        raw = sum((g.multiplicity or 0.0) * t for g, (_, t) in zip(mixture.groups, sizes))
        scale = (mixture.total_tokens / raw) if mixture.total_tokens and raw else 1.0
        wanted = [(g, (g.multiplicity or 0.0) * scale * t) for g, (_, t) in zip(mixture.groups, sizes)]
    for (g, target), (docs, tokens) in zip(wanted, sizes):
        plans.append(_plan_one(mixture, g, docs, tokens, target, warnings))
    return plans, warnings


def _plan_one(mixture: Mixture, g: MixtureGroup, docs: int, tokens: int, target: float,
              warnings: list[str]) -> GroupPlan:
    if tokens == 0:
        if target > 0:
            msg = (f"group {g.name!r} is empty (no document matched it) but its share asks for "
                   f"{target:,.0f} tokens")
            if not mixture.allow_shortfall:
                raise MixtureError(msg + "; fix its 'where', drop the group, or set allow_shortfall: true")
            warnings.append(msg + " (allow_shortfall: the output is short by that much)")
            return GroupPlan(g.name, 0, 0, 0.0, target, g.max_epochs, shortfall_tokens=target, prefer=g.prefer)
        warnings.append(f"group {g.name!r} is empty: no document matched it")
        return GroupPlan(g.name, 0, 0, 0.0, 0.0, g.max_epochs, prefer=g.prefer)
    m = target / tokens
    if m > g.max_epochs + 1e-9:
        msg = (f"group {g.name!r} needs {m:.2f} epochs ({target:,.0f} target tokens from {tokens:,} tokens in "
               f"{docs:,} documents) but max_epochs is {g.max_epochs:g}")
        if not mixture.allow_shortfall:
            raise MixtureError(msg + "; lower its share or multiplicity, raise max_epochs, or set "
                                     "allow_shortfall: true")
        shortfall = target - g.max_epochs * tokens
        warnings.append(msg + f" (allow_shortfall: capped at {g.max_epochs:g}, short by {shortfall:,.0f} tokens)")
        return GroupPlan(g.name, docs, tokens, g.max_epochs, target, g.max_epochs, shortfall_tokens=shortfall,
                         prefer=g.prefer)
    return GroupPlan(g.name, docs, tokens, m, target, g.max_epochs, prefer=g.prefer)


def set_remainder_cut(plan: GroupPlan, u: np.ndarray, tokens: np.ndarray, values: np.ndarray | None = None) -> None:
    """The (value, u) cut that selects the documents of the remainder share.

    Documents are ranked by the preferred column's value (missing values last; all
    equal without a preference), then by ``u``; the cut is the last document needed
    to reach ``fraction`` of the group's tokens."""
    if plan.fraction <= 0 or len(u) == 0:
        return
    vals = np.zeros(len(u)) if values is None else np.where(np.isnan(values), -np.inf, values)
    order = np.lexsort((u, -vals))  # value descending, then u ascending
    need = plan.fraction * float(tokens.sum())
    cum = np.cumsum(tokens[order].astype(np.float64))
    last = int(min(np.searchsorted(cum, need - 1e-9), len(order) - 1))
    plan.cut_value = float(vals[order[last]])
    plan.cut_u = int(u[order[last]])


def copies(plan: GroupPlan, u: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    """Copies of each document of the group (``u``: their seeded id hashes, uint64)."""
    out = np.full(len(u), plan.whole, dtype=np.int64)
    if plan.fraction <= 0 or plan.cut_u is None or plan.cut_value is None:
        return out
    vals = np.zeros(len(u)) if plan.prefer is None or values is None else np.where(np.isnan(values), -np.inf, values)
    extra = (vals > plan.cut_value) | ((vals == plan.cut_value) & (u <= np.uint64(plan.cut_u)))
    return out + extra.astype(np.int64)
