"""The shard phase: mixture groups, tokenization and Megatron shards with blend weights."""

from corpusforge.shard.phase import ShardSettings, run_shard_phase

__all__ = ["ShardSettings", "run_shard_phase"]
