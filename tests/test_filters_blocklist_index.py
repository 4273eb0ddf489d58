"""The memory-mapped blocklist index decides exactly as the plain dict of the UT1 lists."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from corpusforge.filters import blocklist_index
from corpusforge.filters.blocklist_index import open_index
from corpusforge.filters.hosts import DomainBlocklistFilter, host_suffixes, load_blocklist

CATEGORIES = ["adult", "gambling", "malware", "phishing"]


def random_domain(rng: random.Random) -> str:
    labels = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randint(3, 12)))
              for _ in range(rng.randint(1, 2))]
    return ".".join(labels + [rng.choice(["com", "jp", "co.jp", "net", "org", "ru", "xyz"])])


def write_ut1(root: Path, n: int, seed: int = 0) -> tuple[Path, list[str]]:
    """A UT1-layout folder: one ``domains`` file per category, overlaps, comments, WWW. and case."""
    rng = random.Random(seed)
    pool = [random_domain(rng) for _ in range(n)]
    for cat in CATEGORIES:
        (root / cat).mkdir(parents=True)
        lines = ["# UT1 " + cat]
        for d in rng.sample(pool, n // 3):
            lines.append(rng.choice([d, d, d, "www." + d, d.upper(), d + "."]))
        (root / cat / "domains").write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    return root, pool


def queries(pool: list[str], rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        d = rng.choice(pool)
        out.append(rng.choice([d, "cdn.img." + d, "www." + d, "x" + d, random_domain(rng), d.split(".", 1)[-1]]))
    return out


def dict_decision(table: dict[str, str], host: str) -> str:
    return next((table[h] for h in host_suffixes(host) if h in table), "")


@pytest.mark.parametrize("categories", [None, ["adult", "gambling", "warez"]])
def test_same_decisions_as_the_dict(tmp_path: Path, categories: list[str] | None) -> None:
    folder, pool = write_ut1(tmp_path / "ut1", 6000)
    table, missing = load_blocklist(folder, categories)
    index = open_index(folder, categories, tmp_path / "cache")
    assert index.missing == missing and len(index) == len(table)
    assert any("," in v for v in table.values())  # the folder has domains in several categories
    rng = random.Random(1)
    hosts = queries(pool, rng, 20_000)
    decisions = [index.categories(host_suffixes(h)) or "" for h in hosts]
    assert decisions == [dict_decision(table, h) for h in hosts]
    assert sum(map(bool, decisions)) > 1000


def test_colliding_64_bit_hashes_stay_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A weak 64-bit hash (the length) makes most listed domains collide: the check hash decides."""
    monkeypatch.setattr(blocklist_index, "domain_hash", len)
    folder, pool = write_ut1(tmp_path / "ut1", 800)
    table, _ = load_blocklist(folder)
    index = open_index(folder, None, tmp_path / "cache")
    meta = (index.folder / "meta.json").read_text()
    assert '"hash64_collisions": 0' not in meta
    hosts = queries(pool, random.Random(2), 3000)
    assert [index.categories(host_suffixes(h)) or "" for h in hosts] == [dict_decision(table, h) for h in hosts]


def test_index_is_built_once_and_rebuilt_when_a_list_changes(tmp_path: Path) -> None:
    folder, _ = write_ut1(tmp_path / "ut1", 300)
    cache = tmp_path / "cache"
    first = open_index(folder, ["adult"], cache)
    stamp = (first.folder / "hashes.npy").stat().st_mtime_ns
    again = open_index(folder, ["adult"], cache)
    assert again.folder == first.folder and (again.folder / "hashes.npy").stat().st_mtime_ns == stamp
    with open(folder / "adult" / "domains", "a", encoding="utf-8") as f:
        f.write("brand-new-listing.example\n")
    os.utime(folder / "adult" / "domains", ns=(stamp + 10**9, stamp + 10**9))
    changed = open_index(folder, ["adult"], cache)
    assert changed.folder != first.folder
    assert changed.categories(["brand-new-listing.example"]) == "adult"
    assert first.categories(["brand-new-listing.example"]) is None


def test_a_concurrent_build_of_the_same_index_is_harmless(tmp_path: Path) -> None:
    folder, _ = write_ut1(tmp_path / "ut1", 300)
    index = open_index(folder, None, tmp_path / "cache")
    files = {c: folder / c / "domains" for c in CATEGORIES}
    blocklist_index._build(files, [], index.folder)  # a second builder loses the rename race
    assert open_index(folder, None, tmp_path / "cache").categories(host_suffixes("a.b")) is None
    assert not list(index.folder.parent.glob(".*.tmp"))


def test_worker_processes_map_the_index_instead_of_loading_it(tmp_path: Path) -> None:
    folder, pool = write_ut1(tmp_path / "ut1", 3000)
    cache = tmp_path / "cache"
    DomainBlocklistFilter(folder=str(folder), cache_dir=str(cache))  # the parent builds it
    code = ("import sys; from corpusforge.filters import blocklist_index as b; "
            "b._build = None; "  # a worker must never build
            "from corpusforge.filters.hosts import DomainBlocklistFilter; "
            "f = DomainBlocklistFilter(folder=sys.argv[1], cache_dir=sys.argv[2]); "
            "print(type(f.index.hashes).__name__, f.index.categories(['cdn.' + sys.argv[3], sys.argv[3]]))")
    table, _ = load_blocklist(folder)
    listed = next(iter(table))
    r = subprocess.run([sys.executable, "-c", code, str(folder), str(cache), listed],
                       capture_output=True, text=True, check=True)
    assert r.stdout.split() == ["memmap", table[listed]]
