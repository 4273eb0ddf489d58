"""A whole run as one library call: phases in order over the same output folder.

    import corpusforge as cf

    run = cf.Run(["a.warc.gz", "b.warc.gz"], "out", config="pipeline")
    result = run.execute(cf.LocalExecutor(workers=4))           # on this machine
    ids = run.execute(cf.SlurmExecutor(partition="cpu"))        # submitted as job arrays

The phases and their order live in ``PHASES``; a phase is built from the run by its
factory (see ``corpusforge.phases`` for writing one).
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from corpusforge.config import build_stages, load_run_config, stage_entries
from corpusforge.dedup.phase import DedupPhase
from corpusforge.dedup.sigfile import DedupError
from corpusforge.dedup.standalone import ApplyPhase
from corpusforge.executors.base import Executor, LocalExecutor
from corpusforge.executors.batch import BatchExecutor
from corpusforge.executors.summary import summary_table
from corpusforge.phases import Phase, PhaseContext, PhaseResult, run_phase
from corpusforge.mix import MixtureError
from corpusforge.phases.documents import DocumentsResult, ExtractPhase
from corpusforge.report.phase import ReportPhase
from corpusforge.shard.phase import ShardPhase, ShardSettings, summary_table as shard_table
from corpusforge.tokenize import TokenizerError
from corpusforge.stats import Stats


def _extract(run: "Run") -> Phase:
    return ExtractPhase(run.inputs, run.config)


def _dedup(run: "Run") -> Phase:
    cfg = dict(run.config.get("dedup") or {})
    return DedupPhase(cfg, width=run.dedup_width)


def _apply(run: "Run") -> Phase:
    return ApplyPhase()


def _shard(run: "Run") -> Phase:
    return ShardPhase(section=dict(run.config.get("shard") or {}))


def _report(run: "Run") -> Phase:
    return ReportPhase(run.phase_seconds)


PHASES: dict[str, Callable[["Run"], Phase]] = {"extract": _extract, "dedup": _dedup, "apply": _apply,
                                               "shard": _shard, "report": _report}


@dataclass
class RunResult:
    """Per phase, what ran; ``ok`` when no task failed."""

    phases: list[PhaseResult] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and all(p.ok for p in self.phases)


class Run:
    """Inputs, output folder, config (a dict, a preset name or a YAML path) and phases."""

    def __init__(self, inputs: Sequence[str | Path], output: str | Path, config: dict[str, Any] | str | None = None,
                 phases: Sequence[str] | None = None, dedup_width: int | None = None) -> None:
        self.inputs = [str(p) for p in inputs]
        self.output = Path(output)
        self.config = config if isinstance(config, dict) else load_run_config(config)
        build_stages(stage_entries(self.config))  # fail fast on unknown stages / parameters
        unknown = [p for p in phases or () if p not in PHASES]
        if unknown:
            raise ValueError(f"unknown phase(s) {', '.join(unknown)}; known: {', '.join(PHASES)}")
        if phases is None:  # every phase; shard only when the config has a shard: section
            phases = [p for p in PHASES if p != "shard" or self.config.get("shard")]
        self.phase_names = [p for p in PHASES if p in phases]
        if "shard" in self.phase_names:  # fail fast on the mixture and tokenizer, before hours of extraction
            ShardSettings.from_mapping(dict(self.config.get("shard") or {}), self.output / "shards").load_tokenizer()
        self.dedup_width = dedup_width
        self.phase_seconds: dict[str, float] = {}  # wall seconds of each phase run by execute()

    def phase(self, name: str) -> Phase:
        return PHASES[name](self)

    def spec(self) -> dict[str, Any]:
        """What a batch job needs to rebuild this run (``OUT/jobs/run.json``)."""
        return {"inputs": self.inputs, "output": str(self.output.resolve()), "config": self.config,
                "phases": self.phase_names, "dedup_width": self.dedup_width}

    @classmethod
    def from_spec(cls, spec: dict[str, Any]) -> "Run":
        return cls(spec["inputs"], spec["output"], spec["config"], spec["phases"], spec.get("dedup_width"))

    def execute(self, executor: Executor | None = None, progress: bool = True,
                echo: bool = True) -> Any:
        """Run the phases here (local pool, or one array task: then only the first phase), or,
        with a batch executor, submit them all and return its submission."""
        if isinstance(executor, BatchExecutor):
            return executor.submit(self, echo=echo)
        executor = executor or LocalExecutor()
        names = self.phase_names
        if executor.rank is not None and len(names) > 1:
            print(f"array mode: running the {names[0]} phase only; run each later phase as its own array job "
                  f"(--phases dedup, then --phases apply) once every task of the one before is done, or submit "
                  f"the whole run with --executor slurm / sge / pbs", file=sys.stderr)
            names = names[:1]
        result = RunResult()
        self.output.mkdir(parents=True, exist_ok=True)
        with executor:
            for name in names:
                phase = self.phase(name)
                ctx = PhaseContext(self.output, executor, self.config, self.inputs, progress)
                reason = phase.applies(ctx)
                if reason:
                    _echo(echo, f"\n{name}: {reason}: skipped")
                    continue
                try:
                    res = run_phase(phase, ctx)
                except (DedupError, MixtureError, TokenizerError) as e:
                    result.error = f"{name} failed: {e}"
                    print(f"corpusforge: {result.error}", file=sys.stderr)
                    break
                result.phases.append(res)
                self.phase_seconds[name] = res.seconds
                _echo(echo, phase_report(phase, res, self.output))
                if not res.ok:
                    print(f"\n{len(res.failed)} task(s) of {name} failed:", file=sys.stderr)
                    failed = DocumentsResult.of(phase, res).failed if isinstance(phase, ExtractPhase) else res.failed
                    for what, msg in failed:
                        print(f"  {what}: {msg}", file=sys.stderr)
                    break
        _echo(echo, f"\noutput: {self.output}")
        return result


def phase_report(phase: Phase, res: PhaseResult, output: Path) -> str:
    """The lines printed after a phase of ``corpusforge run``."""
    if isinstance(phase, ApplyPhase):
        stats = res.summary if isinstance(res.summary, Stats) else Stats(phase.step)
        read = stats.stages[0].docs_out if stats.stages else 0
        return (f"\napply: {read:,} documents read, {stats.docs_out:,} kept in "
                f"{output / phase.subdir / 'docs'}\n{summary_table(stats)}")
    if isinstance(phase, ExtractPhase):
        d = DocumentsResult.of(phase, res)
        return (f"\n{phase.name}: {d.files_total} files ({d.files_done_now} processed now, {d.files_skipped} already "
                f"done) in {d.seconds:.1f}s\n{summary_table(d.stats)}")
    if isinstance(phase, ShardPhase) and isinstance(res.summary, dict):
        return shard_report(res.summary, output)
    if isinstance(res.summary, dict):
        return f"\n{phase.name}: " + ", ".join(f"{k}={v}" for k, v in res.summary.items()
                                                 if not isinstance(v, (dict, list)))
    return f"\n{phase.name}: {res.done_now} task(s) run now, {res.skipped} already done"


def shard_report(stats: dict[str, Any], output: Path) -> str:
    """The shard phase's lines: totals, the before / after table per group, counters, warnings."""
    lines = [f"\nshard ({stats['mode']}, mixture {stats['mixture']}): {stats['input']['documents']:,} documents, "
             f"{stats['input']['tokens']:,} tokens in -> {stats['output']['shards']} shard(s), "
             f"{stats['output']['tokens']:,} tokens written, planned training tokens "
             f"{stats['planned_train_tokens']:,}", shard_table(stats)]
    if stats["input"]["counts"]:
        lines.append("counted: " + ", ".join(f"{k}={v:,}" for k, v in sorted(stats["input"]["counts"].items())))
    lines += [f"warning: {w}" for w in stats["warnings"]]
    return "\n".join(lines)


def _echo(echo: bool, text: str) -> None:
    if echo:
        print(text, flush=True)


def load_spec(path: str | Path) -> Run:
    with open(path, encoding="utf-8") as f:
        return Run.from_spec(json.load(f))
