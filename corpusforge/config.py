"""YAML pipeline configs and presets.

A config is a mapping of sections. The stage sections run in this order:

* ``extract``  — raw WARC record to Japanese text (pre-check, charset, trafilatura, ...)
* ``filters``  — rule filters and line cleanup on the text (the presets of ``filters/``)
* ``annotate`` — per-document annotations for later phases (edu score, MinHash, ...)

Each is a list whose entries are either ``{stage: ClassName, param: value, ...}`` (one
registered stage with its arguments) or ``{preset: NAME}`` (the same section of another
config spliced in place; ``NAME`` is a file path or a shipped preset in ``filters/``).
Other sections (``writer``, ``dedup``, ...) are plain mappings read by their phase.

``include: NAME`` at the top level starts from another config and overrides its
sections. ``load_run_config`` starts every user config from the shipped ``pipeline``
config, so ``--config filters/swallow.yaml`` replaces only the ``filters`` section.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import yaml

from corpusforge.order import PipelineOrderError, check_order
from corpusforge.registry import stage_class, stage_names
from corpusforge.resources import data_dir

STAGE_SECTIONS = ("extract", "filters", "annotate")
#: libyaml's loader when PyYAML was built with it (several times faster than the pure-Python one)
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
OTHER_SECTIONS = ("writer", "dedup", "shards", "report")


class ConfigError(ValueError):
    """An invalid config: the message names the file and what is wrong."""


def resolve_config_path(name: str | Path) -> Path:
    p = Path(name)
    if p.suffix in (".yaml", ".yml") or p.exists():
        if not p.exists():
            raise ConfigError(f"config file not found: {p}")
        return p
    shipped = data_dir("filters") / f"{name}.yaml"
    if shipped.exists():
        return shipped
    known = sorted(q.stem for q in data_dir("filters").glob("*.yaml"))
    raise ConfigError(f"unknown config or preset {str(name)!r}; shipped presets: {', '.join(known)}")


def resolve_data_path(value: str | Path, base: Path | None = None) -> Path:
    """A word list or model path from a config: as given, next to the config, or shipped."""
    p = Path(value)
    if p.is_absolute() or p.exists():
        return p
    for root in filter(None, (base, data_dir("filters"), data_dir("classifiers"), data_dir("classifiers").parent)):
        if (root / p).exists():
            return root / p
    raise ConfigError(f"data file not found: {value}")


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            cfg = yaml.load(f, Loader=_YAML_LOADER) or {}
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML: {e}".replace("\n", " ")) from None
    if not isinstance(cfg, dict):
        raise ConfigError(f"{path}: a config must be a mapping, got {type(cfg).__name__}")
    return cfg


def load_config(name: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    """Load a config with its ``include`` and ``preset`` references expanded."""
    path = resolve_config_path(name).resolve()
    if path in _seen:
        raise ConfigError(f"{path}: include/preset cycle")
    cfg = _read_yaml(path)
    seen = _seen + (path,)
    if "include" in cfg:
        base = load_config(cfg.pop("include"), seen)
        base.update(cfg)
        cfg = base
    unknown = set(cfg) - set(STAGE_SECTIONS) - set(OTHER_SECTIONS)
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {', '.join(sorted(unknown))}; "
                          f"known: {', '.join(STAGE_SECTIONS + OTHER_SECTIONS)}")
    for section in STAGE_SECTIONS:
        if section in cfg:
            stages = cfg[section] or []
            if not isinstance(stages, list):
                raise ConfigError(f"{path}: section {section!r} must be a list of stages")
            cfg[section] = _expand(section, stages, path, seen)
    for section in OTHER_SECTIONS:
        if section in cfg and not isinstance(cfg[section] or {}, dict):
            raise ConfigError(f"{path}: section {section!r} must be a mapping")
    return cfg


def load_run_config(name: str | Path | None = None) -> dict[str, Any]:
    """The shipped ``pipeline`` config, with the sections of ``name`` (if given) over it."""
    cfg = load_config("pipeline")
    if name is not None:
        user = load_config(name)
        for k, v in user.items():
            if isinstance(v, dict) and isinstance(cfg.get(k), dict):
                cfg[k] = {**cfg[k], **v}
            else:
                cfg[k] = v
    return cfg


def _expand(section: str, stages: list[Any], path: Path, seen: tuple[Path, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, entry in enumerate(stages):
        if not isinstance(entry, dict):
            raise ConfigError(f"{path}: {section}[{i}] must be a mapping with 'stage' or 'preset'")
        if "preset" in entry:
            out.extend(load_config(entry["preset"], seen).get(section, []))
        elif "stage" in entry:
            e = dict(entry)
            e.setdefault("_base", str(path.parent))
            out.append(e)
        else:
            raise ConfigError(f"{path}: {section}[{i}] has neither 'stage' nor 'preset': {entry}")
    return out


def stage_entries(cfg: dict[str, Any], sections: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The stage entries of the given sections (default: all), in run order."""
    out: list[dict[str, Any]] = []
    for section in sections or STAGE_SECTIONS:
        out.extend(cfg.get(section) or [])
    return out


def build_stage(entry: dict[str, Any]) -> Any:
    """One stage from its config entry; a ``ConfigError`` names what is wrong."""
    entry = dict(entry)
    name = entry.pop("stage")
    base = entry.pop("_base", None)
    cls = stage_class(name)
    if cls is None:
        raise ConfigError(f"unknown stage {name!r}; known stages: {', '.join(stage_names())}")
    sig = inspect.signature(cls.__init__)
    accepts_base = "config_dir" in sig.parameters
    if accepts_base and base is not None:
        entry.setdefault("config_dir", base)
    params = [p for p in sig.parameters.values() if p.name != "self"]
    if not any(p.kind is p.VAR_KEYWORD for p in params):
        allowed = {p.name for p in params}
        unknown = sorted(set(entry) - allowed)
        if unknown:
            raise ConfigError(f"stage {name}: unknown parameter(s) {', '.join(unknown)}; accepted: {', '.join(sorted(allowed))}")
    try:
        return cls(**entry)
    except (TypeError, ValueError, FileNotFoundError) as e:
        raise ConfigError(f"stage {name}: {e}") from None


def build_stages(entries: list[dict[str, Any]]) -> list[Any]:
    """The stages of ``entries``, in order; their order is checked (``corpusforge.order``)."""
    stages = [build_stage(e) for e in entries]
    try:
        check_order(stages)
    except PipelineOrderError as e:
        raise ConfigError(str(e)) from None
    return stages


def _entry_names(entry: dict[str, Any]) -> set[str]:
    names = {str(entry["stage"])}
    if "label" in entry:
        names.add(f"{entry['stage']}[{entry['label']}]")
    if "name" in entry:
        names.add(str(entry["name"]))
    return names


def apply_overrides(entries: list[dict[str, Any]], overrides: dict[str, Any]) -> list[dict[str, Any]]:
    """Filter entries with thresholds replaced: ``{"Stage.param": value}``.

    ``Stage`` is a class name, ``Class[label]`` or a stage ``name``; ``param`` may go one
    level down (``TopNgramFilter.max_ratio.2``). A class name that occurs more than once
    must be qualified.
    """
    out = [dict(e) for e in entries]
    for key, value in overrides.items():
        stage, _, param = key.partition(".")
        if not param:
            raise ValueError(f"override {key!r}: expected Stage.param=value")
        hits = [e for e in out if stage in _entry_names(e)]
        if not hits:
            known = sorted({n for e in out for n in _entry_names(e)})
            raise ValueError(f"override {key!r}: no stage {stage!r} in the preset; stages: {', '.join(known)}")
        if len(hits) > 1:
            raise ValueError(f"override {key!r}: {stage!r} is ambiguous, qualify it, e.g. "
                             f"{sorted(n for e in hits for n in _entry_names(e) if '[' in n)}")
        entry = hits[0]
        top, _, sub = param.partition(".")
        if sub:
            nested = dict(entry.get(top) or {})
            k: Any = int(sub) if sub.isdigit() else sub
            nested[k] = value
            entry[top] = nested
        else:
            entry[top] = value
    return out
