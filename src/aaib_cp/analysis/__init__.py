"""Analysis aids: just-culture decision trees and human-factors taxonomies, as data.

The trees, taxonomies and :mod:`.classification` touch neither storage nor the command
line. :mod:`.service` (``Analysis``, imported on its own, not from here) orchestrates
acts, factors, classifications and findings over the store, as ``Casebook`` does.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

#: Where each public name lives: imported on first use, so that importing a module of
#: this package (the store's facts, say) does not build the trees' classes.
_HOMES = {
    **dict.fromkeys(
        (
            "CATEGORIES",
            "MARX_RESPONSES",
            "MITIGATING_ANSWER",
            "NHS_OUTCOMES",
            "DecisionTree",
            "Outcome",
            "Question",
            "Walk",
            "load_tree",
            "shipped_trees",
        ),
        "aaib_cp.analysis.decision_tree",
    ),
    **dict.fromkeys(
        (
            "DEFAULT_TAXONOMY",
            "Category",
            "Level",
            "Taxonomy",
            "load_taxonomy",
            "shipped_taxonomies",
        ),
        "aaib_cp.analysis.taxonomy",
    ),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(home), name)


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
