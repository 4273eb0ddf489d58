"""The seed set of documents an LLM labels to train the starter edu model.

Two kinds of documents:

* project-written Japanese documents from ``corpusforge.synth.japanese_documents`` (many
  kinds and educational levels, an equal number per kind), ids ``synth:<kind>/<seed>/<i>``
  (``i`` counts within the kind);
* real Japanese pages of Debian's Japanese HTML manuals (``debian-reference-ja``,
  ``maint-guide-ja``, ``gimp-help-ja``, …: see ``seed`` in ``classifiers/train.yaml``),
  cut between paragraphs into pieces of 500–3,000 characters, ids
  ``debian:<package>/<path in the package>#<n>``.

The manuals' text is never stored in the repository: this module re-creates it from the
packages — installed ones are read in place, others are fetched with ``apt-get download``
and unpacked with ``dpkg-deb -x`` into a cache folder (no root needed).

    python -m corpusforge.classify.seed --output seed.parquet
"""

from __future__ import annotations

import argparse
import gzip
import inspect
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Iterator

BLOCK_TAGS = ("p", "li", "dt", "dd", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "blockquote",
              "caption", "div")
# navigation / table-of-contents containers of DocBook and Sphinx HTML: menus, not content
SKIP_CLASSES = frozenset({"navheader", "navfooter", "toc", "list-of-tables", "list-of-figures", "breadcrumbs",
                          "sphinxsidebar", "related", "footer", "header", "navigation"})
_JA_LETTER = re.compile(r"[\u3041-\u3096\u30a1-\u30fa\u30fc\u3005\u3007\u303b\u3400-\u9fff\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])")
_SPACES = re.compile(r"[ \t\u3000\r\f\v]+")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


# --- HTML manuals → paragraphs → pieces ------------------------------------------------
def html_paragraphs(html: bytes) -> list[str]:
    """Text blocks of an HTML page in reading order, without navigation, scripts and menus.

    UTF-8 pages are decoded here (lxml would read an undeclared page as Latin-1)."""
    import lxml.html

    try:
        text = _XML_DECL.sub("", html.decode("utf-8"), count=1)  # lxml refuses str with a declaration
    except UnicodeDecodeError:
        text = None  # not UTF-8: let lxml follow the page's declared charset
    try:
        root = lxml.html.fromstring(text if text is not None else html)
    except (ValueError, TypeError, lxml.etree.ParserError):  # type: ignore[attr-defined]
        return []
    for bad in root.xpath("//script|//style|//head|//noscript|//form"):
        bad.drop_tree()
    for el in list(root.iter()):
        classes = set((el.get("class") or "").split()) if isinstance(el.tag, str) else set()
        if classes & SKIP_CLASSES and el.getparent() is not None:
            el.drop_tree()
    out: list[str] = []
    for el in root.iter(*BLOCK_TAGS):
        if any(isinstance(d.tag, str) and d.tag in BLOCK_TAGS for d in el.iterdescendants()):
            continue  # only innermost blocks: a container's text comes from its children
        text = el.text_content()
        if el.tag == "pre":
            text = "\n".join(_SPACES.sub(" ", ln).rstrip() for ln in text.strip("\n").splitlines())
        else:
            text = _SPACES.sub(" ", text.replace("\n", " ")).strip()
        if text:
            out.append(text)
    return out


def japanese_ratio(text: str) -> float:
    chars = sum(1 for c in text if not c.isspace())
    return len(_JA_LETTER.findall(text)) / chars if chars else 0.0


def _split_long(paragraph: str, max_chars: int) -> list[str]:
    """A paragraph longer than ``max_chars`` cut at sentence ends (hard cut as a last resort)."""
    pieces, cur = [], ""
    for sent in _SENTENCE_END.split(paragraph):
        while len(sent) > max_chars:
            if cur:
                pieces.append(cur)
                cur = ""
            pieces.append(sent[:max_chars])
            sent = sent[max_chars:]
        if len(cur) + len(sent) > max_chars:
            pieces.append(cur)
            cur = ""
        cur += sent
    if cur:
        pieces.append(cur)
    return [p for p in pieces if p.strip()]


def pack_paragraphs(paragraphs: list[str], min_chars: int, max_chars: int) -> list[str]:
    """Paragraphs joined into pieces of ``min_chars``–``max_chars`` characters."""
    flat: list[str] = []
    for p in paragraphs:
        flat.extend(_split_long(p, max_chars) if len(p) > max_chars else [p])
    pieces, cur = [], ""
    for p in flat:
        joined = f"{cur}\n{p}" if cur else p
        if len(joined) <= max_chars:
            cur = joined
            continue
        if len(cur) >= min_chars:
            pieces.append(cur)
            cur = p
        else:
            cur = p  # too short to stand alone and cannot grow within max: dropped
    if len(cur) >= min_chars:
        pieces.append(cur)
    elif cur and pieces and len(pieces[-1]) + 1 + len(cur) <= max_chars:
        pieces[-1] = f"{pieces[-1]}\n{cur}"
    return pieces


# --- Debian packages ----------------------------------------------------------------------
def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600)


def package_files(package: str, cache_dir: Path) -> tuple[Path, list[Path]] | None:
    """(root, files) of a package: the installed files, or an unpacked download; None if neither."""
    if shutil.which("dpkg-query"):
        status = _run(["dpkg-query", "-W", "-f=${Status}", package])
        if status.returncode == 0 and "install ok installed" in status.stdout:
            listed = _run(["dpkg", "-L", package]).stdout.splitlines()
            return Path("/"), [Path(p) for p in listed if Path(p).is_file()]
    target = cache_dir / package
    if not target.is_dir():
        if not (shutil.which("apt-get") and shutil.which("dpkg-deb")):
            return None
        cache_dir.mkdir(parents=True, exist_ok=True)
        dl = _run(["apt-get", "download", package], cwd=cache_dir)
        debs = sorted(cache_dir.glob(f"{package}_*.deb"))
        if dl.returncode != 0 or not debs:
            return None
        tmp = cache_dir / f".{package}.unpack"
        shutil.rmtree(tmp, ignore_errors=True)
        if _run(["dpkg-deb", "-x", str(debs[-1]), str(tmp)]).returncode != 0:
            return None
        tmp.rename(target)
    return target, sorted(p for p in target.rglob("*") if p.is_file())


def _is_html(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".html", ".htm", ".html.gz", ".htm.gz"))


def _read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.name.endswith(".gz") else data


def _evenly(items: list[Any], k: int) -> list[Any]:
    if k <= 0 or len(items) <= k:
        return items
    return [items[(i * len(items)) // k] for i in range(k)]


def debian_documents(packages: Iterable[str], cache_dir: Path, min_chars: int = 500, max_chars: int = 3000,
                     min_japanese_ratio: float = 0.3, max_per_package: int = 400,
                     counts: Counter | None = None) -> Iterator[dict[str, str]]:
    """Pieces of the packages' Japanese HTML pages as ``{id, source, text}`` rows."""
    counts = counts if counts is not None else Counter()
    for pkg in packages:
        found = package_files(pkg, cache_dir)
        if found is None:
            counts[f"package_unavailable:{pkg}"] += 1
            print(f"seed: package {pkg} is neither installed nor downloadable; skipped", file=sys.stderr)
            continue
        root, files = found
        rows = []
        for path in (p for p in files if _is_html(p)):
            rel = path.relative_to(root).as_posix()
            try:
                paragraphs = html_paragraphs(_read(path))
            except (OSError, EOFError, gzip.BadGzipFile):
                counts["unreadable_page"] += 1
                continue
            for n, piece in enumerate(pack_paragraphs(paragraphs, min_chars, max_chars)):
                if japanese_ratio(piece) < min_japanese_ratio:
                    counts["not_japanese_piece"] += 1
                    continue
                rows.append({"id": f"debian:{pkg}/{rel}#{n}", "source": f"debian:{pkg}", "text": piece})
        chosen = _evenly(rows, max_per_package)
        counts[f"debian:{pkg}"] += len(chosen)
        yield from chosen


# --- project-written documents ---------------------------------------------------------
def _field(item: Any, name: str) -> Any:
    if isinstance(item, dict):
        return item.get(name) if name in item else (item.get("metadata") or {}).get(name)
    value = getattr(item, name, None)
    if value is None:
        value = (getattr(item, "metadata", None) or {}).get(name)
    return value


def _synth_generator() -> Any:
    """``corpusforge.synth.japanese_documents``: the seed set is generated input, as synth-warc's is.

    Imported when called, on purpose: the generator loads its text banks, which scoring
    and training do not need.
    """
    from corpusforge.synth import japanese_documents

    return japanese_documents


def synth_documents(n: int, seed: int, counts: Counter | None = None,
                    max_jaccard: float | None = None) -> Iterator[dict[str, str]]:
    """About ``n`` project-written documents as ``{id, source, text}`` rows, kinds balanced.

    When the generator takes ``kinds`` (and its module lists ``JA_KINDS``), each kind gets
    an equal share, so educational kinds are not a small minority as in a crawl mix;
    ``max_jaccard`` (if the generator accepts it) keeps near-duplicate documents out, so
    the held-out evaluation is not inflated by copies of training documents.
    """
    counts = counts if counts is not None else Counter()
    generate = _synth_generator()
    if generate is None:
        counts["synth_unavailable"] += 1
        print("seed: corpusforge.synth.japanese_documents is not available; no synthetic documents",
              file=sys.stderr)
        return
    params = inspect.signature(generate).parameters
    kinds = getattr(sys.modules.get(generate.__module__), "JA_KINDS", None)
    groups: list[tuple[str | None, int]] = [(None, n)]
    if kinds and "kinds" in params:
        per_kind = max(1, n // len(kinds))
        groups = [(k, per_kind) for k in kinds]
    for kind_filter, count in groups:
        kwargs: dict[str, Any] = {"seed": seed} if "seed" in params else {}
        if kind_filter is not None:
            kwargs["kinds"] = [kind_filter]
        if max_jaccard is not None and "max_jaccard" in params:
            kwargs["max_jaccard"] = max_jaccard
        for i, item in enumerate(generate(count, **kwargs)):
            if i >= count:
                break
            text = item if isinstance(item, str) else _field(item, "text")
            if not isinstance(text, str) or not text.strip():
                counts["synth_empty"] += 1
                continue
            kind = str(_field(item, "kind") or kind_filter or "doc")
            counts[f"synth:{kind}"] += 1
            yield {"id": f"synth:{kind}/{seed}/{i}", "source": f"synth:{kind}", "text": text}


# --- the seed set -----------------------------------------------------------------------
def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "corpusforge" / "debian"


def build_seed_set(output: str | Path, recipe: dict[str, Any] | None = None, cache_dir: str | Path | None = None,
                   debian: bool = True, synth: bool = True, synth_n: int | None = None) -> Counter:
    """Write the seed documents to a parquet (``id``, ``source``, ``text``); returns counts per source."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from corpusforge.classify.recipe import load_recipe
    from corpusforge.io.atomic import tmp_path

    cfg = (recipe or load_recipe()).get("seed") or {}
    counts: Counter = Counter()
    rows: list[dict[str, str]] = []
    if synth:
        n = int(synth_n if synth_n is not None else cfg.get("synth_documents", 1200))
        jac = cfg.get("synth_max_jaccard")
        rows.extend(synth_documents(n, int(cfg.get("synth_seed", 7)), counts,
                                    max_jaccard=None if jac is None else float(jac)))
    if debian:
        rows.extend(debian_documents(cfg.get("debian_packages") or [], Path(cache_dir or default_cache_dir()),
                                     int(cfg.get("min_chars", 500)), int(cfg.get("max_chars", 3000)),
                                     float(cfg.get("min_japanese_ratio", 0.3)), int(cfg.get("max_per_package", 400)),
                                     counts))
    seen: set[str] = set()
    unique = []
    for r in rows:
        if r["id"] not in seen:
            seen.add(r["id"])
            unique.append(r)
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = tmp_path(out)
    table = pa.table({k: [r[k] for r in unique] for k in ("id", "source", "text")},
                     schema=pa.schema([("id", pa.string()), ("source", pa.string()), ("text", pa.string())]))
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(out)
    counts["documents"] = len(unique)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m corpusforge.classify.seed", description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", required=True, help="parquet to write (id, source, text)")
    ap.add_argument("--config", default=None,
                    help="classifier recipe (default: the shipped classifiers/train.yaml)")
    ap.add_argument("--cache-dir", default=None, help="where downloaded packages are unpacked "
                                                      "(default ~/.cache/corpusforge/debian)")
    ap.add_argument("--no-debian", action="store_true", help="leave out the Debian manuals")
    ap.add_argument("--no-synth", action="store_true", help="leave out the project-written documents")
    ap.add_argument("--synth-n", type=int, default=None, help="number of project-written documents")
    args = ap.parse_args(argv)
    from corpusforge.classify.recipe import load_recipe

    counts = build_seed_set(args.output, load_recipe(args.config), args.cache_dir, debian=not args.no_debian,
                            synth=not args.no_synth, synth_n=args.synth_n)
    for key, value in sorted(counts.items()):
        print(f"{key:40s} {value}")
    return 0 if counts["documents"] else 1


if __name__ == "__main__":
    sys.exit(main())
