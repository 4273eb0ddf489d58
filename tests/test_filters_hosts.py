"""URL / host rules: UT1-style blocklist folders, TLD lists, per-host drops."""

from __future__ import annotations

from pathlib import Path

import pytest

from corpusforge.config import ConfigError, build_stage
from corpusforge.document import Document
from corpusforge.filters.hosts import DomainBlocklistFilter, HostFilter, TLDFilter, host_of, load_blocklist


def ut1(tmp_path: Path) -> Path:
    root = tmp_path / "blacklists"
    for cat, domains in {"adult": ["porn-site.test", "# comment", "", "WWW.Upper.Test"],
                         "gambling": ["casino.test", "porn-site.test"],
                         "shopping": ["shop.test"]}.items():
        (root / cat).mkdir(parents=True)
        (root / cat / "domains").write_text("\n".join(domains) + "\n", encoding="utf-8")
        (root / cat / "urls").write_text("shop.test/some/page\n", encoding="utf-8")
    return root


def doc(url: str = "", domain: str | None = None) -> Document:
    d = Document(id="1", text="本文です。", url=url)
    if domain is not None:
        d.metadata["domain"] = domain
    return d


def test_loader_reads_categories_and_reports_missing(tmp_path: Path) -> None:
    table, missing = load_blocklist(ut1(tmp_path), ["adult", "gambling", "warez"])
    assert table["porn-site.test"] == "adult,gambling"
    assert table["upper.test"] == "adult"
    assert missing == ["warez"]
    everything, _ = load_blocklist(ut1(tmp_path / "b"))
    assert "shop.test" in everything


@pytest.mark.parametrize("url,expected", [
    ("https://porn-site.test/a", "adult,gambling"),
    ("https://cdn.images.porn-site.test/a.jpg", "adult,gambling"),   # subdomains match
    ("https://www.casino.test/", "gambling"),
    ("https://notporn-site.test/", ""),                              # a suffix is not a subdomain
    ("https://shop.test/", ""),                                      # category not enabled
    ("", ""),
])
def test_blocklist_matches_domains_and_subdomains(tmp_path: Path, url: str, expected: str) -> None:
    f = DomainBlocklistFilter(folder=str(ut1(tmp_path)), categories=["adult", "gambling"])
    d = doc(url)
    reason = f.check(d)
    assert d.metadata["q_blocklist"] == expected
    assert reason == ("blocked_domain" if expected else None)


def test_blocklist_counts_missing_categories(tmp_path: Path) -> None:
    f = DomainBlocklistFilter(folder=str(ut1(tmp_path)), categories=["adult", "doh"])
    assert f.stats.counters["missing_category:doh"] == 1


def test_shipped_example_blocklist_via_config() -> None:
    f = build_stage({"stage": "DomainBlocklistFilter", "folder": "blocklists", "categories": ["adult"]})
    assert f.check(doc("https://adult-videos.example/x")) == "blocked_domain"
    with pytest.raises(ConfigError):
        build_stage({"stage": "DomainBlocklistFilter", "folder": "no-such-folder"})


def test_domain_metadata_is_preferred_over_the_url() -> None:
    assert host_of(doc("https://a.example.jp/", domain="b.example.jp")) == "b.example.jp"
    assert host_of(doc("https://WWW.Example.JP:8080/x")) == "example.jp"
    assert host_of(doc("http://[::1")) == ""          # malformed URL: no host, no exception


def test_tld_allow_and_deny_lists() -> None:
    allow = TLDFilter(allow=["jp", "com"])
    assert allow.check(doc("https://example.co.jp/")) is None
    d = doc("https://example.de/")
    assert allow.check(d) == "tld_not_allowed" and d.metadata["q_tld"] == "de"
    assert allow.check(doc("")) is None                                   # text corpora without URLs
    assert TLDFilter(allow=["jp"], keep_without_url=False).check(doc("")) == "tld_not_allowed"
    assert TLDFilter(deny=["xyz"]).check(doc("https://free-prize.xyz/")) == "tld_denied"


def test_host_filter_exact_and_subdomains() -> None:
    swallow = HostFilter(hosts=["5ch.net", "wikipedia.org"])
    assert swallow.check(doc("https://hayabusa9.5ch.net/test/")) == "blocked_host"
    assert swallow.check(doc("https://ja.wikipedia.org/wiki/x")) == "blocked_host"
    assert swallow.check(doc("https://example.jp/")) is None
    exact = HostFilter(hosts=["ja.wikipedia.org"], match_subdomains=False)
    assert exact.check(doc("https://ja.wikipedia.org/")) == "blocked_host"
    d = doc("https://en.wikipedia.org/")
    assert exact.check(d) is None and d.metadata["q_host_blocked"] is False


def test_host_file(tmp_path: Path) -> None:
    (tmp_path / "hosts.txt").write_text("# mirrors\nmirror.example\n", encoding="utf-8")
    f = build_stage({"stage": "HostFilter", "hosts_file": "hosts.txt", "_base": str(tmp_path)})
    assert f.check(doc("http://a.mirror.example/")) == "blocked_host"
