"""Tests for the human-factors taxonomy (aaib_cp.analysis.taxonomy)."""

from __future__ import annotations

import functools
import hashlib
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aaib_cp.analysis import (
    DEFAULT_TAXONOMY,
    Taxonomy,
    load_taxonomy,
    shipped_taxonomies,
)
from aaib_cp.exceptions import DefinitionError, InputError
from aaib_cp.workflow.yaml_source import load_yaml_text

EXPECTED_CODES = {
    "ORG": [
        "ORG.RESOURCING",
        "ORG.STAFFING",
        "ORG.CASELOAD",
        "ORG.SICKNESS",
        "ORG.AGENCY",
        "ORG.IT",
        "ORG.CLIMATE",
        "ORG.PROCESS",
    ],
    "SUP": [
        "SUP.OVERSIGHT",
        "SUP.QUALITY",
        "SUP.PLANNED",
        "SUP.UNCORRECTED",
        "SUP.VIOLATION",
    ],
    "PRE": [
        "PRE.STATE",
        "PRE.LIMITS",
        "PRE.TEAM",
        "PRE.MULTIAGENCY",
        "PRE.FAMILY",
        "PRE.ENVIRONMENT",
    ],
    "ACT": [
        "ACT.SKILL",
        "ACT.DECISION",
        "ACT.PERCEPTUAL",
        "ACT.ROUTINE",
        "ACT.EXCEPTIONAL",
    ],
}
ALL_CODES = [code for codes in EXPECTED_CODES.values() for code in codes]


@functools.cache
def hfacs() -> Taxonomy:
    """The shipped taxonomy, loaded once per test session."""
    return load_taxonomy()


def located(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first ``needle`` in ``text``."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


class TestShippedTaxonomy:
    def test_default_is_shipped(self) -> None:
        """The default taxonomy is hfacs-cp, and it is shipped."""
        assert DEFAULT_TAXONOMY == "hfacs-cp"
        assert shipped_taxonomies() == ["hfacs-cp"]
        assert hfacs().name == "hfacs-cp"
        assert load_taxonomy("hfacs-cp") == hfacs()

    def test_levels_top_down(self) -> None:
        """The four HFACS levels run from the organisation down to the unsafe act."""
        assert [lv.code for lv in hfacs().levels] == ["ORG", "SUP", "PRE", "ACT"]
        assert [lv.label for lv in hfacs().levels] == [
            "Organisational influences",
            "Unsafe supervision",
            "Preconditions",
            "Unsafe acts",
        ]

    def test_codes_in_order(self) -> None:
        """Codes are stable and listed level by level in file order."""
        assert list(hfacs().codes) == ALL_CODES
        for level in hfacs().levels:
            assert [c.code for c in level.categories] == EXPECTED_CODES[level.code]

    def test_descriptions_are_one_sentence(self) -> None:
        """Every level and category has a label and a one-sentence description."""
        entries = [*hfacs().levels, *(hfacs().get(code) for code in hfacs().codes)]
        for entry in entries:
            assert entry.label.strip()
            assert entry.description.endswith("."), entry.code
            assert ". " not in entry.description, entry.code

    def test_content_hash_is_sha256_of_file_bytes(self) -> None:
        """The content hash is the sha256 of the shipped file's bytes."""
        entry = resources.files("aaib_cp") / "data" / "taxonomies" / "hfacs-cp.yaml"
        assert hfacs().content_hash == hashlib.sha256(entry.read_bytes()).hexdigest()

    @settings(max_examples=50, deadline=None)
    @given(st.sampled_from(ALL_CODES))
    def test_get_and_level_of_round_trip(self, code: str) -> None:
        """Each code looks up to itself, inside the level its prefix names."""
        category = hfacs().get(code)
        assert category.code == code
        level = hfacs().level_of(code)
        assert level.code == code.split(".")[0] == category.level
        assert category in level.categories

    @settings(max_examples=100, deadline=None)
    @given(st.text(max_size=20).filter(lambda s: s not in ALL_CODES and s not in EXPECTED_CODES))
    def test_anything_else_is_refused(self, text: str) -> None:
        """Any text that is not a code is refused with an InputError."""
        with pytest.raises(InputError, match="unknown code"):
            hfacs().get(text)
        with pytest.raises(InputError):
            hfacs().level_of(text)

    @pytest.mark.parametrize(
        ("typo", "suggestion"),
        [
            ("ORG.STAFING", "ORG.STAFFING"),
            ("pre.multiagency", "PRE.MULTIAGENCY"),
            ("ACT.DECISIONS", "ACT.DECISION"),
        ],
    )
    def test_did_you_mean(self, typo: str, suggestion: str) -> None:
        """An unknown code suggests the nearest real one."""
        with pytest.raises(InputError, match=f"did you mean '{suggestion}'"):
            hfacs().get(typo)

    def test_level_code_is_not_a_category(self) -> None:
        """A level code given as a category lists that level's categories."""
        with pytest.raises(InputError, match="is a level, not a category; choose one of SUP"):
            hfacs().get("SUP")
        assert hfacs().level_of("SUP").label == "Unsafe supervision"
        with pytest.raises(InputError, match="did you mean 'PRE'"):
            hfacs().level("PER")

    def test_unknown_shipped_name(self) -> None:
        """An unknown bare taxonomy name is an InputError listing what is shipped."""
        with pytest.raises(InputError, match=r"did you mean 'hfacs-cp'\? \(shipped: hfacs-cp\)"):
            load_taxonomy("hfacs")

    def test_frozen(self) -> None:
        """The taxonomy and its entries cannot be changed."""
        with pytest.raises(AttributeError):
            hfacs().name = "other"  # type: ignore[misc]
        with pytest.raises(AttributeError):
            hfacs().get("ORG.IT").label = "x"  # type: ignore[misc]


GOOD = """\
name: tiny
version: 2
title: Tiny
levels:
  - code: ORG
    label: Organisational influences
    description: The organisation.
    categories:
      - code: ORG.STAFFING
        label: Staffing
        description: Vacancies.
"""

BROKEN = """\
name: tiny
version: 1
title: Tiny
levls: []
levels:
  - code: ORG
    label: Organisational influences
    description: The organisation.
    categories:
      - code: ORG.STAFFING
        label: Staffing
        description: Vacancies.
      - code: ORG.STAFFING
        label: Staffing again
        description: Duplicate.
      - code: SUP.OVERSIGHT
        label: Oversight
        description: Wrong level.
      - code: org.lower
        label: Lower
        description: Bad code.
      - code: ORG.IT
        lable: IT
        description: Misspelt key.
  - code: SUP
    label: 7
    description: Supervision.
    categories: none
  - code: PRE
    label: ""
    description: Preconditions.
    categories:
      - Just a string
"""


class TestValidation:
    def test_good_file_loads_by_path(self, tmp_path: Path) -> None:
        """A small valid file loads by path with its hash and version."""
        path = tmp_path / "tiny.yaml"
        path.write_text(GOOD, encoding="utf-8")
        tiny = load_taxonomy(path)
        assert (tiny.version, tiny.codes) == (2, ("ORG.STAFFING",))
        assert tiny.content_hash == hashlib.sha256(GOOD.encode()).hexdigest()
        assert Taxonomy.from_document(load_yaml_text(GOOD)).codes == tiny.codes

    def test_every_problem_reported_at_once(self, tmp_path: Path) -> None:
        """A broken taxonomy reports all its problems, each located, with suggestions."""
        path = tmp_path / "broken.yaml"
        path.write_text(BROKEN, encoding="utf-8")
        with pytest.raises(DefinitionError) as info:
            load_taxonomy(path)
        got = [str(p) for p in info.value.problems]
        expected = [
            ("levls", "levls", "unknown key 'levls'; did you mean 'levels'?"),
            (
                "ORG.STAFFING\n        label: Staffing again",
                "levels[0].categories[1].code",
                "duplicate code 'ORG.STAFFING' (first defined at line 10)",
            ),
            (
                "SUP.OVERSIGHT",
                "levels[0].categories[2].code",
                "code 'SUP.OVERSIGHT' must start with its level code 'ORG.'",
            ),
            ("org.lower", "levels[0].categories[3].code", "code must match"),
            (
                "lable",
                "levels[0].categories[4].lable",
                "unknown key 'lable'; did you mean 'label'?",
            ),
            ("7\n", "levels[1].label", "label must be text, not an integer"),
            ("none\n", "levels[1].categories", "categories must be a non-empty list"),
            ('""', "levels[2].label", "label must not be blank"),
            ("Just a string", "levels[2].categories[0]", "a category must be a mapping, not text"),
        ]
        for needle, where, message in expected:
            line, col = located(BROKEN, needle)
            prefix = f"{path}:{line}:{col}: {where}: "
            assert any(p.startswith(prefix) and message in p for p in got), (prefix, got)
        assert any(
            "levels[0].categories[4]: a category is missing required key 'label'" in p for p in got
        ), got
        assert len(got) == len(expected) + 1

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("[]\n", "a taxonomy must be a mapping, not a list"),
            (GOOD.replace("version: 2", "version: two"), "version must be a positive integer"),
            (GOOD.replace("name: tiny\n", ""), "a taxonomy is missing required key 'name'"),
            (GOOD.replace("  - code: ORG\n", "  - code: Org\n"), "code must match"),
            (GOOD + "levels: []\n", "duplicate key 'levels'"),
            (GOOD.split("levels:")[0] + "levels: []\n", "levels must be a non-empty list"),
        ],
    )
    def test_assorted_problems(self, tmp_path: Path, text: str, message: str) -> None:
        """Wrong shapes and types are located problems in a DefinitionError."""
        path = tmp_path / "t.yaml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(DefinitionError) as info:
            load_taxonomy(path)
        got = [str(p) for p in info.value.problems]
        assert all(p.startswith(f"{path}:") for p in got), got
        assert any(message in p for p in got), got
