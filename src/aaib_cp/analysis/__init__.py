"""Analysis aids: just-culture decision trees and human-factors taxonomies, as data.

The trees, taxonomies and :mod:`.classification` touch neither storage nor the command
line. :mod:`.service` (``Analysis``, imported on its own, not from here) orchestrates
acts, factors, classifications and findings over the store, as ``Casebook`` does.
"""

from aaib_cp.analysis.decision_tree import (
    CATEGORIES,
    MARX_RESPONSES,
    MITIGATING_ANSWER,
    NHS_OUTCOMES,
    DecisionTree,
    Outcome,
    Question,
    Walk,
    load_tree,
    shipped_trees,
)
from aaib_cp.analysis.taxonomy import (
    DEFAULT_TAXONOMY,
    Category,
    Level,
    Taxonomy,
    load_taxonomy,
    shipped_taxonomies,
)

__all__ = [
    "CATEGORIES",
    "DEFAULT_TAXONOMY",
    "MARX_RESPONSES",
    "MITIGATING_ANSWER",
    "NHS_OUTCOMES",
    "Category",
    "DecisionTree",
    "Level",
    "Outcome",
    "Question",
    "Taxonomy",
    "Walk",
    "load_taxonomy",
    "load_tree",
    "shipped_taxonomies",
    "shipped_trees",
]
