"""The generator's text banks, read once from the UTF-8 JSON files of ``synth/data/``.

Every text is original writing for this project (names of people, businesses, products
and sites are invented). Each bank is a JSON object of named lists / tables:

* ``ja_encyclopedia.json`` — encyclopedic である/だ prose by topic;
* ``ja_education.json``    — lesson-style です・ます prose by topic;
* ``ja_web.json``          — news, blogs, boards, shops, spam, mild adult-word pages,
  short pages and page boilerplate;
* ``other.json``           — English, Chinese, Korean, German, French and Spanish texts
  (the ~95% of a crawl that is not Japanese; the Chinese never has kana).

Mini-syntax read by ``compose.py``: ``{a|b}`` picks one alternative, ``[slot]`` is filled
from the slot tables (``[topic]`` is the title). Japanese texts use only characters that
encode in Shift_JIS, CP932, EUC-JP and ISO-2022-JP.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

DATA_DIR = Path(__file__).with_name("data")


def _bank(name: str) -> SimpleNamespace:
    with open(DATA_DIR / f"{name}.json", encoding="utf-8") as f:
        return SimpleNamespace(**json.load(f))


JA_ENCYCLOPEDIA = _bank("ja_encyclopedia")
JA_EDUCATION = _bank("ja_education")
JA_WEB = _bank("ja_web")
OTHER = _bank("other")
