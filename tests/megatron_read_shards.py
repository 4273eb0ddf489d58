"""Run with a Python that has megatron-core: reads corpusforge shards with Megatron's own code.

    python megatron_read_shards.py SHARDS_DIR EOD_ID VOCAB_SIZE SAMPLES OUT.json

Writes the token ids of every document of every prefix (``IndexedDataset``) and the
share of samples per prefix of a ``BlendedMegatronDatasetBuilder`` + ``GPTDataset``
built from ``SHARDS/data-args.txt`` (the text Megatron-LM reads with --data-args-path).
"""

import json
import os
import sys
from collections import Counter, OrderedDict
from pathlib import Path

import torch
from megatron.core.datasets.blended_megatron_dataset_builder import BlendedMegatronDatasetBuilder
from megatron.core.datasets.gpt_dataset import GPTDataset, GPTDatasetConfig
from megatron.core.datasets.indexed_dataset import IndexedDataset
from megatron.core.datasets.utils import get_blend_from_list


class Tokenizer:
    """What GPTDataset asks of a tokenizer: the end-of-document id, a pad id, an identity."""

    def __init__(self, eod: int, vocab_size: int) -> None:
        self.eod = eod
        self.vocab_size = vocab_size
        self.pad = eod
        self.unique_identifiers = OrderedDict(class_name="corpusforge-test", eod=eod)


def main() -> None:
    shards, eod, vocab, samples = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    out = Path(sys.argv[5])
    os.environ.setdefault("MASTER_ADDR", "127.0.0.1")
    os.environ.setdefault("MASTER_PORT", str(29500 + os.getpid() % 1000))
    torch.distributed.init_process_group("gloo", rank=0, world_size=1)
    blend = json.loads((shards / "blend.json").read_text())
    docs = {}
    for p in blend["prefixes"]:
        ds = IndexedDataset(str(shards / p["prefix"]))
        docs[p["prefix"]] = [ds[i].tolist() for i in range(len(ds))]
    words = (shards / "data-args.txt").read_text().split()
    config = GPTDatasetConfig(random_seed=1234, sequence_length=32, blend=get_blend_from_list(words),
                              split="1,0,0", tokenizer=Tokenizer(eod, vocab), reset_position_ids=False,
                              reset_attention_mask=False, eod_mask_loss=False,
                              path_to_cache=str(shards.parent / "megatron-cache"))
    train, _, _ = BlendedMegatronDatasetBuilder(GPTDataset, [samples, 0, 0], lambda: True, config).build()
    prefixes = words[1::2]
    counts = Counter(int(train[i]["dataset_id"]) for i in range(len(train)))
    shares = {prefixes[k]: v / len(train) for k, v in counts.items()}
    first = train[0]
    out.write_text(json.dumps({"docs": docs, "samples": len(train), "shares": shares,
                               "sample_tokens": len(first["tokens"])}))
    torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
