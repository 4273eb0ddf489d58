"""The labelling prompt: loading, content-hash version, rendering, truncation.

The prompt file is a chat "user" message template with one ``{{document}}`` slot and,
for the one-pass edu + format + topic prompt, the slots ``{{format_classes}}`` and
``{{topic_classes}}`` filled from the taxonomy. Its version is the first 12 hex digits of
the SHA-256 of the template after the class lists are filled in, recorded with every
label, so labels made with different prompts or taxonomies are never mixed silently (any
edit, even whitespace, is a new version). A prompt without class slots (the older
edu-only prompt) hashes to the SHA-256 of its file, as before.

Token budget. LLM tokenizers give roughly one token per Japanese character (kana,
kanji, full-width symbols: between ~0.7 and ~1.3 tokens each in the Llama-3, Qwen and
GPT-4o tokenizers) and about one token per four characters of ASCII text. The budget
is therefore counted as 1 per non-ASCII character + 1/4 per ASCII character. It is an
estimate, not a tokenizer: keep ``max_doc_tokens`` well below the model's context.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from corpusforge.classify.taxonomy import AXES, Taxonomy
from corpusforge.resources import data_dir

PLACEHOLDER = "{{document}}"
TRUNCATION_MARK = "\n（以下省略）"
ASCII_CHARS_PER_TOKEN = 4


CLASS_SLOTS = {axis: f"{{{{{axis}_classes}}}}" for axis in AXES}


def default_prompt_path() -> Path:
    return data_dir("classifiers") / "label" / "prompt_ja.md"


def prompt_hash_of(data: bytes) -> str:
    """The version of a prompt: first 12 hex digits of SHA-256 of its bytes."""
    return hashlib.sha256(data).hexdigest()[:12]


def estimate_tokens(text: str) -> float:
    ascii_chars = sum(1 for c in text if ord(c) < 128)
    return (len(text) - ascii_chars) + ascii_chars / ASCII_CHARS_PER_TOKEN


def truncate_to_tokens(text: str, max_tokens: int) -> tuple[str, bool]:
    """The longest prefix within the token estimate, cut at a line end when one is near.

    Returns ``(text, truncated)``. Linear in the kept length: stops at the budget.
    """
    if max_tokens <= 0:
        return "", bool(text)
    budget = float(max_tokens)
    used = 0.0
    cut = len(text)
    for i, c in enumerate(text):
        used += 1.0 if ord(c) >= 128 else 1.0 / ASCII_CHARS_PER_TOKEN
        if used > budget:
            cut = i
            break
    if cut >= len(text):
        return text, False
    head = text[:cut]
    newline = head.rfind("\n")
    if newline >= cut * 0.8:  # prefer a clean line end if it costs at most 20% of the budget
        head = head[:newline]
    return head, True


@dataclass(frozen=True)
class LabelPrompt:
    """A loaded prompt template (class lists filled in), its version and the axes it asks for.

    ``axes``: the category axes whose class list the prompt shows (``()`` for an edu-only
    prompt); the reply parser then expects one key of each.
    """

    template: str
    hash: str
    path: str = ""
    axes: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: str | Path | None = None, taxonomy: Taxonomy | None = None) -> "LabelPrompt":
        p = Path(path) if path is not None else default_prompt_path()
        if not p.is_file():
            raise FileNotFoundError(f"prompt file not found: {p}")
        template = p.read_bytes().decode("utf-8")
        if template.count(PLACEHOLDER) != 1:
            raise ValueError(f"{p}: the prompt must contain {PLACEHOLDER} exactly once")
        axes = tuple(axis for axis in AXES if CLASS_SLOTS[axis] in template)
        if axes:
            tax = taxonomy or Taxonomy.load()
            for axis in axes:
                template = template.replace(CLASS_SLOTS[axis], tax.render(axis))
        return cls(template=template, hash=prompt_hash_of(template.encode("utf-8")), path=str(p), axes=axes)

    def render(self, document: str, max_doc_tokens: int) -> tuple[str, bool]:
        """The user message for one document, truncated to the budget; and whether it was cut."""
        body, truncated = truncate_to_tokens(document.strip(), max_doc_tokens)
        if truncated:
            body += TRUNCATION_MARK
        before, after = self.template.split(PLACEHOLDER)
        return before + body + after, truncated

    def messages(self, document: str, max_doc_tokens: int) -> list[dict[str, str]]:
        """Chat-completions ``messages`` for one document."""
        content, _ = self.render(document, max_doc_tokens)
        return [{"role": "user", "content": content}]
