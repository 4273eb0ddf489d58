"""Train a byte-level BPE tokenizer on Japanese documents, MeCab-split at training time only.

The Tanuki / llm-jp recipe: words from MeCab (unidic-lite) are the units BPE merges
within, so no learned token crosses a word boundary. The saved ``tokenizer.json`` has
only the byte-level pre-tokenizer, so encoding needs no MeCab (a Python pre-tokenizer
cannot be saved in a ``tokenizer.json``). A held-out share of the documents (chosen by a
hash of the document id) never reaches training; its characters per token are reported.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

import xxhash

from corpusforge.document import Document

SPACE_MARK = "\u2581"  # stands for a space while MeCab splits a line, so word-leading spaces survive
EOS_TOKEN = "</s>"
BOS_TOKEN = "<s>"
PAD_TOKEN = "<pad>"
SPECIAL_TOKENS = (EOS_TOKEN, BOS_TOKEN, PAD_TOKEN)


@dataclass
class TrainingReport:
    """What the training saw and how well the tokenizer compresses held-out text."""

    vocab_size: int
    documents_train: int = 0
    chars_train: int = 0
    documents_held_out: int = 0
    chars_held_out: int = 0
    tokens_held_out: int = 0
    seconds: float = 0.0

    @property
    def chars_per_token_held_out(self) -> float:
        return self.chars_held_out / self.tokens_held_out if self.tokens_held_out else 0.0

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["chars_per_token_held_out"] = round(self.chars_per_token_held_out, 4)
        d["seconds"] = round(self.seconds, 3)
        return d


class MecabWordSplitter:
    """Splits text into MeCab words, each carrying the spaces that preceded it; newlines are words."""

    def __init__(self) -> None:
        import MeCab  # heavy: imported only when training

        self._tagger = MeCab.Tagger("-Owakati")

    def words(self, text: str) -> list[str]:
        out: list[str] = []
        for n, line in enumerate(text.split("\n")):
            if n:
                out.append("\n")
            if not line:
                continue
            marked = line.replace(" ", SPACE_MARK).replace("\x00", SPACE_MARK)
            try:
                parsed = self._tagger.parse(marked)
            except UnicodeEncodeError:  # lone surrogates
                parsed = self._tagger.parse(marked.encode("utf-8", "replace").decode("utf-8"))
            pending = ""
            for word in parsed.split():
                parts = word.split(SPACE_MARK)
                for i, part in enumerate(parts):
                    if i:
                        pending += " "
                    if part:
                        out.append(pending + part)
                        pending = ""
            if pending:
                out.append(pending)
        return out


def is_held_out(doc_id: str, every: int) -> bool:
    """One document in ``every`` (by a hash of its id) is kept out of training."""
    return every > 0 and xxhash.xxh64_intdigest(doc_id.encode("utf-8", "surrogatepass")) % every == 0


def train_tokenizer(docs: Iterable[Document], vocab_size: int, output_dir: str | Path, held_out_every: int = 20,
                    min_frequency: int = 2, max_chars: int = 0, progress: bool = False) -> TrainingReport:
    """Train on ``docs`` and save ``tokenizer.json`` + ``tokenizer_config.json`` + ``training.json``.

    ``max_chars`` (0: no limit) caps the training characters; held-out documents are
    encoded with the saved tokenizer (no MeCab) to report characters per token."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    t0 = time.perf_counter()
    if vocab_size < 300:
        raise ValueError(f"vocab size {vocab_size} is below the 256 byte tokens plus special tokens")
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = TrainingReport(vocab_size=vocab_size)
    held_out: list[str] = []
    splitter = MecabWordSplitter()

    def training_words() -> Iterator[list[str]]:
        for doc in docs:
            if not doc.text:
                continue
            if is_held_out(doc.id, held_out_every):
                held_out.append(doc.text)
                continue
            if max_chars and report.chars_train >= max_chars:
                continue
            report.documents_train += 1
            report.chars_train += len(doc.text)
            yield splitter.words(doc.text)

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, min_frequency=min_frequency,
                                  special_tokens=list(SPECIAL_TOKENS), show_progress=progress,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(training_words(), trainer=trainer)
    if report.documents_train == 0:
        raise ValueError("no document with text to train on (all empty or held out)")
    tok.save(str(out / "tokenizer.json"))
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "PreTrainedTokenizerFast", "eos_token": EOS_TOKEN, "bos_token": BOS_TOKEN,
        "pad_token": PAD_TOKEN, "add_bos_token": False, "add_eos_token": False}, indent=1) + "\n", encoding="utf-8")
    report.vocab_size = tok.get_vocab_size(with_added_tokens=True)
    report.documents_held_out = len(held_out)
    if held_out:
        encoded = Tokenizer.from_file(str(out / "tokenizer.json")).encode_batch_fast(held_out, add_special_tokens=False)
        report.chars_held_out = sum(len(t) for t in held_out)
        report.tokens_held_out = sum(len(e.ids) for e in encoded)
    report.seconds = time.perf_counter() - t0
    (out / "training.json").write_text(json.dumps(report.to_dict(), indent=1, sort_keys=True) + "\n",
                                       encoding="utf-8")
    return report
