"""Run every benchmark of the README one after the other (`make bench`).

Each prints its own Markdown table; the README names the same commands. Run on an
otherwise idle machine: the figures are CPU time per core, but a loaded machine
still slows caches and the process pool.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES = [
    ["precheck_recall.py"],
    ["bench_reader.py"],
    ["bench_extract.py", "--repeat", "3"],
    ["bench_filters.py", "--docs", "6000", "--repeat", "3"],
    ["bench_minhash.py"],
    ["bench_dedup_phase.py", "--docs", "1000000"],
    ["bench_classify.py"],
    ["bench_blocklist.py"],
    ["bench_fullsize.py", "--sizes", "5000", "20000", "--kill-size", "5000"],
    ["bench_shard.py", "--docs", "20000", "--repeat", "3"],
    ["bench_report.py", "--docs", "3000000"],
    ["bench_report.py", "--docs", "10000000"],
]


def main() -> int:
    failed = []
    for args in BENCHES:
        print(f"\n## {' '.join(args)}\n", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call([sys.executable, str(HERE / args[0]), *args[1:]])
        print(f"\n({args[0]}: exit {rc}, {time.perf_counter() - t0:.0f} s)", flush=True)
        if rc:
            failed.append(args[0])
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
