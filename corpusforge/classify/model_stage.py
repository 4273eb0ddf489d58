"""``ModelStage``: what the scoring stages share — batches, and models loaded in each worker."""

from __future__ import annotations

from typing import Any, Iterable, Iterator

from corpusforge.document import Document
from corpusforge.stage import Stage


def batches(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    """Consecutive lists of ``size`` documents (the last one shorter): MeCab and fastText are
    called on many documents at once. A waiting document drops its caches (``scratch``, e.g.
    the filters' text analysis, several times the text's size): a batch holds texts only."""
    batch: list[Document] = []
    for doc in docs:
        doc.scratch.clear()
        batch.append(doc)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class ModelStage(Stage):
    """A stage that scores documents in batches with a scorer built on first use.

    fastText and MeCab objects do not pickle, so the scorer is left out of the pickled stage
    and rebuilt in each worker process. Subclasses give ``load_scorer`` and ``score_batch``.
    """

    def __init__(self, batch_size: int, name: str | None = None) -> None:
        super().__init__(name)
        self.batch_size = max(1, int(batch_size))
        self._scorer: Any = None

    def load_scorer(self) -> Any:
        raise NotImplementedError

    def score_batch(self, batch: list[Document]) -> Iterator[Document]:
        raise NotImplementedError

    @property
    def scorer(self) -> Any:
        if self._scorer is None:
            self._scorer = self.load_scorer()
        return self._scorer

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_scorer"] = None
        return state

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        for batch in batches(docs, self.batch_size):
            yield from self.score_batch(batch)
