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
from typing import Any, Callable, Iterable, Sequence

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


RankChunks = Callable[[], Iterable[tuple[np.ndarray, np.ndarray, "np.ndarray | None"]]]
DIGIT_BITS = 16
COLLECT_LIMIT = 1 << 18  # documents held at once (~20 MB) when the cut is found among them


def ranked_values(values: np.ndarray) -> np.ndarray:
    """Preferred values as ranked: a missing one (NaN) below every other."""
    return np.where(np.isnan(values), -np.inf, np.asarray(values, np.float64))


def rank_key(u: np.ndarray, values: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """The remainder ranking as two uint64 keys, compared (high, low): the preferred value
    descending (missing last; all equal without a preference), then the id hash ascending."""
    u = np.asarray(u, np.uint64)
    if values is None:
        return np.zeros(len(u), np.uint64), u
    v = ranked_values(values) + 0.0  # -0.0 == 0.0
    bits = v.view(np.uint64)
    ascending = np.where(bits >> np.uint64(63), ~bits, bits | np.uint64(1 << 63))
    return ~ascending, u


def set_remainder_cut(plan: GroupPlan, u: np.ndarray, tokens: np.ndarray, values: np.ndarray | None = None) -> None:
    """``find_remainder_cut`` over documents held in memory."""
    find_remainder_cut(plan, lambda: [(u, tokens, values)])


def find_remainder_cut(plan: GroupPlan, chunks: RankChunks, limit: int = COLLECT_LIMIT) -> None:
    """The (value, u) cut that selects the documents of the remainder share.

    Documents are ranked by ``rank_key``; the cut is the last document needed to reach
    ``fraction`` of the group's tokens. ``chunks()`` yields the group's documents as
    ``(u, tokens, values)`` arrays and is read several times: a radix selection narrows
    the key range 16 bits per pass (token histograms) until at most ``limit`` documents
    are left, which are then sorted. Memory stays bounded whatever the group's size."""
    if plan.fraction <= 0 or plan.documents == 0:
        return
    need = plan.fraction * float(plan.tokens) - 1e-9
    hi_bits = 64 if plan.prefer is None else 0  # key bits fixed so far: 0..128
    prefix_hi = prefix_lo = np.uint64(0)
    before = 0.0  # tokens of the documents ranked before the key range
    candidates = plan.documents
    while candidates > limit and hi_bits < 128:
        hist = np.zeros(1 << DIGIT_BITS, np.float64)
        count = np.zeros(1 << DIGIT_BITS, np.int64)
        for u, tokens, values in chunks():
            hi, lo = rank_key(u, values)
            sel = _in_range(hi, lo, hi_bits, prefix_hi, prefix_lo)
            digit = _digit(hi[sel], lo[sel], hi_bits)
            hist += np.bincount(digit, weights=np.asarray(tokens, np.float64)[sel], minlength=len(hist))
            count += np.bincount(digit, minlength=len(count))
        cum = before + np.cumsum(hist)
        d = int(min(np.searchsorted(cum, need), np.flatnonzero(count).max()))
        before = float(cum[d - 1]) if d else before
        candidates = int(count[d])
        prefix_hi, prefix_lo = _extend(prefix_hi, prefix_lo, hi_bits, d)
        hi_bits += DIGIT_BITS
    keys_hi, keys_lo, toks, vals, us = [], [], [], [], []
    for u, tokens, values in chunks():
        hi, lo = rank_key(u, values)
        sel = _in_range(hi, lo, hi_bits, prefix_hi, prefix_lo)
        keys_hi.append(hi[sel])
        keys_lo.append(lo[sel])
        toks.append(np.asarray(tokens, np.float64)[sel])
        us.append(np.asarray(u, np.uint64)[sel])
        vals.append(np.zeros(int(sel.sum())) if values is None else
                    ranked_values(values)[sel])
    hi, lo = np.concatenate(keys_hi), np.concatenate(keys_lo)
    order = np.lexsort((lo, hi))
    cum = before + np.cumsum(np.concatenate(toks)[order])
    last = order[int(min(np.searchsorted(cum, need), len(order) - 1))]
    plan.cut_value = float(np.concatenate(vals)[last])
    plan.cut_u = int(np.concatenate(us)[last])


def _in_range(hi: np.ndarray, lo: np.ndarray, bits: int, prefix_hi: np.uint64, prefix_lo: np.uint64) -> np.ndarray:
    """Keys whose first ``bits`` bits are those of the prefix."""
    if bits == 0:
        return np.ones(len(hi), bool)
    if bits <= 64:
        return (hi >> np.uint64(64 - bits)) == (prefix_hi >> np.uint64(64 - bits))
    same_hi = hi == prefix_hi
    return same_hi if bits == 64 else same_hi & ((lo >> np.uint64(128 - bits)) == (prefix_lo >> np.uint64(128 - bits)))


def _digit(hi: np.ndarray, lo: np.ndarray, bits: int) -> np.ndarray:
    """The 16 key bits after the first ``bits``."""
    word, at = (hi, bits) if bits < 64 else (lo, bits - 64)
    return ((word >> np.uint64(64 - DIGIT_BITS - at)) & np.uint64((1 << DIGIT_BITS) - 1)).astype(np.intp)


def _extend(prefix_hi: np.uint64, prefix_lo: np.uint64, bits: int, digit: int) -> tuple[np.uint64, np.uint64]:
    if bits < 64:
        return prefix_hi | np.uint64(digit << (64 - DIGIT_BITS - bits)), prefix_lo
    return prefix_hi, prefix_lo | np.uint64(digit << (128 - DIGIT_BITS - bits))


def copies(plan: GroupPlan, u: np.ndarray, values: np.ndarray | None = None) -> np.ndarray:
    """Copies of each document of the group (``u``: their seeded id hashes, uint64)."""
    out = np.full(len(u), plan.whole, dtype=np.int64)
    if plan.fraction <= 0 or plan.cut_u is None or plan.cut_value is None:
        return out
    vals = np.zeros(len(u)) if plan.prefer is None or values is None else ranked_values(values)
    extra = (vals > plan.cut_value) | ((vals == plan.cut_value) & (u <= np.uint64(plan.cut_u)))
    return out + extra.astype(np.int64)
