"""The one check of a pipeline's order: what each stage needs from the stages before it.

A stage class declares, as class attributes, the document state it reads and leaves:

* ``needs``    — state an earlier stage must have produced (kept for later stages);
* ``consumes`` — state an earlier stage must have produced, used up here;
* ``produces`` — state this stage leaves for later stages;
* ``owes``     — produced state that a later stage must consume (else the pipeline
  silently loses something, e.g. documents whose failures are never dropped).

``check_order`` walks a stage list once and raises ``PipelineOrderError`` naming the
stages. ``config.build_stages`` (behind ``corpusforge run``, ``corpusforge filter`` and
``Pipeline.from_config``) and ``Pipeline.run`` all call it.
"""

from __future__ import annotations

from typing import Any, Sequence

#: state key → names of the stage classes that produce / consume it (filled by Stage subclasses)
PRODUCERS: dict[str, list[str]] = {}
CONSUMERS: dict[str, list[str]] = {}


class PipelineOrderError(ValueError):
    """The stages of a pipeline are in an order that cannot work; the message names them."""


def declare(cls: type) -> None:
    """Note which stage classes produce and consume each state key (for the error messages)."""
    for key in getattr(cls, "produces", ()):
        PRODUCERS.setdefault(key, []).append(cls.__name__)
    for key in (*getattr(cls, "consumes", ()), *getattr(cls, "needs", ())):
        CONSUMERS.setdefault(key, []).append(cls.__name__)


def _name(stage: Any) -> str:
    return str(getattr(stage, "name", None) or getattr(stage, "__name__", type(stage).__name__))


def check_order(stages: Sequence[Any], given: Sequence[str] = ()) -> None:
    """Raise ``PipelineOrderError`` when a stage lacks state an earlier stage must produce.

    ``given``: state the input documents already carry (e.g. ``html`` for documents made
    from pages decoded elsewhere).
    """
    available: dict[str, str] = {key: "the input" for key in given}
    owed: dict[str, str] = {}
    for i, stage in enumerate(stages):
        name = _name(stage)
        for key in (*getattr(stage, "needs", ()), *getattr(stage, "consumes", ())):
            if key not in available:
                makers = " or ".join(sorted(set(PRODUCERS.get(key, [])))) or "a stage"
                raise PipelineOrderError(f"stage {i + 1} {name} needs {key!r}, which no stage before it produces "
                                         f"(put {makers} before {name})")
        for key in getattr(stage, "consumes", ()):
            available.pop(key)
            owed.pop(key, None)
        for key in getattr(stage, "produces", ()):
            available[key] = name
        for key in getattr(stage, "owes", ()):
            owed[key] = name
    for key, name in owed.items():
        closers = " or ".join(sorted(set(CONSUMERS.get(key, [])))) or "a stage that consumes it"
        raise PipelineOrderError(f"{name} must be followed by {closers} (nothing after it consumes {key!r})")
