"""Tests for the just-culture decision trees (aaib_cp.analysis.decision_tree)."""

from __future__ import annotations

import functools
import hashlib
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aaib_cp.analysis import (
    MITIGATING_ANSWER,
    DecisionTree,
    Walk,
    load_tree,
    shipped_trees,
)
from aaib_cp.exceptions import DefinitionError, InputError
from aaib_cp.workflow.yaml_source import load_yaml_text

TREES = ("nhs-just-culture", "reason-culpability")


@functools.cache
def tree(name: str) -> DecisionTree:
    """Each shipped tree, loaded once per test session."""
    return load_tree(name)


@functools.cache
def fresh(name: str) -> DecisionTree:
    """A second, separately loaded instance of each shipped tree."""
    return load_tree(name)


@functools.cache
def all_paths(name: str) -> tuple[Walk, ...]:
    """Every path of each shipped tree, enumerated once per test session."""
    return tree(name).paths()


def answer_maps(name: str) -> st.SearchStrategy[dict[str, bool]]:
    """Full answer maps: a yes/no answer for every question of the tree."""
    return st.fixed_dictionaries({q.id: st.booleans() for q in tree(name).questions})


def trees_and_answers() -> st.SearchStrategy[tuple[str, dict[str, bool]]]:
    """A shipped tree name with a full answer map for it."""
    return st.sampled_from(TREES).flatmap(lambda n: answer_maps(n).map(lambda a: (n, a)))


def located(text: str, needle: str, *, nth: int = 0) -> tuple[int, int]:
    """1-based line and column where ``needle`` occurs (the nth time) in ``text``."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, col


def write(tmp_path: Path, text: str, name: str = "tree.yaml") -> Path:
    """Write ``text`` to a file in ``tmp_path`` and return its path."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    """The problems, as strings, that loading ``path`` reports."""
    with pytest.raises(DefinitionError) as info:
        load_tree(path)
    assert info.value.problems, "a DefinitionError must list its problems"
    return [str(p) for p in info.value.problems]


class TestShippedTrees:
    def test_both_trees_are_shipped(self) -> None:
        """Both the Reason and the NHS trees are shipped and listed by name."""
        assert shipped_trees() == list(TREES)

    @pytest.mark.parametrize("name", TREES)
    def test_name_matches_file(self, name: str) -> None:
        """A shipped tree's own name is the name it is loaded by."""
        assert tree(name).name == name

    @pytest.mark.parametrize("name", TREES)
    def test_content_hash_is_sha256_of_file_bytes(self, name: str) -> None:
        """The content hash is the sha256 of the shipped file's bytes."""
        entry = resources.files("aaib_cp") / "data" / "trees" / f"{name}.yaml"
        assert tree(name).content_hash == hashlib.sha256(entry.read_bytes()).hexdigest()

    @pytest.mark.parametrize("name", TREES)
    def test_load_by_path_equals_load_by_name(self, name: str, tmp_path: Path) -> None:
        """Loading a copy of the file by path gives an equal tree with the same hash."""
        entry = resources.files("aaib_cp") / "data" / "trees" / f"{name}.yaml"
        copy = tmp_path / "copy.yaml"
        copy.write_bytes(entry.read_bytes())
        assert load_tree(copy) == tree(name)
        assert load_tree(str(copy)).content_hash == tree(name).content_hash

    def test_unknown_shipped_name(self) -> None:
        """An unknown bare name is an InputError that suggests the nearest shipped tree."""
        with pytest.raises(InputError, match="did you mean 'reason-culpability'"):
            load_tree("reason-culpabilty")

    def test_missing_file(self, tmp_path: Path) -> None:
        """A missing file is a DefinitionError naming the file."""
        assert problems_of(tmp_path / "absent.yaml") == [
            f"{tmp_path / 'absent.yaml'}:1:1: does not exist"
        ]

    @pytest.mark.parametrize("name", TREES)
    def test_every_question_and_outcome_is_on_some_path(self, name: str) -> None:
        """Enumerated paths visit every question and end in every outcome."""
        walks = tree(name).paths()
        assert {q for w in walks for q, _ in w.path} == {q.id for q in tree(name).questions}
        assert {w.outcome.id for w in walks} == {o.id for o in tree(name).outcomes}

    @pytest.mark.parametrize("name", TREES)
    def test_substitution_questions_need_a_note(self, name: str) -> None:
        """Each tree has a substitution test, and its answer needs a note on the peers."""
        subs = [q for q in tree(name).questions if q.kind == "substitution"]
        assert len(subs) == 1
        assert subs[0].needs_note and "peers" in (subs[0].note_prompt or "")
        assert not any(q.needs_note for q in tree(name).questions if q.kind != "substitution")


class TestTreeProperties:
    @settings(max_examples=300, deadline=None)
    @given(trees_and_answers())
    def test_every_answer_map_ends_in_exactly_one_outcome(
        self, case: tuple[str, dict[str, bool]]
    ) -> None:
        """Any full set of answers leads along exactly one enumerated path to one outcome."""
        name, answers = case
        t = tree(name)
        walk = t.walk(answers)
        matching = [w for w in all_paths(name) if all(answers[q] == a for q, a in w.path)]
        assert len(matching) == 1
        assert matching[0].path == walk.path
        assert matching[0].outcome == walk.outcome
        assert t.outcome(walk.outcome.id) == walk.outcome
        last_question, last_answer = walk.path[-1]
        assert t.step(last_question, last_answer) == walk.outcome.id
        assert len({q for q, _ in walk.path}) == len(walk.path)

    @settings(max_examples=200, deadline=None)
    @given(trees_and_answers(), st.randoms(use_true_random=False))
    def test_same_answers_same_outcome(self, case: tuple[str, dict[str, bool]], rnd) -> None:
        """The same answers, in any order and on any tree instance, give the same walk."""
        name, answers = case
        items = list(answers.items())
        rnd.shuffle(items)
        first = tree(name).walk(answers)
        again = fresh(name).walk(dict(items))
        assert fresh(name) is not tree(name)
        assert first == again
        assert first.outcome.id == tree(name).walk(answers).outcome.id

    @settings(max_examples=300, deadline=None)
    @given(trees_and_answers())
    def test_missing_procedures_never_more_culpable(
        self, case: tuple[str, dict[str, bool]]
    ) -> None:
        """Saying procedures were not adequate never yields a more culpable outcome."""
        name, answers = case
        t = tree(name)
        procedures = [q.id for q in t.questions if q.kind == "procedures"]
        assert procedures, "every shipped tree asks about procedures"
        for qid in procedures:
            lacking = t.walk({**answers, qid: False}).outcome
            sound = t.walk({**answers, qid: True}).outcome
            assert lacking.culpability <= sound.culpability, (qid, lacking.id, sound.id)

    @settings(max_examples=300, deadline=None)
    @given(trees_and_answers())
    def test_mitigating_answers_never_more_culpable(
        self, case: tuple[str, dict[str, bool]]
    ) -> None:
        """For every question with a kind, its mitigating answer is never more culpable."""
        name, answers = case
        t = tree(name)
        for question in t.questions:
            if question.kind is None:
                continue
            favour = MITIGATING_ANSWER[question.kind]
            kind = t.walk({**answers, question.id: favour}).outcome
            harsh = t.walk({**answers, question.id: not favour}).outcome
            assert kind.culpability <= harsh.culpability, (question.id, kind.id, harsh.id)

    @pytest.mark.parametrize("name", TREES)
    def test_paths_are_walks_of_their_own_answers(self, name: str) -> None:
        """Walking the answers of each enumerated path reproduces that path exactly."""
        t = tree(name)
        for path in t.paths():
            notes = {qid: "peers in the same team" for qid in path.missing_notes}
            walk = t.walk(path.answers, notes=notes, strict=True)
            assert (walk.path, walk.outcome) == (path.path, path.outcome)


def reason_path(**answers: bool) -> str:
    """The Reason tree's outcome id for keyword answers."""
    return tree("reason-culpability").walk(answers).outcome.id


class TestReasonTree:
    def test_question_order(self) -> None:
        """Questions are asked in Reason's order, starting with intended actions."""
        t = tree("reason-culpability")
        assert t.start == "actions_intended"
        assert [q.id for q in t.questions] == [
            "actions_intended",
            "consequences_intended",
            "unauthorised_substance",
            "medical_condition",
            "knowingly_violating",
            "procedures_sound",
            "substitution_test",
            "training_deficiencies",
            "unsafe_acts_history",
        ]

    def test_sabotage(self) -> None:
        """Intended actions with intended consequences are sabotage."""
        assert reason_path(actions_intended=True, consequences_intended=True) == "sabotage"

    @pytest.mark.parametrize(
        ("first", "answers"),
        [
            ("no actions intended", {"actions_intended": False}),
            (
                "consequences not intended",
                {"actions_intended": True, "consequences_intended": False},
            ),
        ],
    )
    def test_no_branches_go_on_to_substance(self, first: str, answers: dict[str, bool]) -> None:
        """Unintended actions or consequences go on to the substance question."""
        t = tree("reason-culpability")
        last, answer = list(answers.items())[-1]
        assert t.step(last, answer) == "unauthorised_substance", first

    @pytest.mark.parametrize(
        ("medical", "expected"),
        [(True, "substance_abuse_with_mitigation"), (False, "substance_abuse_without_mitigation")],
    )
    def test_substance_abuse(self, medical: bool, expected: str) -> None:
        """Substance involvement splits on whether a medical condition mitigates it."""
        assert (
            reason_path(
                actions_intended=False, unauthorised_substance=True, medical_condition=medical
            )
            == expected
        )

    @pytest.mark.parametrize(
        ("sound", "expected"),
        [(True, "possible_reckless_violation"), (False, "system_induced_violation")],
    )
    def test_violations(self, sound: bool, expected: str) -> None:
        """A knowing violation is reckless only if the procedures were sound."""
        got = reason_path(
            actions_intended=True,
            consequences_intended=False,
            unauthorised_substance=False,
            knowingly_violating=True,
            procedures_sound=sound,
        )
        assert got == expected

    @pytest.mark.parametrize(
        ("passes", "follow_up", "expected"),
        [
            (False, {"training_deficiencies": True}, "system_induced_error"),
            (False, {"training_deficiencies": False}, "possible_negligent_error"),
            (True, {"unsafe_acts_history": True}, "blameless_error_corrective_training"),
            (True, {"unsafe_acts_history": False}, "blameless_error"),
        ],
    )
    def test_errors(self, passes: bool, follow_up: dict[str, bool], expected: str) -> None:
        """Errors split on the substitution test, then training deficiencies or history."""
        got = reason_path(
            actions_intended=False,
            unauthorised_substance=False,
            knowingly_violating=False,
            substitution_test=passes,
            **follow_up,
        )
        assert got == expected

    def test_culpability_falls_in_reason_order(self) -> None:
        """Culpability ranks fall from sabotage to blameless error, as in Reason's figure."""
        ranked = sorted(tree("reason-culpability").outcomes, key=lambda o: -o.culpability)
        assert [o.id for o in ranked] == [
            "sabotage",
            "substance_abuse_without_mitigation",
            "substance_abuse_with_mitigation",
            "possible_reckless_violation",
            "system_induced_violation",
            "possible_negligent_error",
            "system_induced_error",
            "blameless_error_corrective_training",
            "blameless_error",
        ]
        assert ranked[-1].culpability == 0

    def test_referral_and_categories(self) -> None:
        """Only wrongdoing is referred onward; negligent error is coached, not referred."""
        outcomes = {o.id: o for o in tree("reason-culpability").outcomes}
        referred = {oid for oid, o in outcomes.items() if o.refers_onward}
        assert referred == {
            "sabotage",
            "substance_abuse_without_mitigation",
            "possible_reckless_violation",
        }
        assert {oid for oid, o in outcomes.items() if o.category == "wrongdoing"} == referred
        negligent = outcomes["possible_negligent_error"]
        assert (negligent.category, negligent.marx, negligent.marx_response) == (
            "at_risk",
            "at_risk",
            "coach",
        )
        for oid in ("system_induced_violation", "system_induced_error", "blameless_error"):
            assert outcomes[oid].category == "honest_error"
            assert outcomes[oid].marx_response == "console"
        assert outcomes["sabotage"].nhs_outcome == "A"


class TestNhsTree:
    @pytest.mark.parametrize(
        ("answers", "expected"),
        [
            ({"deliberate_harm": True}, "A"),
            ({"deliberate_harm": False, "substance_abuse": True}, "B"),
            (
                {"deliberate_harm": False, "substance_abuse": False, "physical_ill_health": True},
                "C",
            ),
        ],
    )
    def test_harm_and_health_tests(self, answers: dict[str, bool], expected: str) -> None:
        """Deliberate harm, substance abuse and ill health lead to A, B and C."""
        assert tree("nhs-just-culture").walk(answers).outcome.id == expected

    @pytest.mark.parametrize(
        "no_to", ["protocols_in_place", "protocols_workable", "knowingly_departed"]
    )
    def test_foresight_no_moves_away_from_individual(self, no_to: str) -> None:
        """A no to any foresight question leads to D."""
        answers = {q.id: True for q in tree("nhs-just-culture").questions}
        answers.update(deliberate_harm=False, substance_abuse=False)
        answers.update(physical_ill_health=False, mental_ill_health=False, **{no_to: False})
        assert tree("nhs-just-culture").walk(answers).outcome.id == "D"

    @pytest.mark.parametrize("yes_to", ["peers_same", "missed_training", "supervision_lacking"])
    def test_substitution_yes_moves_away_from_individual(self, yes_to: str) -> None:
        """A yes to any substitution question leads to E."""
        answers = {q.id: False for q in tree("nhs-just-culture").questions}
        answers.update(protocols_in_place=True, protocols_workable=True, knowingly_departed=True)
        answers[yes_to] = True
        assert tree("nhs-just-culture").walk(answers).outcome.id == "E"

    @pytest.mark.parametrize(("mitigation", "expected"), [(True, "F"), (False, "G")])
    def test_mitigating_circumstances(self, mitigation: bool, expected: str) -> None:
        """Significant mitigation leads to F, none to G."""
        answers = {q.id: False for q in tree("nhs-just-culture").questions}
        answers.update(protocols_in_place=True, protocols_workable=True, knowingly_departed=True)
        answers["mitigating_circumstances"] = mitigation
        assert tree("nhs-just-culture").walk(answers).outcome.id == expected

    def test_outcome_letters_and_referral(self) -> None:
        """Outcomes are A to G, each its own NHS letter, and A, B and G refer onward."""
        outcomes = tree("nhs-just-culture").outcomes
        assert [o.id for o in outcomes] == list("ABCDEFG")
        assert all(o.nhs_outcome == o.id for o in outcomes)
        assert {o.id for o in outcomes if o.refers_onward} == {"A", "B", "G"}


class TestWalkInput:
    def test_first_unanswered_question_is_named(self) -> None:
        """Incomplete answers name the first question on the path left unanswered."""
        with pytest.raises(InputError, match="'unauthorised_substance' is unanswered"):
            tree("reason-culpability").walk({"actions_intended": False})

    def test_unknown_answer_key_is_named_with_suggestion(self) -> None:
        """An answer to an unknown question is named, with the nearest question id."""
        with pytest.raises(InputError, match="'actions_intnded'; did you mean 'actions_intended'"):
            tree("reason-culpability").walk({"actions_intnded": True})

    def test_non_boolean_answer(self) -> None:
        """An answer that is not true or false is refused."""
        with pytest.raises(InputError, match="must be true or false"):
            tree("reason-culpability").walk({"actions_intended": "yes"})

    def test_unused_answers_listed_and_refused_when_strict(self) -> None:
        """Answers off the path are listed, and refused in strict mode."""
        t = tree("reason-culpability")
        walk = t.walk(
            {"actions_intended": True, "consequences_intended": True, "medical_condition": False}
        )
        assert walk.outcome.id == "sabotage"
        assert walk.unused == ("medical_condition",)
        with pytest.raises(InputError, match="not on the path: 'medical_condition'"):
            t.walk(
                {
                    "actions_intended": True,
                    "consequences_intended": True,
                    "medical_condition": False,
                },
                strict=True,
            )

    def test_strict_walk_needs_the_peers_note(self) -> None:
        """In strict mode the substitution answer must record who the peers were."""
        t = tree("reason-culpability")
        answers = {
            "actions_intended": False,
            "unauthorised_substance": False,
            "knowingly_violating": False,
            "substitution_test": True,
            "unsafe_acts_history": False,
        }
        assert t.walk(answers).missing_notes == ("substitution_test",)
        with pytest.raises(InputError, match="comparable peers"):
            t.walk(answers, strict=True)
        with pytest.raises(InputError, match="comparable peers"):
            t.walk(answers, notes={"substitution_test": "  "}, strict=True)
        note = "three social workers in the same team, each with 20+ cases"
        walk = t.walk(answers, notes={"substitution_test": note}, strict=True)
        assert walk.outcome.id == "blameless_error"
        assert walk.missing_notes == ()
        assert walk.as_record()["notes"] == {"substitution_test": note}

    def test_record_names_tree_version(self) -> None:
        """A stored record names the tree, its version and content hash, and the outcome."""
        t = tree("nhs-just-culture")
        record = t.walk({"deliberate_harm": True}).as_record()
        assert record == {
            "tree": "nhs-just-culture",
            "version": t.version,
            "content_hash": t.content_hash,
            "path": [{"question": "deliberate_harm", "answer": True}],
            "notes": {},
            "outcome": "A",
        }

    def test_step_and_lookup_errors(self) -> None:
        """Unknown question or outcome ids are InputErrors with suggestions."""
        t = tree("reason-culpability")
        assert t.step("procedures_sound", False) == "system_induced_violation"
        with pytest.raises(InputError, match="did you mean 'procedures_sound'"):
            t.step("procedure_sound", True)
        with pytest.raises(InputError, match="did you mean 'sabotage'"):
            t.outcome("sabotag")
        with pytest.raises(InputError, match="true or false"):
            t.step("procedures_sound", 1)  # type: ignore[arg-type]

    def test_walk_is_frozen(self) -> None:
        """Walks and trees cannot be changed after they are made."""
        walk = tree("nhs-just-culture").walk({"deliberate_harm": True})
        assert isinstance(walk, Walk)
        with pytest.raises(AttributeError):
            walk.outcome = None  # type: ignore[misc]
        with pytest.raises(AttributeError):
            tree("nhs-just-culture").start = "x"  # type: ignore[misc]


GOOD = """\
name: small
version: 1
title: Small tree
source: test
start: q1
questions:
  q1:
    text: Were procedures in place?
    kind: procedures
    yes: high
    no: low
outcomes:
  low:
    label: Low
    culpability: 0
    category: honest_error
    response: console and support
    marx: human_error
    refers_onward: false
  high:
    label: High
    culpability: 2
    category: wrongdoing
    response: refer to employer
    marx: reckless
    refers_onward: true
"""

BROKEN = """\
name: Broken Tree
version: 0
titel: Broken
source: test
start: q1
questions:
  q1:
    text: First?
    yes: q2
    no: outcme_a
  q2:
    text: Second?
    kind: proceedures
    yes: q3
    no: outcome_a
  q3:
    text: Third?
    yes: q2
    no: outcome_b
  orphan:
    text: Never asked?
    yes: outcome_a
    no: outcome_a
    colour: blue
outcomes:
  outcome_a:
    label: A
    culpability: high
    category: honest_error
    response: console
    marx: human
    refers_onward: "no"
  outcome_b:
    label: B
    culpability: 1
    category: wrongdoing
    response: refer
    marx: reckless
    nhs_outcome: H
    refers_onward: true
  outcome_c:
    label: C
    culpability: 2
    category: wrong
    response: refer
    marx: reckless
    refers_onward: true
"""


class TestValidation:
    def test_good_small_tree_loads(self, tmp_path: Path) -> None:
        """A minimal well-formed tree loads, and its hash is of the file bytes."""
        path = write(tmp_path, GOOD)
        t = load_tree(path)
        assert t.walk({"q1": False}).outcome.id == "low"
        assert t.content_hash == hashlib.sha256(GOOD.encode()).hexdigest()

    def test_from_document_without_bytes_hashes_data(self) -> None:
        """Built straight from a document, the tree's hash is stable and data-derived."""
        first = DecisionTree.from_document(load_yaml_text(GOOD))
        again = DecisionTree.from_document(load_yaml_text("# comment\n" + GOOD))
        assert re.fullmatch(r"[0-9a-f]{64}", first.content_hash)
        assert first.content_hash == again.content_hash

    def test_every_problem_reported_at_once(self, tmp_path: Path) -> None:
        """A broken tree reports all its problems, located and with suggestions."""
        path = write(tmp_path, BROKEN)
        got = problems_of(path)

        expected = [
            ("Broken Tree", "name", "name must match"),
            ("0\n", "version", "version must be a positive integer, not 0"),
            ("titel", "titel", "unknown key 'titel'; did you mean 'title'?"),
            ("outcme_a", "questions.q1.no", "'outcme_a'; did you mean 'outcome_a'?"),
            ("proceedures", "questions.q2.kind", "did you mean 'procedures'?"),
            ("q2\n    no: outcome_b", "questions.q3.yes", "cycle: q2 -> q3 -> q2"),
            ("orphan", "questions.orphan", "question 'orphan' is unreachable from start"),
            ("colour", "questions.orphan.colour", "unknown key 'colour'"),
            ("high\n", "outcomes.outcome_a.culpability", "must be an integer >= 0, not 'high'"),
            ("human\n", "outcomes.outcome_a.marx", "one of human_error, at_risk, reckless"),
            ('"no"', "outcomes.outcome_a.refers_onward", "must be true or false, not 'no'"),
            ("H\n", "outcomes.outcome_b.nhs_outcome", "one of A, B, C, D, E, F, G, not 'H'"),
            ("outcome_c:", "outcomes.outcome_c", "outcome 'outcome_c' is never reached"),
            ("wrong\n", "outcomes.outcome_c.category", "one of honest_error, at_risk, wrongdoing"),
        ]
        for needle, where, message in expected:
            line, col = located(BROKEN, needle)
            prefix = f"{path}:{line}:{col}: {where}: "
            assert any(p.startswith(prefix) and message in p for p in got), (prefix, message, got)
        assert any("a decision tree is missing required key 'title'" in p for p in got)
        lines = [int(p[len(str(path)) + 1 :].split(":")[0]) for p in got]
        assert lines == sorted(lines), "problems are reported in file order"
        assert len(got) == len(expected) + 1

    @pytest.mark.parametrize(
        ("start", "message"),
        [
            ("start: low\n", "start must name a question, not outcome 'low'"),
            ("start: qq1\n", "start names unknown question 'qq1'; did you mean 'q1'?"),
            ("start: [q1]\n", "start must be a question id"),
            ("", "a decision tree is missing required key 'start'"),
        ],
    )
    def test_bad_start(self, tmp_path: Path, start: str, message: str) -> None:
        """A missing or wrong start is reported with a suggestion where one exists."""
        path = write(tmp_path, GOOD.replace("start: q1\n", start))
        got = problems_of(path)
        assert any(p.startswith(f"{path}:") and message in p for p in got), got

    def test_mitigating_answer_must_not_be_more_culpable(self, tmp_path: Path) -> None:
        """A tree that punishes missing procedures is refused at the kind line."""
        text = GOOD.replace("yes: high\n    no: low", "yes: low\n    no: high")
        path = write(tmp_path, text)
        line, col = located(text, "procedures\n")
        (problem,) = problems_of(path)
        assert problem.startswith(f"{path}:{line}:{col}: questions.q1.kind: ")
        assert "'no' leads to 'high' (culpability 2)" in problem

    def test_mitigating_check_names_other_answers(self, tmp_path: Path) -> None:
        """The refusal names the other answers under which the ordering breaks."""
        text = GOOD.replace("yes: high\n    no: low", "yes: low\n    no: q2").replace(
            "outcomes:\n",
            "  q2:\n    text: Later?\n    yes: high\n    no: low\noutcomes:\n",
        )
        (problem,) = problems_of(write(tmp_path, text))
        assert "questions.q1.kind" in problem
        assert problem.endswith("when q2=yes"), problem

    def test_question_and_outcome_ids_share_a_namespace(self, tmp_path: Path) -> None:
        """An id used for both a question and an outcome is refused."""
        text = GOOD.replace("  low:\n", "  q1:\n").replace("no: low", "no: q1")
        got = problems_of(write(tmp_path, text))
        assert any("'q1' is both a question and an outcome id" in p for p in got), got

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("- just\n- a list\n", "a decision tree must be a mapping, not a list"),
            (GOOD.replace("version: 1", "version: 1\nversion: 2"), "duplicate key 'version'"),
            (GOOD.replace("questions:\n", "questions: &q\n"), "anchors are not allowed"),
            (
                GOOD.replace("    yes: high\n", "    yes: [high]\n"),
                "yes must be a question or outcome id",
            ),
            (GOOD.replace("refers_onward: false", "refers_onward: no"), "not 'no'"),
            (GOOD.replace("  q1:\n", "  1q:\n").replace("start: q1", "start: 1q"), "must match"),
            (GOOD.replace("questions:\n", "questions: {}\nx:\n"), "non-empty mapping"),
        ],
    )
    def test_assorted_problems(self, tmp_path: Path, text: str, message: str) -> None:
        """Wrong shapes and types are reported as located problems."""
        path = write(tmp_path, text)
        got = problems_of(path)
        assert any(re.match(rf"{re.escape(str(path))}:\d+:\d+: ", p) for p in got), got
        assert any(message in p for p in got), got
