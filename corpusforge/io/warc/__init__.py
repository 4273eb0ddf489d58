"""Reading WARC files: ``WarcReader`` (``reader.py``) on the fast parser, split by concern.

* ``inflate.py`` — which library inflates sound gzip members (ISA-L or zlib);
* ``source.py``  — byte sources: the mapped file and the inflated bytes of one member;
* ``headers.py`` — WARC / HTTP header blocks parsed with warcio's rules;
* ``records.py`` — the record parser, HTTP bodies, faults and resynchronisation;
* ``reader.py``  — ``WarcReader``: records to documents, counters, the warcio engine.
"""

from corpusforge.io.warc.reader import WarcReader, domain_of

__all__ = ["WarcReader", "domain_of"]
