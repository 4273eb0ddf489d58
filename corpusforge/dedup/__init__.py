"""Exact and near-duplicate removal: in-file exact dedup, MinHash signatures, the global
dedup phase (sorted band buckets -> candidate pairs -> partitioned connected components
-> ids to drop) and applying the drop list. Public entry points are re-exported here."""

from corpusforge.dedup.phase import DedupConfig, DedupPhase, read_drop_list, run_dedup_phase
from corpusforge.dedup.sigfile import DedupError, SignatureFileError
from corpusforge.dedup.standalone import ApplyPhase, SignPhase, dedup_files

__all__ = ["ApplyPhase", "DedupConfig", "DedupError", "DedupPhase", "SignPhase", "SignatureFileError", "dedup_files",
           "read_drop_list", "run_dedup_phase"]
