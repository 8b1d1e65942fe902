"""Analysis aids: just-culture decision trees and human-factors taxonomies, as data.

Nothing here touches storage or the command line; the engine stores what these return.
"""

from .decision_tree import (
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
from .taxonomy import (
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
