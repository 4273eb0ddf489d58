"""The command line: one-line errors and exit codes scripts can rely on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from corpusforge.cli import main
from tests.helpers import ja_pages, write_warc


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "corpusforge", *args], capture_output=True, text=True,
                          timeout=300)


@pytest.fixture
def warc(tmp_path: Path) -> Path:
    p = tmp_path / "a.warc.gz"
    write_warc(p, ja_pages(2))
    return p


def test_missing_input_is_exit_2_with_one_line(tmp_path: Path) -> None:
    r = cli("run", "--input", str(tmp_path / "nothing-*.warc.gz"), "--output", str(tmp_path / "o"))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("corpusforge: error: no input files match")


def test_unwritable_output_is_exit_2(tmp_path: Path, warc: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = cli("run", "--input", str(warc), "--output", str(blocker / "sub"))
    assert r.returncode == 2 and "not writable" in r.stderr


def test_invalid_config_is_exit_2(tmp_path: Path, warc: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("filters:\n  - stage: NoSuchFilter\n")
    r = cli("run", "--input", str(warc), "--output", str(tmp_path / "o"), "--config", str(bad))
    assert r.returncode == 2 and "unknown stage 'NoSuchFilter'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = cli("run", "--input", str(warc), "--output", str(tmp_path / "o"), "--config", "no-such-preset")
    assert r.returncode == 2 and "unknown config or preset" in r.stderr


def test_non_warc_input_and_bad_rank_are_exit_2(tmp_path: Path, warc: Path) -> None:
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    assert main(["run", "--input", str(txt), "--output", str(tmp_path / "o")]) == 2
    assert main(["run", "--input", str(warc), "--output", str(tmp_path / "o"), "--rank", "5",
                 "--world-size", "2"]) == 2
    assert main(["run", "--input", str(warc), "--output", str(tmp_path / "o"), "--rank", "0"]) == 2


def test_no_command_prints_help_and_exit_2() -> None:
    r = cli()
    assert r.returncode == 2 and "COMMAND" in r.stderr


def test_scheduler_array_variables() -> None:
    from corpusforge.executors.array import rank_from_env

    assert rank_from_env({"SLURM_ARRAY_TASK_ID": "7", "SLURM_ARRAY_TASK_COUNT": "10"}) == (7, 10)
    assert rank_from_env({"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "1"}) == (4, None)
    assert rank_from_env({"PBS_ARRAY_INDEX": "3"}) == (3, None)
    assert rank_from_env({"SGE_TASK_ID": "1", "SGE_TASK_FIRST": "1", "SGE_TASK_LAST": "4"}) == (0, 4)
    assert rank_from_env({"SGE_TASK_ID": "undefined"}) == (None, None)
    assert rank_from_env({}) == (None, None)
