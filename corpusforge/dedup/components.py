"""Connected components of the candidate graph, partitioned: large-star / small-star.

Union-find needs every edge in one process. Instead we use the alternating large-star
and small-star rounds of Kiveris et al., "Connected Components in MapReduce and Beyond"
(SoCC 2014): in each round, every node looks only at its own neighbours, so the edges
can be split by node over any number of independent tasks, and each task's memory is
its share of the edges. The graph converges to one star per component centred on the
component's smallest node in O(log^2 n) rounds (a handful in practice).

Node keys carry the keep priority in their high bits (see ``phase``), so "the smallest
node" is exactly the document to keep. Edges travel between rounds as directed pairs
``src -> dst`` in both directions, sorted by a hash slot of ``src``; a task takes a
contiguous range of slots.
"""

from __future__ import annotations

import numpy as np

from corpusforge.dedup.minhash import fmix64

SLOT_BITS = 12
SLOTS = 1 << SLOT_BITS


def slot_of(keys: np.ndarray) -> np.ndarray:
    """The hash slot (0 .. SLOTS-1) of each node key; balanced whatever the keys."""
    h = fmix64(keys.astype(np.uint64, copy=True))
    return (h >> np.uint64(64 - SLOT_BITS)).astype(np.int64)


def slot_range(part: int, parts: int) -> tuple[int, int]:
    return part * SLOTS // parts, (part + 1) * SLOTS // parts


def unique_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (a, b) pairs, sorted by a then b."""
    if len(a) == 0:
        return a, b
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    keep = np.empty(len(a), dtype=bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    keep[1:] |= b[1:] != b[:-1]
    return a[keep], b[keep]


def both_directions_by_slot(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undirected edges {a, b} as directed (src, dst) rows sorted by slot of src, and the
    slot offsets (length SLOTS + 1) for slicing."""
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    slots = slot_of(src)
    order = np.argsort(slots, kind="stable")
    edges = np.empty((len(src), 2), dtype=np.uint64)
    edges[:, 0] = src[order]
    edges[:, 1] = dst[order]
    offsets = np.searchsorted(slots[order], np.arange(SLOTS + 1), side="left").astype(np.int64)
    return edges, offsets


def _groups(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Dedup directed edges, drop self loops; (src, dst, group starts, node, min neighbour)."""
    keep = src != dst
    src, dst = unique_pairs(src[keep], dst[keep])
    if len(src) == 0:
        empty = np.empty(0, dtype=np.uint64)
        return src, dst, np.empty(0, dtype=np.int64), empty, empty
    starts = np.flatnonzero(np.concatenate(([True], src[1:] != src[:-1])))
    return src, dst, starts, src[starts], dst[starts]  # dst sorted within a group: first is min


def violations(src: np.ndarray, dst: np.ndarray) -> int:
    """Nodes not yet in final form (a root with only larger neighbours, or a leaf with
    exactly one, smaller, neighbour). Zero means every component is a star on its min."""
    src, dst, starts, nodes, mins = _groups(src, dst)
    return _violations(starts, len(src), nodes, mins)


def _violations(starts: np.ndarray, n_edges: int, nodes: np.ndarray, mins: np.ndarray) -> int:
    if len(nodes) == 0:
        return 0
    degree = np.diff(np.append(starts, n_edges))
    ok = (mins > nodes) | ((degree == 1) & (mins < nodes))
    return int(np.count_nonzero(~ok))


def star_round(src: np.ndarray, dst: np.ndarray, large: bool) -> tuple[np.ndarray, np.ndarray, int]:
    """One large-star (``large``) or small-star round over the complete neighbourhoods of
    the nodes in ``src``. Returns the new undirected edges (lo, hi) and how many nodes of
    the input were not in final form."""
    src, dst, starts, nodes, mins = _groups(src, dst)
    bad = _violations(starts, len(src), nodes, mins)
    if len(src) == 0:
        return src, dst, bad
    sizes = np.diff(np.append(starts, len(src)))
    node_min = np.repeat(np.minimum(mins, nodes), sizes)  # min of the closed neighbourhood
    if large:
        # every neighbour larger than the node is linked to the node's neighbourhood min
        sel = dst > src
        lo, hi = node_min[sel], dst[sel]
    else:
        # every smaller neighbour (and the node itself) is linked to the min of those
        sel = dst < src
        lo = node_min[sel]
        hi = dst[sel]
        has_smaller = mins < nodes
        lo = np.concatenate([lo, mins[has_smaller]])
        hi = np.concatenate([hi, nodes[has_smaller]])
    keep = lo != hi
    lo, hi = lo[keep], hi[keep]
    lo, hi = np.minimum(lo, hi), np.maximum(lo, hi)
    lo, hi = unique_pairs(lo, hi)
    return lo, hi, bad


def star_members(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """From converged edges: (member, root, cluster size) for every root found in ``src``,
    the root itself included."""
    src, dst, starts, nodes, mins = _groups(src, dst)
    if len(src) == 0:
        empty = np.empty(0, dtype=np.uint64)
        return empty, empty, np.empty(0, dtype=np.int64)
    sizes = np.diff(np.append(starts, len(src)))
    is_root = mins > nodes
    edge_root = np.repeat(is_root, sizes)
    members = np.concatenate([dst[edge_root], nodes[is_root]])
    roots = np.concatenate([src[edge_root], nodes[is_root]])
    size = np.concatenate([np.repeat(sizes[is_root] + 1, sizes[is_root]), sizes[is_root] + 1])
    return members, roots, size.astype(np.int64)
