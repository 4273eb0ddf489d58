"""URL and host rules: UT1-style category blocklists, TLD allow / deny lists, per-host drops.

Blocklist folder layout (as in the UT1 blacklists of Université Toulouse 1 Capitole,
which the Swallow Corpus uses): one sub-folder per category, each with a ``domains``
file of one domain per line (``#`` comments allowed). A listed domain also blocks its
subdomains. ``filters/blocklists/`` ships a tiny example of that layout; point
``folder`` to a real UT1 download for production runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

from corpusforge.config import resolve_data_path
from corpusforge.document import Document
from corpusforge.filters.blocklist_index import open_index
from corpusforge.filters.domains import normalize_host, read_domains
from corpusforge.filters.rules import QualityFilter, Rule


def host_of(doc: Document) -> str:
    """The document's host: ``metadata["domain"]`` when set, else parsed from ``doc.url``."""
    host = doc.metadata.get("domain")
    if not isinstance(host, str) or not host:
        try:
            host = (urlsplit(doc.url).hostname or "") if doc.url else ""
        except ValueError:
            host = ""
    return normalize_host(host)


def host_suffixes(host: str) -> Iterable[str]:
    """The host and each parent domain: a.b.example.jp, b.example.jp, example.jp, jp."""
    while host:
        yield host
        dot = host.find(".")
        if dot < 0:
            return
        host = host[dot + 1:]


def load_blocklist(folder: Path, categories: list[str] | None = None) -> tuple[dict[str, str], list[str]]:
    """domain → comma-joined categories, and the requested categories the folder lacks.

    The plain dict (hundreds of MB per process for the full UT1 lists): the reference the
    memory-mapped index is tested and benchmarked against.
    """
    wanted = categories if categories is not None else sorted(
        p.name for p in folder.iterdir() if (p / "domains").is_file())
    table: dict[str, set[str]] = {}
    missing = []
    for cat in wanted:
        f = folder / cat / "domains"
        if not f.is_file():
            missing.append(cat)
            continue
        for d in read_domains(f):
            table.setdefault(d, set()).add(cat)
    return {d: ",".join(sorted(c)) for d, c in table.items()}, missing


def _as_list(value: Any, param: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise ValueError(f"{param} must be a string or a list of strings")


class DomainBlocklistFilter(QualityFilter):
    """Hosts listed in a UT1-style category blocklist (Swallow: 28 UT1 categories + a custom list).

    The list is read once into a memory-mapped index under ``cache_dir`` (default
    ``~/.cache/corpusforge``, see ``blocklist_index``) that every worker process shares.

    Signal ``q_blocklist``: the matching categories, comma-joined ('' when none).
    Categories the folder does not have are counted once (per input file in a run) as ``missing_category:<name>``.
    """

    def __init__(self, folder: str = "blocklists", categories: list[str] | None = None, enabled: bool = True,
                 cache_dir: str | None = None, config_dir: str | None = None, name: str | None = None) -> None:
        super().__init__(name)
        base = Path(config_dir) if config_dir else None
        self.folder = resolve_data_path(folder, base)
        if not self.folder.is_dir():
            raise ValueError(f"blocklist folder is not a directory: {self.folder}")
        self.categories = _as_list(categories, "categories") if categories is not None else None
        self.enabled = bool(enabled)
        self.index = open_index(self.folder, self.categories, Path(cache_dir) if cache_dir else None)
        self.missing = self.index.missing
        for cat in self.missing:
            self.stats.count(f"missing_category:{cat}")

    def resume_segment(self, state: Any) -> None:
        for cat in self.missing:  # counted by the first segment of the file
            del self.stats.counters[f"missing_category:{cat}"]

    def measure(self, doc: Document) -> dict[str, Any]:
        return {"q_blocklist": self.index.categories(host_suffixes(host_of(doc))) or ""}

    def rules(self) -> list[Rule | None]:
        return [self.rule("blocked_domain", "q_blocklist", "not_in", frozenset({""}) if self.enabled else None,
                          "enabled")]


class TLDFilter(QualityFilter):
    """Top-level domain allow / deny lists (llm-jp-corpus: an allow-list of 13 TLDs).

    Signal ``q_tld``: the last label of the host ('' without a URL). Documents without a
    URL pass the allow-list when ``keep_without_url`` is true (text corpora).
    """

    def __init__(self, allow: list[str] | None = None, deny: list[str] | None = None, keep_without_url: bool = True,
                 name: str | None = None) -> None:
        super().__init__(name)
        self.allow = frozenset(t.lower().lstrip(".") for t in _as_list(allow, "allow")) if allow is not None else None
        self.deny = frozenset(t.lower().lstrip(".") for t in _as_list(deny, "deny"))
        self.keep_without_url = bool(keep_without_url)

    def measure(self, doc: Document) -> dict[str, Any]:
        host = host_of(doc)
        return {"q_tld": host.rsplit(".", 1)[-1] if host else ""}

    def rules(self) -> list[Rule | None]:
        allow = None
        if self.allow is not None:
            allow = self.allow | {""} if self.keep_without_url else self.allow
        return [self.rule("tld_not_allowed", "q_tld", "not_in", allow, "allow"),
                self.rule("tld_denied", "q_tld", "in", self.deny or None, "deny")]


class HostFilter(QualityFilter):
    """Drop listed hosts (and their subdomains): mirrors, boards, sites kept in other subsets.

    Swallow drops ``*.5ch.net`` and ``*wikipedia.org``; llm-jp-corpus drops
    ``ja.wikipedia.org`` (Wikipedia enters the corpus from its own dump). Signal
    ``q_host_blocked`` (bool).
    """

    def __init__(self, hosts: list[str] | None = None, hosts_file: str | None = None, match_subdomains: bool = True,
                 config_dir: str | None = None, name: str | None = None) -> None:
        super().__init__(name)
        listed = [normalize_host(h) for h in _as_list(hosts, "hosts")]
        if hosts_file:
            listed += read_domains(resolve_data_path(hosts_file, Path(config_dir) if config_dir else None))
        self.hosts = frozenset(h for h in listed if h)
        self.match_subdomains = bool(match_subdomains)

    def measure(self, doc: Document) -> dict[str, Any]:
        host = host_of(doc)
        if self.match_subdomains:
            blocked = any(h in self.hosts for h in host_suffixes(host))
        else:
            blocked = host in self.hosts
        return {"q_host_blocked": blocked}

    def rules(self) -> list[Rule | None]:
        return [self.rule("blocked_host", "q_host_blocked", "is_true", True if self.hosts else None, "hosts")]
