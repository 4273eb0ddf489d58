"""Mixtures: document groups by column, target shares or multiplicities, copies per document."""

from corpusforge.mix.mixture import Condition, Mixture, MixtureError, MixtureGroup
from corpusforge.mix.plan import GroupPlan, copies, doc_hash, find_remainder_cut, plan_groups, set_remainder_cut

__all__ = ["Condition", "GroupPlan", "Mixture", "MixtureError", "MixtureGroup", "copies", "doc_hash",
           "find_remainder_cut", "plan_groups", "set_remainder_cut"]
