"""What the report reads from a run directory, each read tolerant of a killed, old or empty run.

Every reader returns the data or ``None`` and appends a one-line note to ``missing``
saying what is absent and why, so the report can say so instead of failing.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

from corpusforge.io.atomic import atomic_write_text
from corpusforge.stats import SCHEMA as STATS_SCHEMA
from corpusforge.stats import Stats

RUN_INFO = "run.json"
RUN_INFO_SCHEMA = "corpusforge.run/1"
VERSIONED_PACKAGES = ("corpusforge", "polars", "pyarrow", "trafilatura", "fasttext-wheel", "mecab-python3",
                      "unidic-lite", "datasketch", "numpy")

# Where each phase's merged stats live (the dedup-apply phase writes under OUT/deduped/).
STATS_DIRS = ("stats", "deduped/stats")
# Files of OUT/stats/ that are not stage stats, or may not be (the shard phase's mixture table).
OTHER_STATS = {RUN_INFO}
MAYBE_STAGE_STATS = {"shard"}


def versions() -> dict[str, str]:
    """Python and the versions of the packages that decide the output."""
    out = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


def write_run_info(out: str | Path, config: dict[str, Any], phases: dict[str, float], argv: list[str]) -> None:
    """``OUT/stats/run.json``: the config, command line, versions and wall seconds per phase of a run."""
    info = {"schema": RUN_INFO_SCHEMA, "argv": argv, "config": config, "versions": versions(),
            "phase_wall_seconds": {k: round(v, 3) for k, v in phases.items()}}
    atomic_write_text(Path(out) / "stats" / RUN_INFO, json.dumps(info, ensure_ascii=False, indent=1, default=str))


def read_json(path: Path, missing: list[str]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as e:
        missing.append(f"{path.name}: unreadable ({type(e).__name__}: {e}); a run killed while writing it?")
        return None


def read_run_info(out: Path, missing: list[str]) -> dict[str, Any] | None:
    info = read_json(out / "stats" / RUN_INFO, missing)
    if info is None:
        return None
    if not isinstance(info, dict) or info.get("schema") != RUN_INFO_SCHEMA:
        missing.append(f"stats/{RUN_INFO}: schema {info.get('schema') if isinstance(info, dict) else None!r}, "
                       f"expected {RUN_INFO_SCHEMA}: not used")
        return None
    return info


def _from_parts(out: Path, base: str, phase: str, missing: list[str]) -> Stats | None:
    """Totals from the per-file stats of a phase that did not write its merged file (killed)."""
    parts = []
    for f in sorted((out / base / phase / "files").glob("*.json")):
        try:
            parts.append(Stats.load(f))
        except (OSError, ValueError, KeyError, TypeError):
            missing.append(f"{base}/{phase}/files/{f.name}: unreadable or not {STATS_SCHEMA}: left out")
    if not parts:
        return None
    missing.append(f"{base}/{phase}.json is missing: the {phase} phase did not finish; its numbers are "
                   f"the {len(parts)} input file(s) it finished")
    return Stats.merged(phase, parts)


def read_phase_stats(out: Path, missing: list[str]) -> dict[str, Stats]:
    """Merged stats per phase, in the order the phases ran (extract first)."""
    found: dict[str, Stats] = {}
    for base in STATS_DIRS:
        d = out / base
        if not d.is_dir():
            continue
        names = {p.stem for p in d.glob("*.json") if p.name not in OTHER_STATS}
        names |= {p.name for p in d.iterdir() if p.is_dir() and (p / "files").is_dir()}
        for phase in sorted(names):
            raw = read_json(d / f"{phase}.json", missing)
            stats = None
            if raw is not None:
                try:
                    stats = Stats.from_dict(raw)
                except (ValueError, KeyError, TypeError, AttributeError):
                    if phase in MAYBE_STAGE_STATS:
                        continue
                    schema = raw.get("schema") if isinstance(raw, dict) else None
                    missing.append(f"{base}/{phase}.json: schema {schema!r}, expected {STATS_SCHEMA}: not used "
                                   f"(re-run the phase with this version to refresh it)")
            if stats is None:
                stats = _from_parts(out, base, phase, missing)
            if stats is not None:
                found[phase] = stats
    order = ["extract", "dedup", "dedup_apply", "shard"]
    return dict(sorted(found.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))

