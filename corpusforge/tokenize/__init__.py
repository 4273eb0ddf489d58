"""Tokenizers by path, tokenizer training, and Megatron's indexed-dataset format."""

from corpusforge.tokenize.indexed import IndexedDataset, IndexedDatasetWriter, token_dtype
from corpusforge.tokenize.tokenizer import TextTokenizer, TokenizerError

__all__ = ["IndexedDataset", "IndexedDatasetWriter", "TextTokenizer", "TokenizerError", "token_dtype"]
