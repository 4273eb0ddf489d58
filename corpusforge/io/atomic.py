"""Write-to-temporary-then-rename helpers: no reader ever sees a partial file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

TMP_SUFFIX = ".tmp"


def tmp_path(path: str | Path) -> Path:
    """The temporary name a file is written under before it is committed."""
    p = Path(path)
    return p.with_name(p.name + f".{os.getpid()}{TMP_SUFFIX}")


def commit(tmp: str | Path, final: str | Path) -> None:
    """Atomically move a finished temporary file to its final name."""
    os.replace(tmp, final)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` under a temporary name, flush it to disk, then rename it into place."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(p)
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    commit(tmp, p)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def remove_stale_tmp(directory: str | Path) -> int:
    """Delete temporary files left behind by a killed task; returns how many."""
    n = 0
    d = Path(directory)
    if not d.exists():
        return 0
    for p in d.rglob(f"*{TMP_SUFFIX}"):
        try:
            p.unlink()
            n += 1
        except FileNotFoundError:
            pass
    return n


def discard(writer: Any, paths: Iterable[Path]) -> None:
    """Close a writer whose output is thrown away (its errors do not matter) and delete its files."""
    if writer is not None:
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - a half-written file is deleted anyway
            pass
    for path in paths:
        Path(path).unlink(missing_ok=True)
