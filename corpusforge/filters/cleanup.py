"""Line-level cleanup: mappers that change the text instead of dropping the document.

Each mapper records what it changed in the document metadata (``q_`` keys, always set,
0 / False when nothing changed) and in its stage counters, so the effect of a cleanup
step can be measured like a filter.
"""

from __future__ import annotations

import re

from corpusforge.document import Document
from corpusforge.filters.rules import threshold
from corpusforge.filters.wordlists import load_wordlists
from corpusforge.stage import Mapper


class TextRepair(Mapper):
    """Lone surrogates (broken UTF-16 / bad decoding upstream) → joined pairs or U+FFFD.

    Such strings cannot be encoded as UTF-8, so nothing downstream (parquet, MeCab,
    tokenizers) could store or read them. Signal ``q_repaired_chars``: characters replaced.
    """

    def apply(self, doc: Document) -> Document:
        text = doc.text
        try:
            text.encode("utf-8")
            doc.metadata["q_repaired_chars"] = 0
            return doc
        except UnicodeEncodeError:
            pass
        fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        repaired = fixed.count("\ufffd") - text.count("\ufffd")
        doc.text = fixed
        doc.metadata["q_repaired_chars"] = repaired
        self.stats.count("docs_repaired")
        self.stats.count("chars_repaired", repaired)
        return doc


# Swallow kutoten.py: a Japanese letter or closing bracket right before the mark
_JA_BEFORE = "[）」』］〕】〉》\u3041-\u3096\u30a1-\u30fa々〇〻\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]"
_TOTEN_JA = re.compile(_JA_BEFORE + "、+")
_TOTEN_WIDE = re.compile(_JA_BEFORE + "，+")
_KUTEN_JA = re.compile(_JA_BEFORE + "。+")
_KUTEN_WIDE = re.compile(_JA_BEFORE + "．+")
# replaced where not preceded by a letter or digit (３．１４ and Ｈｉ， stay as they are)
_WIDE_COMMA_TARGET = re.compile("(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])，|(?<=，)，")
_WIDE_PERIOD_TARGET = re.compile("(?<![0-9A-Za-z０-９Ａ-Ｚａ-ｚ])．|(?<=．)．")


class PunctuationNormalizer(Mapper):
    """，． → 、。 where the page uses them as Japanese punctuation (Swallow Corpus cleaning).

    When runs of ， after Japanese letters outnumber runs of 、 (likewise ． vs 。), every
    ， (．) not preceded by a letter or digit becomes 、 (。). Swallow's exception covers
    full-width letters and digits only; this one also keeps ASCII ones (3．14 after width
    normalization). Signals: ``q_toten_normalized``, ``q_kuten_normalized`` (bool).
    """

    def apply(self, doc: Document) -> Document:
        text = doc.text
        toten = kuten = False
        if "，" in text and len(_TOTEN_WIDE.findall(text)) > len(_TOTEN_JA.findall(text)):
            text = _WIDE_COMMA_TARGET.sub("、", text)
            toten = True
        if "．" in text and len(_KUTEN_WIDE.findall(text)) > len(_KUTEN_JA.findall(text)):
            text = _WIDE_PERIOD_TARGET.sub("。", text)
            kuten = True
        if toten or kuten:
            doc.text = text
            self.stats.count("docs_changed")
        doc.metadata["q_toten_normalized"] = toten
        doc.metadata["q_kuten_normalized"] = kuten
        return doc


class FooterTrimmer(Mapper):
    """Cut a page's footer: the first of the last N lines made mostly of footer keywords, and all after it.

    Swallow Corpus: N = 10 lines, a line is a footer when the characters of the footer
    keywords it contains (longest keywords removed first) are more than 30% of its
    characters. With ``content_line_chars`` set, a footer-like line (a widget heading
    such as お知らせ or ランキング) followed by a content line — at least that many
    characters, ending a sentence with 。！？, not itself footer-like — is not a cut point.
    Signals: ``q_footer_lines_removed``, ``q_footer_chars_removed``.
    """

    def __init__(self, keywords: str | list[str] = "wordlists/footer_keywords.txt", last_lines: int = 10,
                 min_keyword_share: float = 0.3, content_line_chars: int | None = None,
                 config_dir: str | None = None, name: str | None = None) -> None:
        super().__init__(name)
        self.content_line_chars = threshold(content_line_chars, "content_line_chars", int)
        words = load_wordlists(keywords, config_dir)
        self.keywords = sorted(set(words), key=lambda w: (-len(w), w))
        self.any_keyword = re.compile("|".join(re.escape(w) for w in self.keywords)) if self.keywords else None
        self.last_lines = int(threshold(last_lines, "last_lines", int))
        self.min_keyword_share = float(threshold(min_keyword_share, "min_keyword_share"))

    def keyword_share(self, line: str) -> float:
        """Characters of footer keywords in the line ÷ its characters (Swallow's sequential removal)."""
        if not line or self.any_keyword is None or self.any_keyword.search(line) is None:
            return 0.0
        total = len(line)
        for w in self.keywords:
            if w in line:
                line = line.replace(w, "")
        return (total - len(line)) / total

    def _is_content(self, line: str) -> bool:
        return (len(line) >= (self.content_line_chars or 0) and any(m in line for m in "。！？")
                and self.keyword_share(line) <= self.min_keyword_share)

    def apply(self, doc: Document) -> Document:
        lines = doc.text.split("\n")
        cut = len(lines)
        for i in range(max(0, len(lines) - self.last_lines), len(lines)):
            if self.keyword_share(lines[i]) > self.min_keyword_share:
                if self.content_line_chars is not None and any(self._is_content(x) for x in lines[i + 1:]):
                    continue
                cut = i
                break
        removed_lines = len(lines) - cut
        removed_chars = 0
        if removed_lines:
            new = "\n".join(lines[:cut])
            removed_chars = len(doc.text) - len(new)
            doc.text = new
            self.stats.count("docs_changed")
            self.stats.count("lines_removed", removed_lines)
        doc.metadata["q_footer_lines_removed"] = removed_lines
        doc.metadata["q_footer_chars_removed"] = removed_chars
        return doc


class BoilerplateLineRemover(Mapper):
    """Remove header / footer / navigation lines near the start and end of a page.

    Each of the first ``head_lines`` and last ``tail_lines`` lines is removed when it is
    at most ``max_line_chars`` characters long and matches one of the patterns (one
    regular expression per line in the pattern file: copyright notices, ログイン,
    プライバシーポリシー, breadcrumbs like ``ホーム > カテゴリ > 記事``, share buttons …).
    Signal ``q_boilerplate_lines_removed``.
    """

    def __init__(self, patterns: str | list[str] = "wordlists/boilerplate_lines.txt", head_lines: int = 5,
                 tail_lines: int = 10, max_line_chars: int = 80, config_dir: str | None = None,
                 name: str | None = None) -> None:
        super().__init__(name)
        lines = load_wordlists(patterns, config_dir)
        try:
            self.pattern = re.compile("|".join(f"(?:{p})" for p in lines))
        except re.error as e:
            raise ValueError(f"invalid boilerplate pattern: {e}") from None
        self.head_lines = int(threshold(head_lines, "head_lines", int))
        self.tail_lines = int(threshold(tail_lines, "tail_lines", int))
        self.max_line_chars = int(threshold(max_line_chars, "max_line_chars", int))

    def _is_boilerplate(self, line: str) -> bool:
        s = line.strip()
        return bool(s) and len(s) <= self.max_line_chars and self.pattern.search(s) is not None

    def apply(self, doc: Document) -> Document:
        lines = doc.text.split("\n")
        n = len(lines)
        candidates = set(range(min(self.head_lines, n))) | set(range(max(0, n - self.tail_lines), n))
        drop = {i for i in candidates if self._is_boilerplate(lines[i])}
        if drop:
            doc.text = "\n".join(line for i, line in enumerate(lines) if i not in drop)
            self.stats.count("docs_changed")
            self.stats.count("lines_removed", len(drop))
        doc.metadata["q_boilerplate_lines_removed"] = len(drop)
        return doc


_EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}"
                       r"@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63}){1,8}")
_SEP = "[-‐－ー−― ]"
_PHONE_RE = re.compile(
    r"(?<![0-9０-９])(?:"
    rf"0\d{{1,4}}{_SEP}?\(?\d{{1,4}}\)?{_SEP}?\d{{3,4}}"
    rf"|0\d{{1,4}}[(（]\d{{1,4}}[)）]\d{{3,4}}"
    rf"|\+81{_SEP}?\d{{1,4}}{_SEP}?\d{{1,4}}{_SEP}?\d{{3,4}}"
    r")(?![0-9０-９])")


class PersonalInfoMasker(Mapper):
    """Mask e-mail addresses and Japanese phone numbers (HojiChar ``MaskPersonalInformation``).

    Signals: ``q_emails_masked``, ``q_phones_masked``.
    """

    def __init__(self, email: bool = True, phone: bool = True, email_mask: str = "[EMAIL]",
                 phone_mask: str = "[PHONE]", name: str | None = None) -> None:
        super().__init__(name)
        self.email, self.phone = bool(email), bool(phone)
        self.email_mask, self.phone_mask = str(email_mask), str(phone_mask)

    def apply(self, doc: Document) -> Document:
        text = doc.text
        emails = phones = 0
        if self.email and "@" in text:
            text, emails = _EMAIL_RE.subn(self.email_mask, text)
        if self.phone:
            text, phones = _PHONE_RE.subn(self.phone_mask, text)
        if emails or phones:
            doc.text = text
            self.stats.count("docs_changed")
            self.stats.count("emails_masked", emails)
            self.stats.count("phones_masked", phones)
        doc.metadata["q_emails_masked"] = emails
        doc.metadata["q_phones_masked"] = phones
        return doc


_KANA_LINE_RE = re.compile("[\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_LLMJP_URL_RE = re.compile(r"https?://[\w/:%#$&?()~.=+\-]+")


class JapaneseLineExtractor(Mapper):
    """llm-jp-corpus line cleanup: keep lines with kana, strip URLs and long ASCII runs.

    Lines without hiragana / katakana (menus in English, numbers, code) are dropped;
    in the kept lines, URLs and runs of ``ascii_run_chars`` or more ASCII characters are
    removed. llm-jp-corpus v1 joins the kept lines without a separator (``join_with: ""``).
    Signals: ``q_nonja_lines_removed``, ``q_extract_chars_removed``.
    """

    def __init__(self, ascii_run_chars: int = 100, join_with: str = "\n", name: str | None = None) -> None:
        super().__init__(name)
        self.ascii_run_chars = int(threshold(ascii_run_chars, "ascii_run_chars", int))
        self.ascii_run = re.compile(f"[\u0000-\u007f]{{{self.ascii_run_chars},}}")
        self.join_with = str(join_with)

    def apply(self, doc: Document) -> Document:
        kept = []
        dropped = 0
        for line in doc.text.split("\n"):
            if _KANA_LINE_RE.search(line) is None:
                dropped += 1
                continue
            if "http" in line:
                line = _LLMJP_URL_RE.sub("", line)
            if len(line) >= self.ascii_run_chars:   # a shorter line cannot hold such a run
                line = self.ascii_run.sub("", line)
            kept.append(line)
        new = self.join_with.join(kept)
        removed = len(doc.text) - len(new)
        if new != doc.text:
            doc.text = new
            self.stats.count("docs_changed")
            self.stats.count("lines_removed", dropped)
        doc.metadata["q_nonja_lines_removed"] = dropped
        doc.metadata["q_extract_chars_removed"] = removed
        return doc
