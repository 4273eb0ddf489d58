"""Synthetic test data: CommonCrawl-like WARC files with ground truth, Japanese texts, bad inputs.

- ``generate_warc(path, records, seed, ja_fraction, ..., page_weight="light"|"cc")``: a
  deterministic crawl file plus ``<path>.truth.jsonl`` (one row per response, keyed by
  ``url``); ``read_truth(path)``. ``cc`` wraps the same pages in CommonCrawl-sized markup.
- ``japanese_documents(n, seed, kinds, min_chars)``: documents composed from the hand-written
  Japanese banks (``JA_KINDS``), for filter benchmarks, dedup tests and classifier seed sets.
- ``near_duplicate(text, edit_fraction, rng)``: a controlled near copy of a text.
- ``write_bad_warc(path, kind, seed)``: one defect per file (``BAD_KINDS``).
"""

from __future__ import annotations

from corpusforge.synth.badwarc import BAD_KINDS, write_bad_warc
from corpusforge.synth.charsets import LABEL_TO_CODEC, codec_for_label
from corpusforge.synth.compose import JA_KIND_WEIGHTS, JA_KINDS, japanese_documents, near_duplicate, split_sentences
from corpusforge.synth.pages import PAGE_WEIGHTS
from corpusforge.synth.similarity import text_jaccard
from corpusforge.synth.warcgen import generate_warc, read_truth

__all__ = [
    "BAD_KINDS",
    "JA_KINDS",
    "JA_KIND_WEIGHTS",
    "LABEL_TO_CODEC",
    "PAGE_WEIGHTS",
    "codec_for_label",
    "generate_warc",
    "japanese_documents",
    "near_duplicate",
    "read_truth",
    "split_sentences",
    "text_jaccard",
    "write_bad_warc",
]
