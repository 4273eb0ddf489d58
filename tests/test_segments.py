"""A file read in segments (``writer.segment_records``), each in a fresh process: same outputs
as one pass, a checkpoint after each segment, a killed task going on from its last one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import corpusforge as cf
from corpusforge.config import load_config
from corpusforge.io.base import Reader
from corpusforge.io.warc import WarcReader
from corpusforge.phases.documents import ExtractPhase, WarcReaderFactory, run_documents_phase
from corpusforge.phases.segments import segment_dir
from corpusforge.status import run_status
from corpusforge.synth.warcgen import generate_warc

ROOT = Path(__file__).resolve().parents[1]
SEGMENT = 150  # responses per segment: 4 segments of the 600-response file


@pytest.fixture(scope="module")
def warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 generated responses, 30% Japanese, exact and near duplicates spread over the file."""
    path = tmp_path_factory.mktemp("segments") / "CC-SEG-00000.warc.gz"
    generate_warc(path, records=600, seed=31, ja_fraction=0.3, dup_fraction=0.1, write_truth=False)
    return path


def config(segment_records: int) -> dict:
    cfg = load_config("pipeline")
    cfg["writer"] = {**cfg["writer"], "segment_records": segment_records}
    return cfg


def extract(warc: Path, out: Path, segment_records: int) -> None:
    res = run_documents_phase(ExtractPhase([warc], config(segment_records)), output=out, progress=False)
    assert res.ok, res.failed


@pytest.fixture(scope="module")
def one_pass(warc: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("one-pass")
    extract(warc, out, 0)
    return out


def stage_counts(out: Path) -> dict:
    """The extract stats without timings and without the trafilatura worker's own counters
    (one worker per process: a segment starts its own)."""
    stats = json.loads((out / "stats" / "extract.json").read_text(encoding="utf-8"))
    rows = {}
    for s in stats["stages"]:
        s.pop("seconds")
        s["counters"] = {k: v for k, v in s["counters"].items() if not k.startswith("worker_")}
        rows[s["name"]] = s
    return rows


def assert_same_outputs(a: Path, b: Path) -> None:
    for kind in ("docs", "removed", "signatures"):
        names = sorted(p.name for p in (a / kind).glob("*.parquet"))
        assert names == sorted(p.name for p in (b / kind).glob("*.parquet")), kind
        for name in names:
            ta, tb = pq.read_table(a / kind / name), pq.read_table(b / kind / name)
            if kind == "removed":  # drops of different stages interleave by batch: the same rows, in another order
                ta, tb = ta.sort_by("id"), tb.sort_by("id")
            assert ta.equals(tb), f"{kind}/{name}"
    assert stage_counts(a) == stage_counts(b)


def column_codecs(path: Path) -> list[tuple[str, str, bool]]:
    group = pq.ParquetFile(path).metadata.row_group(0)
    cols = [group.column(i) for i in range(group.num_columns)]
    return [(c.path_in_schema, c.compression, any("DICTIONARY" in e for e in c.encodings)) for c in cols]


def read_in_segments(path: Path, limit: int) -> tuple[list[tuple[str, str, bytes]], dict, list[int]]:
    docs, counters, starts = [], {}, []
    start: int | None = 0
    while start is not None:
        r = WarcReader(path)
        r.start, r.limit = start, limit
        starts.append(start)
        docs += [(d.id, d.url, d.raw) for d in r]
        for k, v in [*r.stats.dropped.items(), *r.stats.counters.items(), ("docs_in", r.stats.docs_in)]:
            counters[k] = counters.get(k, 0) + v
        start = r.resume_at
    return docs, counters, starts


@pytest.mark.parametrize("gzipped", [True, False])
def test_warc_reader_in_segments_reads_what_one_pass_reads(tmp_path: Path, gzipped: bool) -> None:
    path = tmp_path / ("a.warc.gz" if gzipped else "a.warc")
    generate_warc(path, records=120, seed=5, ja_fraction=0.5, write_truth=False)
    data = bytearray(path.read_bytes())  # a damaged stretch in the middle: the reader resyncs after it
    mid = len(data) // 2 if gzipped else data.find(b"WARC/1.", len(data) // 2)  # plain: a record header
    data[mid:mid + 300] = bytes(300)
    path.write_bytes(bytes(data))
    whole, counters, _ = read_in_segments(path, 0)
    assert counters["read_error"] >= 1 and len(whole) > 50
    for limit in (1, 7, 50):
        docs, seg_counters, starts = read_in_segments(path, limit)
        assert docs == whole
        assert seg_counters == counters
        assert len(starts) >= 120 // limit // 2 and starts == sorted(set(starts))  # it was cut, and moves on


def test_a_file_in_segments_gives_the_outputs_of_one_pass(warc: Path, one_pass: Path, tmp_path: Path) -> None:
    extract(warc, tmp_path, SEGMENT)
    assert_same_outputs(one_pass, tmp_path)
    name = f"signatures/{warc.name.removesuffix('.warc.gz')}.minhash.parquet"
    assert column_codecs(tmp_path / name) == column_codecs(one_pass / name)  # joined as the writer wrote it
    assert json.loads((one_pass / "stats" / "extract.json").read_text())["stages"][0]["docs_in"] == 600
    assert not (tmp_path / "_work").exists()  # checkpoints and segment outputs are gone once the file is final
    exact = stage_counts(one_pass)["ExactDedup"]["dropped"]["exact_duplicate"]
    assert exact >= 3  # the in-file exact dedup saw copies across segments (its hashes are carried on)


class LoggingReaderFactory(WarcReaderFactory):
    """WARC readers that log where each segment starts, and fail at a given start while
    the file ``fail_flag`` exists (a crash in the middle of a file)."""

    def __init__(self, log: str, fail_flag: str, fail_at_segment: int, die: bool = False) -> None:
        super().__init__()
        self.log, self.fail_flag, self.fail_at_segment, self.die = log, fail_flag, fail_at_segment, die

    def __call__(self, path: Path) -> Reader:
        reader = super().__call__(path)
        parent = self

        class Logged(type(reader)):  # type: ignore[misc]
            def read(self):  # type: ignore[no-untyped-def]
                with open(parent.log, "a", encoding="utf-8") as f:
                    f.write(f"{self.start}\n")
                starts = Path(parent.log).read_text().split()
                if os.path.exists(parent.fail_flag) and len(starts) > parent.fail_at_segment:
                    if parent.die:  # as the kernel's OOM killer would
                        os.kill(os.getpid(), signal.SIGKILL)
                    raise RuntimeError("simulated crash in a segment")
                yield from super().read()

        reader.__class__ = Logged
        return reader


def test_a_failed_segment_goes_on_from_the_last_checkpoint(warc: Path, one_pass: Path, tmp_path: Path) -> None:
    out, log, flag = tmp_path / "out", tmp_path / "starts.log", tmp_path / "fail"
    flag.touch()
    phase = ExtractPhase([warc], config(SEGMENT))
    phase.reader_factory = LoggingReaderFactory(str(log), str(flag), fail_at_segment=2)
    res = run_documents_phase(phase, output=out, progress=False)
    assert len(res.failed) == 1 and "simulated crash in a segment" in res.failed[0][1]
    failure = next((out / "_failed" / "extract").iterdir()).read_text()
    assert "raised in the segment process" in failure  # the child's traceback travels to the failure record
    first = [int(s) for s in log.read_text().split()]
    assert first[0] == 0 and len(first) == 3
    folder = segment_dir(out, "extract", warc.name.removesuffix(".warc.gz"))
    assert sorted(p.name for p in folder.glob("*.ckpt")) == ["00000.ckpt", "00001.ckpt"]
    assert not list((out / "docs").glob("*.parquet"))  # nothing under a final name before the file is done
    assert "extract: 1 file(s) part done, 2 segment(s) checkpointed" in run_status(out).table()

    flag.unlink()
    log.unlink()
    res = run_documents_phase(phase, output=out, progress=False)
    assert res.ok, res.failed
    again = [int(s) for s in log.read_text().split()]
    assert again[0] == first[2]  # the re-run starts at the failed segment, not at the file's start
    assert_same_outputs(one_pass, out)


def test_a_segment_process_that_dies_fails_its_task_with_the_exit_code(warc: Path, tmp_path: Path) -> None:
    phase = ExtractPhase([warc], config(SEGMENT))
    (tmp_path / "fail").touch()
    phase.reader_factory = LoggingReaderFactory(str(tmp_path / "log"), str(tmp_path / "fail"), 1, die=True)
    res = run_documents_phase(phase, output=tmp_path / "out", progress=False)
    assert len(res.failed) == 1
    assert "SegmentProcessDied" in res.failed[0][1] and "killed by SIGKILL" in res.failed[0][1]


def test_checkpoints_of_another_configuration_are_not_reused(warc: Path, tmp_path: Path) -> None:
    out, log, flag = tmp_path / "out", tmp_path / "starts.log", tmp_path / "fail"
    flag.touch()
    phase = ExtractPhase([warc], config(SEGMENT))
    phase.reader_factory = LoggingReaderFactory(str(log), str(flag), fail_at_segment=1)
    assert not run_documents_phase(phase, output=out, progress=False).ok
    flag.unlink()
    log.unlink()
    changed = config(SEGMENT)
    changed["writer"]["batch_size"] = 500
    phase = ExtractPhase([warc], changed)
    phase.reader_factory = LoggingReaderFactory(str(log), str(flag), fail_at_segment=1)
    assert run_documents_phase(phase, output=out, progress=False).ok
    assert [int(s) for s in log.read_text().split()][0] == 0


@cf.register
class UppercaseForTest(cf.Mapper):
    """Test stage registered by a test module: a segment process imports the module to know it."""

    def apply(self, doc: cf.Document) -> cf.Document:
        doc.metadata["q_upper"] = doc.text.upper()[:5]
        return doc


def test_stages_registered_in_an_importable_module_reach_the_segment_process(warc: Path, tmp_path: Path) -> None:
    cfg = config(SEGMENT)
    cfg["annotate"] = [*cfg["annotate"], {"stage": "UppercaseForTest"}]
    res = run_documents_phase(ExtractPhase([warc], cfg), output=tmp_path, progress=False)
    assert res.ok, res.failed
    assert pq.read_table(tmp_path / "docs" / f"{warc.name.removesuffix('.warc.gz')}.parquet").column("q_upper")


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _segment_pids(root: int) -> set[int]:
    """The processes named ``cf-segment`` below ``root``."""
    pids = set()
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() != "cf-segment":
                continue
        except OSError:
            continue
        pid = up = int(comm.parent.name)
        while up > 1 and up != root:
            up = _parent(up)
        if up == root:
            pids.add(pid)
    return pids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process names and parent-death signals are Linux")
def test_a_killed_run_leaves_no_segment_running_and_resumes_identically(warc: Path, one_pass: Path,
                                                                        tmp_path: Path) -> None:
    cfg = tmp_path / "seg.yaml"
    cfg.write_text(f"writer:\n  segment_records: {SEGMENT // 3}\n", encoding="utf-8")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "corpusforge", "run", "--input", str(warc), "--output", str(out), "--config",
           str(cfg), "--phases", "extract", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    folder = segment_dir(out, "extract", warc.name.removesuffix(".warc.gz"))
    deadline = time.monotonic() + 120
    while not (folder / "00002.ckpt").exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before its third segment"
        time.sleep(0.05)
    ended = _segment_pids(proc.pid)  # the process of the third segment, if it has not exited yet
    running: set[int] = set()
    while not running:  # the next segment's process, at work
        assert proc.poll() is None and time.monotonic() < deadline, "no segment process after the third"
        running = _segment_pids(proc.pid) - ended
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)  # only the task's process: its segment process must not run on
    proc.wait()
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in running) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(Path(f"/proc/{pid}").exists() for pid in running)
    assert not list((out / "docs").glob("*.parquet"))
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert_same_outputs(one_pass, out)


def test_a_stage_registered_in_main_is_refused_with_a_clear_error() -> None:
    from corpusforge.registry import registered_modules

    cls = type("ScriptStageForTest", (cf.Mapper,), {"apply": lambda self, doc: doc, "__module__": "__main__"})
    cf.register(cls)
    with pytest.raises(ValueError, match="registered in __main__.*segment_records: 0"):
        registered_modules(["CharsetDecode", "ScriptStageForTest"])
    assert registered_modules(["CharsetDecode", "UppercaseForTest"]) == [__name__]
