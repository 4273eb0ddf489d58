"""A mixture: document groups chosen by columns, each with a target share or a multiplicity.

A mixture file (YAML, shipped presets ``filters/mixture_*.yaml``) has a ``mixture:``
mapping. Groups are tried in order; a document belongs to the first whose ``where``
holds; the last group has no ``where`` and takes the rest (the catch-all). Conditions
on one column: a list of values, a numeric range ``{min, max}`` (min inclusive, max
exclusive) or host suffixes ``{suffix: [go.jp, …]}`` (the host or any subdomain).
A document without a value a condition needs (a missing column, or null) does not
match that group and is counted; it goes on to the next groups. Conditions are
evaluated with pyarrow, which is safe in forked worker processes (polars is not).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from corpusforge.resources import data_dir

GROUP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
RESERVED_NAMES = ("stats", "export")  # directories of the shard output beside the group directories
SHARE_TOLERANCE = 1e-6
DEFAULT_MAX_EPOCHS = 4.0  # Muennighoff et al. 2023: up to ~4 repetitions are worth nearly as much as fresh data
_MIXTURE_KEYS = {"seed", "max_epochs", "total_tokens", "allow_shortfall", "materialize", "train_tokens",
                 "max_shard_tokens", "text_column", "id_column", "missing_columns", "groups", "description"}
_GROUP_KEYS = {"name", "where", "share", "multiplicity", "max_epochs", "prefer", "description"}


class MixtureError(ValueError):
    """An invalid mixture, or one the data cannot meet; the message names the group and numbers."""


@dataclass(frozen=True)
class Condition:
    """One column test: ``values`` (membership), ``min`` / ``max`` (range) or ``suffixes`` (hosts)."""

    column: str
    values: tuple[Any, ...] | None = None
    min: float | None = None
    max: float | None = None
    suffixes: tuple[str, ...] | None = None

    @classmethod
    def parse(cls, column: str, spec: Any, where: str) -> "Condition":
        if isinstance(spec, list):
            if not spec:
                raise MixtureError(f"{where}: {column}: empty value list")
            return cls(column, values=tuple(spec))
        if isinstance(spec, (str, int, float, bool)):
            return cls(column, values=(spec,))
        if isinstance(spec, Mapping):
            unknown = set(spec) - {"min", "max", "suffix"}
            if unknown or not spec:
                raise MixtureError(f"{where}: {column}: expected a value list, {{min, max}} or {{suffix: [...]}}, "
                                   f"got keys {sorted(spec)}")
            if "suffix" in spec:
                suf = spec["suffix"]
                suf = [suf] if isinstance(suf, str) else list(suf or [])
                if not suf or set(spec) != {"suffix"}:
                    raise MixtureError(f"{where}: {column}: suffix needs a non-empty list and nothing else")
                return cls(column, suffixes=tuple(s.lower().lstrip(".") for s in suf))
            lo, hi = spec.get("min"), spec.get("max")
            for v in (lo, hi):
                if v is not None and not isinstance(v, (int, float)):
                    raise MixtureError(f"{where}: {column}: min / max must be numbers")
            if lo is not None and hi is not None and lo >= hi:
                raise MixtureError(f"{where}: {column}: min {lo} is not below max {hi}")
            return cls(column, min=lo, max=hi)
        raise MixtureError(f"{where}: {column}: unsupported condition {spec!r}")

    def evaluate(self, column: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
        """(holds, missing) per row: missing where the value is null (or NaN for a range)."""
        missing = np.asarray(column.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        if self.values is not None:
            hit = _member(column, self.values)
        elif self.suffixes is not None:
            host = pc.utf8_lower(pc.cast(column, pa.string(), safe=False))
            acc = np.zeros(len(column), dtype=bool)
            for suffix in self.suffixes:
                acc |= _bools(pc.or_(pc.equal(host, suffix), pc.ends_with(host, "." + suffix)))
            hit = acc
        else:
            try:
                values = np.asarray(pc.cast(column, pa.float64(), safe=False).to_numpy(zero_copy_only=False),
                                    dtype=np.float64)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                values = np.full(len(column), np.nan)  # not numeric: no value a range can test
            missing |= np.isnan(values)
            hit = ~missing
            if self.min is not None:
                hit &= values >= self.min
            if self.max is not None:
                hit &= values < self.max
        return hit & ~missing, missing


def _bools(array: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _member(column: pa.ChunkedArray | pa.Array, values: tuple[Any, ...]) -> np.ndarray:
    """Membership; values and column compared as strings when their types differ."""
    try:
        return _bools(pc.is_in(column, value_set=pa.array(list(values)).cast(column.type)))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        as_text = pc.cast(column, pa.string(), safe=False)
        return _bools(pc.is_in(as_text, value_set=pa.array([str(v) for v in values])))


@dataclass(frozen=True)
class MixtureGroup:
    """A group of documents and what the mixture does with it."""

    name: str
    where: tuple[Condition, ...] = ()
    share: float | None = None
    multiplicity: float | None = None
    max_epochs: float = DEFAULT_MAX_EPOCHS
    prefer: str | None = None

    @property
    def columns(self) -> set[str]:
        cols = {c.column for c in self.where}
        return cols | ({self.prefer} if self.prefer else set())


@dataclass(frozen=True)
class Mixture:
    """Groups in match order (the last is the catch-all) and the settings of the shard phase."""

    name: str
    groups: tuple[MixtureGroup, ...]
    seed: int = 0
    total_tokens: int | None = None
    train_tokens: int | None = None
    allow_shortfall: bool = False
    materialize: bool = False
    max_shard_tokens: int = 1 << 30
    text_column: str = "text"
    id_column: str = "id"
    missing_columns: str = "warn"
    source: str = ""
    by_share: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_share", any(g.share is not None for g in self.groups))

    @property
    def columns(self) -> set[str]:
        return set().union(*(g.columns for g in self.groups))

    @classmethod
    def load(cls, name_or_path: str | Path) -> "Mixture":
        """A mixture by file path or by shipped preset name (``default`` -> ``filters/mixture_default.yaml``)."""
        import yaml

        p = Path(name_or_path)
        if not p.is_file():
            shipped = data_dir("filters") / f"mixture_{name_or_path}.yaml"
            if p.suffix in (".yaml", ".yml") or not shipped.is_file():
                known = sorted(q.stem.removeprefix("mixture_") for q in data_dir("filters").glob("mixture_*.yaml"))
                raise MixtureError(f"no mixture file {str(name_or_path)!r} and no shipped mixture of that name "
                                   f"(shipped: {', '.join(known)})")
            p = shipped
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as e:
            raise MixtureError(f"{p}: cannot read the mixture: {e}") from None
        if not isinstance(data, Mapping) or not isinstance(data.get("mixture"), Mapping):
            raise MixtureError(f"{p}: expected a top-level 'mixture:' mapping")
        return cls.from_mapping(data["mixture"], name=p.stem.removeprefix("mixture_"), source=str(p))

    @classmethod
    def from_mapping(cls, d: Mapping[str, Any], name: str = "mixture", source: str = "") -> "Mixture":
        where = source or name
        unknown = sorted(set(d) - _MIXTURE_KEYS)
        if unknown:
            raise MixtureError(f"{where}: unknown mixture key(s) {', '.join(unknown)}; known: "
                               f"{', '.join(sorted(_MIXTURE_KEYS))}")
        max_epochs = float(d.get("max_epochs", DEFAULT_MAX_EPOCHS))
        raw = d.get("groups")
        if not isinstance(raw, list) or not raw:
            raise MixtureError(f"{where}: 'groups' must be a non-empty list")
        groups = tuple(_parse_group(g, i, where, max_epochs) for i, g in enumerate(raw))
        names = [g.name for g in groups]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise MixtureError(f"{where}: group name(s) used twice: {', '.join(dup)}")
        if groups[-1].where:
            raise MixtureError(f"{where}: the last group ({groups[-1].name!r}) must have no 'where': it is the "
                               f"catch-all that takes every document no other group matched")
        catch_alls = [g.name for g in groups[:-1] if not g.where]
        if catch_alls:
            raise MixtureError(f"{where}: only the last group may lack 'where' (also: {', '.join(catch_alls)})")
        with_share = [g.name for g in groups if g.share is not None]
        if with_share and len(with_share) != len(groups):
            missing = [g.name for g in groups if g.share is None]
            raise MixtureError(f"{where}: give every group a 'share' or every group a 'multiplicity' "
                               f"(no share: {', '.join(missing)})")
        if with_share:
            total = sum(g.share or 0.0 for g in groups)
            if abs(total - 1.0) > SHARE_TOLERANCE:
                raise MixtureError(f"{where}: group shares sum to {total:.6g}, not 1 "
                                   f"({', '.join(f'{g.name}={g.share}' for g in groups)})")
        missing_columns = str(d.get("missing_columns", "warn"))
        if missing_columns not in ("warn", "error"):
            raise MixtureError(f"{where}: missing_columns must be 'warn' or 'error'")
        total_tokens = _positive_int(d.get("total_tokens"), "total_tokens", where)
        train_tokens = _positive_int(d.get("train_tokens"), "train_tokens", where)
        max_shard = _positive_int(d.get("max_shard_tokens", 1 << 30), "max_shard_tokens", where)
        return cls(name=name, groups=groups, seed=int(d.get("seed", 0)), total_tokens=total_tokens,
                   train_tokens=train_tokens, allow_shortfall=bool(d.get("allow_shortfall", False)),
                   materialize=bool(d.get("materialize", False)), max_shard_tokens=int(max_shard or 1 << 30),
                   text_column=str(d.get("text_column", "text")), id_column=str(d.get("id_column", "id")),
                   missing_columns=missing_columns, source=source)

    def with_overrides(self, **changes: Any) -> "Mixture":
        """A copy with some settings replaced (command-line overrides)."""
        from dataclasses import replace

        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "source": self.source, "seed": self.seed, "total_tokens": self.total_tokens,
            "train_tokens": self.train_tokens, "allow_shortfall": self.allow_shortfall,
            "materialize": self.materialize, "max_shard_tokens": self.max_shard_tokens,
            "groups": [{"name": g.name, "where": [c.__dict__ for c in g.where], "share": g.share,
                        "multiplicity": g.multiplicity, "max_epochs": g.max_epochs, "prefer": g.prefer}
                       for g in self.groups],
        }

    def assign(self, table: pa.Table) -> tuple[np.ndarray, dict[str, int]]:
        """Group index of every row, and counts of ``missing.<group>.<column>`` (no value for a condition)."""
        n = table.num_rows
        present = set(table.column_names)
        group = np.full(n, len(self.groups) - 1, dtype=np.int16)
        open_rows = np.ones(n, dtype=bool)
        counts: dict[str, int] = {}
        for gi, g in enumerate(self.groups[:-1]):
            hit = np.ones(n, dtype=bool)
            for cond in g.where:
                key = f"missing.{g.name}.{cond.column}"
                if cond.column not in present:
                    counts[key] = counts.get(key, 0) + int((open_rows & hit).sum())
                    hit[:] = False
                    continue
                holds, missing = cond.evaluate(table[cond.column])
                lost = int((missing & open_rows & hit).sum())
                if lost:
                    counts[key] = counts.get(key, 0) + lost
                hit &= holds
            take = hit & open_rows
            group[take] = gi
            open_rows &= ~take
        return group, counts


def _parse_group(g: Any, i: int, where: str, max_epochs: float) -> MixtureGroup:
    if not isinstance(g, Mapping):
        raise MixtureError(f"{where}: group {i + 1} is not a mapping")
    name = str(g.get("name", ""))
    at = f"{where}: group {name or i + 1}"
    if not GROUP_NAME.match(name):
        raise MixtureError(f"{at}: a group needs a 'name' of letters, digits, '_' or '-' (it names its shard files)")
    if name in RESERVED_NAMES:
        raise MixtureError(f"{at}: the names {', '.join(RESERVED_NAMES)} are taken by the shard output's directories")
    unknown = sorted(set(g) - _GROUP_KEYS)
    if unknown:
        raise MixtureError(f"{at}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_GROUP_KEYS))}")
    w = g.get("where") or {}
    if not isinstance(w, Mapping):
        raise MixtureError(f"{at}: 'where' must map column names to conditions")
    conds = tuple(Condition.parse(str(col), spec, at) for col, spec in w.items())
    share, mult = g.get("share"), g.get("multiplicity")
    if (share is None) == (mult is None):
        raise MixtureError(f"{at}: give exactly one of 'share' (of the output tokens) or 'multiplicity'")
    for label, v in (("share", share), ("multiplicity", mult)):
        if v is not None and (not isinstance(v, (int, float)) or v < 0 or math.isnan(v)):
            raise MixtureError(f"{at}: {label} must be a number >= 0, got {v!r}")
    if share is not None and share > 1:
        raise MixtureError(f"{at}: share {share} is above 1")
    epochs = float(g.get("max_epochs", max_epochs))
    if epochs <= 0:
        raise MixtureError(f"{at}: max_epochs must be above 0")
    prefer = g.get("prefer")
    return MixtureGroup(name=name, where=conds, share=None if share is None else float(share),
                        multiplicity=None if mult is None else float(mult), max_epochs=epochs,
                        prefer=str(prefer) if prefer else None)


def _positive_int(v: Any, key: str, where: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v <= 0:
        raise MixtureError(f"{where}: {key} must be a positive number, got {v!r}")
    return int(v)
