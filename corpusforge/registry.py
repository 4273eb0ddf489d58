"""Stages by the name a config uses: the shipped ones listed here, your own with ``@register``.

The shipped list names the module of each stage, so building a pipeline imports only the
modules of the stages it uses (an extraction task's six light stages do not pull in
numpy, pyarrow and polars with the dedup, classify and filter modules).
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable

#: every stage that ships with corpusforge → the module that defines it
SHIPPED_STAGES: dict[str, str] = {
    # extraction
    "JapanesePrecheck": "corpusforge.extract.precheck",
    "CharsetDecode": "corpusforge.extract.charset",
    "TrafilaturaExtract": "corpusforge.extract.trafilatura_extract",
    "Normalize": "corpusforge.text.normalize",
    "JapaneseScriptFilter": "corpusforge.extract.japanese",
    # rule filters and line cleanup
    "RecordAllSignals": "corpusforge.filters.rules",
    "DropFailed": "corpusforge.filters.rules",
    "TextRepair": "corpusforge.filters.cleanup",
    "PunctuationNormalizer": "corpusforge.filters.cleanup",
    "FooterTrimmer": "corpusforge.filters.cleanup",
    "BoilerplateLineRemover": "corpusforge.filters.cleanup",
    "PersonalInfoMasker": "corpusforge.filters.cleanup",
    "JapaneseLineExtractor": "corpusforge.filters.cleanup",
    "HostFilter": "corpusforge.filters.hosts",
    "DomainBlocklistFilter": "corpusforge.filters.hosts",
    "TLDFilter": "corpusforge.filters.hosts",
    "EmptyTextFilter": "corpusforge.filters.length",
    "LengthFilter": "corpusforge.filters.length",
    "LineShapeFilter": "corpusforge.filters.lines",
    "NounRatioFilter": "corpusforge.filters.morph",
    "WordRepetitionFilter": "corpusforge.filters.morph",
    "DuplicateLineFilter": "corpusforge.filters.repetition",
    "TopNgramFilter": "corpusforge.filters.repetition",
    "DuplicateNgramFilter": "corpusforge.filters.repetition",
    "CharRepetitionFilter": "corpusforge.filters.repetition",
    "RunLengthFilter": "corpusforge.filters.repetition",
    "CompressionRatioFilter": "corpusforge.filters.repetition",
    "ScriptRatioFilter": "corpusforge.filters.script",
    "JapaneseStartFilter": "corpusforge.filters.script",
    "SentenceFilter": "corpusforge.filters.sentences",
    "KutenDensityFilter": "corpusforge.filters.sentences",
    "SymbolRatioFilter": "corpusforge.filters.symbols",
    "DigitRatioFilter": "corpusforge.filters.symbols",
    "AsciiRunFilter": "corpusforge.filters.symbols",
    "BrokenTextFilter": "corpusforge.filters.symbols",
    "NGWordFilter": "corpusforge.filters.words",
    "AdPhraseFilter": "corpusforge.filters.words",
    "BBSPatternFilter": "corpusforge.filters.words",
    # annotation and dedup
    "EduScore": "corpusforge.classify.edu_stage",
    "CategoryScore": "corpusforge.classify.category_stage",
    "ExactDedup": "corpusforge.dedup.stages",
    "MinHashSignatures": "corpusforge.dedup.stages",
    "NearDuplicateFilter": "corpusforge.dedup.stages",
}

_REGISTERED: dict[str, type] = {}


def register(cls: type) -> type:
    """Make a stage class of your own usable by name from a YAML config."""
    _REGISTERED[cls.__name__] = cls
    return cls


def stage_names() -> list[str]:
    """Every stage a config can name (shipped and registered), sorted."""
    return sorted(set(SHIPPED_STAGES) | set(_REGISTERED))


def stage_class(name: str) -> Any:
    """The stage class called ``name`` (importing only its module), or None."""
    if name in _REGISTERED:
        return _REGISTERED[name]
    module = SHIPPED_STAGES.get(name)
    if module is None:
        return None
    return getattr(importlib.import_module(module), name)


def registered_modules(names: Iterable[str]) -> list[str]:
    """The modules that define the registered (not shipped) stages among ``names``: what a
    fresh process imports to know them by name. A stage registered in ``__main__`` (a
    script, a notebook) cannot be imported there: ``ValueError`` says so."""
    modules = set()
    for name in names:
        cls = _REGISTERED.get(name)
        if cls is None:
            continue
        if cls.__module__ in ("__main__", "__mp_main__"):
            raise ValueError(f"stage {name} is registered in __main__ (a script or a notebook): a segment process "
                             f"cannot import it; define it in an importable module, or run whole files in the task "
                             f"with writer.segment_records: 0")
        modules.add(cls.__module__)
    return sorted(modules)
