"""Acts, factors, classifications (four eyes, versions, safe space), findings and their guards."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp.analysis import load_tree
from aaib_cp.analysis.classification import AnswerGiven, draft_classification, read_answers
from aaib_cp.analysis.service import Analysis
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import GuardFailed, InputError, RecordNotFound, RoleRefused
from aaib_cp.workflow.identity import Actor
from aaib_cp.workflow.yaml_source import load_yaml_text
from tests.journeys import BLAMELESS, PEERS, RECKLESS, answers, supply_evidence
from tests.people import acct, as_role

CHIEF = as_role("Chris", "chief_investigator")
LEAD = as_role("Lee", "lead_investigator")
SAM = as_role("Sam", "investigator")
RITA = as_role("Rita", "reviewer")
DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.fixture
def case_id(engine, workflow):
    """A case in 'classification' with evidence E1, entry C1, a social worker, and a team."""
    case = engine.open_case(
        workflow, title="Child A", known_on=engine.clock().date(), **as_role("Ana", "notifier")
    )
    engine.fire(case.id, "start_triage", **CHIEF)
    engine.fire(
        case.id,
        "decide_investigate",
        **CHIEF,
        reason="why",
        fields={"classification": "child_death", "depth": "formal"},
    )
    engine.appoint(case.id, acct("Lee"), "lead_investigator", **CHIEF)
    engine.fire(case.id, "agree_scope", **LEAD, fields={"terms_of_reference": "ToR"})
    engine.appoint(case.id, acct("Sam"), "investigator", **LEAD)
    supply_evidence(engine, case.id)
    Casebook(engine).add_person(case.id, "Sue Example", "social worker", **LEAD)
    engine.fire(case.id, "begin_analysis", **LEAD)
    engine.fire(case.id, "begin_classification", **LEAD)
    return case.id


@pytest.fixture
def analysis(engine) -> Analysis:
    return Analysis(engine)


def add_act(analysis, case_id, **extra):
    fields = {
        "person": "Social Worker 1",
        "when": "2026-01-10",
        "description": "Closed the case after one home visit",
        "chronology": ["C1"],
        "evidence": ["E1"],
        **SAM,
        **extra,
    }
    return analysis.add_act(case_id, **fields)


def complete(analysis, case_id, plan=BLAMELESS, peers=PEERS):
    """An act with a factor and a classification; returns the act's reference."""
    act = add_act(analysis, case_id)
    analysis.add_factor(
        case_id, code="ORG.CASELOAD", acts=[act.ref], evidence=["E1"], note="31 cases", **SAM
    )
    analysis.classify(case_id, act.ref, answers(plan), peers=peers, **SAM)
    return act.ref


def kinds(engine, case_id):
    return [e.kind for e in engine.history(case_id)]


class TestActs:
    def test_act_is_recorded_with_its_links(self, analysis, case_id):
        """An act gets the next reference and keeps its person, chronology and evidence."""
        act = add_act(analysis, case_id)
        second = add_act(analysis, case_id, kind="omission")
        assert ("A1", "Social Worker 1", ("C1",), ("E1",)) == (
            act.ref,
            act.person,
            act.chronology,
            act.evidence,
        )
        assert ["A1", "A2"] == [a.ref for a in analysis.acts(case_id)]
        assert "omission" == second.kind
        assert "unclassified" == act.status

    def test_unknown_person_is_refused_by_name(self, analysis, case_id):
        """An act by someone not registered names the people there are."""
        with pytest.raises(RecordNotFound, match=r"no one called 'Nobody'.*Social Worker 1"):
            analysis.add_act(case_id, person="Nobody", when="2026-01-10", description="x", **SAM)

    def test_future_date_is_refused(self, analysis, case_id):
        """An act cannot be dated after today."""
        with pytest.raises(InputError, match="when: 2099-01-01 is in the future"):
            add_act(analysis, case_id, when="2099-01-01")

    def test_unappointed_actor_is_refused_and_audited(self, engine, analysis, case_id):
        """Someone not appointed to the case cannot record an act; the refusal is audited."""
        with pytest.raises(RoleRefused, match="Zed is not appointed as investigator"):
            add_act(analysis, case_id, actor=acct("Zed"))
        assert "refused" == kinds(engine, case_id)[-1]
        assert [] == analysis.acts(case_id)

    def test_acts_are_fixed_once_recorded(self, store, analysis, case_id):
        """The database refuses to change a recorded act."""
        add_act(analysis, case_id)
        with pytest.raises(sqlite3.IntegrityError, match="fixed once recorded"):
            store.db.execute("UPDATE acts SET description = 'changed'")


class TestFactors:
    def test_factor_stores_taxonomy_name_version_and_hash(self, analysis, case_id):
        """A factor keeps its code, its taxonomy (name, version, hash), its acts and evidence."""
        from aaib_cp.analysis import load_taxonomy

        act = add_act(analysis, case_id)
        factor = analysis.add_factor(
            case_id, code="org.caseload", acts=act.ref, evidence="E1", note="31 cases", **SAM
        )
        shipped = load_taxonomy()
        assert ("CF1", "ORG.CASELOAD", "Caseloads", ("A1",), ("E1",)) == (
            factor.ref,
            factor.code,
            factor.label,
            factor.acts,
            factor.evidence,
        )
        assert ("hfacs-cp", 1, shipped.content_hash) == (
            factor.taxonomy,
            factor.taxonomy_version,
            factor.taxonomy_hash,
        )
        assert ("CF1",) == analysis.acts(case_id)[0].factors

    def test_unknown_code_suggests_the_nearest(self, analysis, case_id):
        """A mistyped code is refused with a suggestion."""
        add_act(analysis, case_id)
        with pytest.raises(InputError, match=r"did you mean 'ORG\.CASELOAD'"):
            analysis.add_factor(
                case_id, code="ORG.CASELOD", acts="A1", evidence="E1", note="n", **SAM
            )

    def test_custom_taxonomy_file(self, analysis, case_id, tmp_path):
        """A user's taxonomy file can code factors; its own name and version are stored."""
        path = tmp_path / "mine.yaml"
        path.write_text(
            "name: mine\nversion: 3\ntitle: Mine\nlevels:\n  - code: X\n    label: X\n"
            "    description: d\n    categories:\n      - code: X.ONE\n        label: One\n"
            "        description: d\n"
        )
        add_act(analysis, case_id)
        factor = analysis.add_factor(
            case_id, code="X.ONE", acts="A1", evidence="E1", note="n", taxonomy=path, **SAM
        )
        assert ("mine", 3, "One") == (factor.taxonomy, factor.taxonomy_version, factor.label)

    def test_factor_needs_evidence_and_an_act(self, analysis, case_id):
        """A factor without evidence, or without an act, is refused."""
        add_act(analysis, case_id)
        with pytest.raises(InputError, match="evidence: cite at least one"):
            analysis.add_factor(case_id, code="ORG.IT", acts="A1", evidence=[], note="n", **SAM)
        with pytest.raises(InputError, match="acts: name at least one"):
            analysis.add_factor(case_id, code="ORG.IT", acts=[], evidence="E1", note="n", **SAM)


class TestClassify:
    def test_blameless_error_needs_no_second_signature(self, analysis, case_id):
        """An honest-error outcome is stored with its path and needs no reviewer."""
        ref = complete(analysis, case_id)
        (c,) = analysis.classifications(case_id)
        assert ("A1", 1, "blameless_error", "not_required") == (
            c.act,
            c.version,
            c.outcome["id"],
            c.status,
        )
        assert list(BLAMELESS) == [step["question"] for step in c.record["path"]]
        assert PEERS == c.record["peers"]
        assert ("E", "human_error", "console") == (
            c.outcome["nhs_outcome"],
            c.outcome["marx"],
            c.outcome["marx_response"],
        )
        assert "A1" == ref

    def test_wrongdoing_outcome_awaits_confirmation(self, analysis, case_id):
        """A possible reckless violation refers onward, so it awaits a reviewer."""
        complete(analysis, case_id, RECKLESS, peers=None)
        (c,) = analysis.classifications(case_id)
        assert ("possible_reckless_violation", "awaiting_confirmation") == (
            c.outcome["id"],
            c.status,
        )

    def test_every_answer_needs_a_rationale(self, analysis, case_id):
        """A blank rationale is refused, naming the question."""
        add_act(analysis, case_id)
        given = answers(BLAMELESS)
        given["knowingly_violating"] = AnswerGiven(False, "  ")
        with pytest.raises(InputError, match="'knowingly_violating' needs a rationale"):
            analysis.classify(case_id, "A1", given, peers=PEERS, **SAM)

    def test_answers_off_the_path_are_refused(self, analysis, case_id):
        """An answer to a question the path never reaches is refused."""
        add_act(analysis, case_id)
        given = answers({**BLAMELESS, "procedures_sound": True})
        with pytest.raises(InputError, match="not on the path: 'procedures_sound'"):
            analysis.classify(case_id, "A1", given, peers=PEERS, **SAM)

    def test_substitution_test_needs_the_peers(self, analysis, case_id):
        """Passing the substitution test without saying who the peers were is refused."""
        add_act(analysis, case_id)
        with pytest.raises(InputError, match="needs a note: Who were the comparable peers"):
            analysis.classify(case_id, "A1", answers(BLAMELESS), **SAM)

    def test_unknown_evidence_is_refused(self, analysis, case_id):
        """An answer citing an item the case does not have is refused."""
        add_act(analysis, case_id)
        with pytest.raises(RecordNotFound, match="no evidence item 'E9'"):
            analysis.classify(case_id, "A1", answers(BLAMELESS, ("E9",)), peers=PEERS, **SAM)

    def test_reclassifying_keeps_the_earlier_version(self, engine, analysis, case_id):
        """Classifying again adds version 2; version 1 stays, unchanged, as superseded."""
        complete(analysis, case_id, RECKLESS, peers=None)
        first = analysis.classifications(case_id)[0]
        analysis.classify(case_id, "A1", answers(BLAMELESS), peers=PEERS, **SAM)
        old, new = analysis.classifications(case_id)
        assert (True, False, 2) == (old.superseded, new.superseded, new.version)
        assert first.record == old.record
        assert ["act_classified", "act_reclassified"] == [
            k for k in kinds(engine, case_id) if k.startswith("act_")
        ][-2:]

    def test_audit_trail_keeps_rationales_out(self, engine, analysis, case_id):
        """The audit events of a classification carry no answers or rationales (safe space)."""
        complete(analysis, case_id)
        text = json.dumps([e.detail for e in engine.history(case_id)])
        assert "Because of what" not in text
        assert "blameless" not in text

    def test_reading_a_classification_is_audited(self, engine, analysis, case_id):
        """Showing a classification records who read it."""
        complete(analysis, case_id)
        (shown,) = analysis.classification(case_id, "A1", actor=acct("Ina"))
        last = engine.history(case_id)[-1]
        assert ("classification_accessed", "Ina", {"act": "A1", "versions": [1]}) == (
            last.kind,
            last.actor,
            last.detail,
        )
        assert "blameless_error" == shown.outcome["id"]

    def test_public_counts_are_counts_only(self, analysis, case_id):
        """counts() gives the current classifications by category and nothing else."""
        complete(analysis, case_id)
        complete(analysis, case_id, RECKLESS, peers=None)
        assert {"honest_error": 1, "at_risk": 0, "wrongdoing": 1} == analysis.counts(case_id)

    def test_classifications_are_immutable(self, store, analysis, case_id):
        """The database refuses to change or delete a stored classification."""
        complete(analysis, case_id)
        with pytest.raises(sqlite3.IntegrityError, match="classify the act again"):
            store.db.execute("UPDATE classifications SET outcome = 'sabotage'")
        with pytest.raises(sqlite3.IntegrityError):
            store.db.execute("DELETE FROM classifications")


class TestFourEyes:
    def test_classifier_cannot_confirm_in_person_or_through_a_delegate(
        self, engine, analysis, case_id
    ):
        """Sam classified A1 (a finding that refers someone on): neither Sam as reviewer nor
        an administrator acting for Sam may confirm it; Rita may."""
        complete(analysis, case_id, RECKLESS, peers=None)
        engine.appoint(case_id, acct("Sam"), "reviewer", **LEAD)
        engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
        with pytest.raises(RoleRefused, match=r"Sam classified act A1 .* \(separation of duties\)"):
            analysis.confirm(case_id, "A1", **as_role("Sam", "reviewer"))
        admin = acct("Admin", "administrator")
        with pytest.raises(RoleRefused, match="separation of duties"):
            analysis.confirm(case_id, "A1", actor=Actor(acct("Sam"), admin), role="reviewer")
        confirmed = analysis.confirm(case_id, "A1", **as_role("Rita", "reviewer"))
        assert "confirmed" == confirmed.status

    def test_reviewer_confirms(self, engine, analysis, case_id):
        """An appointed reviewer who did not classify confirms a wrongdoing outcome."""
        complete(analysis, case_id, RECKLESS, peers=None)
        engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
        done = analysis.confirm(case_id, "A1", **RITA)
        assert ("confirmed", "Rita") == (done.status, done.reviews[-1].by)
        assert "classification_confirmed" == kinds(engine, case_id)[-1]

    def test_classifier_cannot_confirm_their_own(self, engine, analysis, case_id):
        """Even appointed as reviewer, the classifier cannot confirm: the refusal is audited."""
        complete(analysis, case_id, RECKLESS, peers=None)
        engine.appoint(case_id, acct("Sam"), "reviewer", **LEAD)
        with pytest.raises(
            RoleRefused,
            match=r"Sam classified act A1 .* another person must \(separation of duties\)",
        ):
            analysis.confirm(case_id, "A1", **as_role("Sam", "reviewer"))
        assert "refused" == kinds(engine, case_id)[-1]
        assert "awaiting_confirmation" == analysis.classifications(case_id)[0].status

    def test_only_a_reviewer_confirms(self, analysis, case_id):
        """The lead investigator cannot confirm a classification."""
        complete(analysis, case_id, RECKLESS, peers=None)
        with pytest.raises(
            RoleRefused, match="may not confirm a classification; it needs reviewer"
        ):
            analysis.confirm(case_id, "A1", **LEAD)

    def test_honest_error_needs_no_confirmation(self, engine, analysis, case_id):
        """Confirming an honest-error outcome is refused: there is nothing to sign."""
        complete(analysis, case_id)
        engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
        with pytest.raises(RoleRefused, match="needs no second signature"):
            analysis.confirm(case_id, "A1", **RITA)

    def test_returned_classification_blocks_until_classified_again(self, engine, analysis, case_id):
        """A returned classification names the reviewer and reason until the act is reclassified."""
        complete(analysis, case_id, RECKLESS, peers=None)
        engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
        analysis.return_(case_id, "A1", reason="E1 shows the policy was unworkable", **RITA)
        with pytest.raises(GuardFailed) as refused:
            engine.fire(case_id, "begin_recommendations", **LEAD)
        assert (
            "act A1 (possible reckless violation) was returned by reviewer Rita"
            " (E1 shows the policy was unworkable) and must be classified again"
        ) in str(refused.value)
        with pytest.raises(RoleRefused, match="must be classified again first"):
            analysis.confirm(case_id, "A1", **RITA)
        analysis.classify(case_id, "A1", answers({**RECKLESS, "procedures_sound": False}), **SAM)
        assert "classification" != engine.fire(case_id, "begin_recommendations", **LEAD).to_state


class TestGuards:
    def test_unconfirmed_wrongdoing_blocks_and_changes_nothing(
        self, engine, store, analysis, case_id
    ):
        """Advancing with an unconfirmed wrongdoing outcome names the act and what is missing."""
        complete(analysis, case_id, RECKLESS, peers=None)
        engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
        before = engine.get(case_id)
        tables = ("acts", "factors", "classifications", "classification_reviews")
        counts = [store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone() for t in tables]
        with pytest.raises(GuardFailed) as refused:
            engine.fire(case_id, "begin_recommendations", **LEAD)
        assert "act A1 (possible reckless violation) awaits confirmation by a reviewer" in str(
            refused.value
        )
        after = engine.get(case_id)
        assert (before.state, before.version) == (after.state, after.version)
        assert counts == [store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone() for t in tables]

    def test_each_missing_piece_is_named(self, engine, analysis, case_id):
        """No act; an unclassified act without factor; a classification citing no evidence."""
        engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
        with pytest.raises(GuardFailed, match="no act of concern is recorded"):
            engine.fire(case_id, "begin_recommendations", **LEAD)
        add_act(analysis, case_id)
        with pytest.raises(GuardFailed) as refused:
            engine.fire(case_id, "begin_recommendations", **LEAD)
        assert [
            ("acts_classified", "act A1 is not classified"),
            ("acts_have_factors", "act A1 has no contributory factor"),
        ] == refused.value.failures
        analysis.add_factor(case_id, code="ORG.IT", acts="A1", evidence="E1", note="n", **SAM)
        analysis.classify(case_id, "A1", answers(BLAMELESS, ()), peers=PEERS, **SAM)
        with pytest.raises(GuardFailed) as refused:
            engine.fire(case_id, "begin_recommendations", **LEAD)
        assert [
            ("classifications_cite_evidence", "the classification of act A1 cites no evidence item")
        ] == refused.value.failures

    def test_complete_analysis_lets_the_case_advance(self, engine, analysis, case_id):
        """With a reviewer, a classified act with a factor and evidence, the case advances."""
        complete(analysis, case_id)
        engine.appoint(case_id, acct("Rita"), "reviewer", **LEAD)
        assert "recommendations" == engine.fire(case_id, "begin_recommendations", **LEAD).to_state


class TestFindings:
    def test_finding_links_acts_factors_and_evidence(self, analysis, case_id):
        """A finding gets F1 and keeps its kind and links."""
        complete(analysis, case_id)
        found = analysis.add_finding(
            case_id, kind="Causal", text="It mattered", acts="A1", factors="CF1",
            evidence="E1", **SAM,
        )  # fmt: skip
        assert ("F1", "causal", ("A1",), ("CF1",), ("E1",)) == (
            found.ref,
            found.kind,
            found.acts,
            found.factors,
            found.evidence,
        )
        assert ["F1"] == [f.ref for f in analysis.findings(case_id)]

    def test_unknown_kind_and_factor_are_refused(self, analysis, case_id):
        """A finding's kind must be causal, contributory or other; factors must exist."""
        with pytest.raises(InputError, match="not one of causal, contributory, other"):
            analysis.add_finding(case_id, kind="blame", text="t", **SAM)
        with pytest.raises(RecordNotFound, match="no factor 'CF7'"):
            analysis.add_finding(case_id, kind="other", text="t", factors="CF7", **SAM)


ANSWERS_YAML = """\
tree: reason-culpability
answers:
  actions_intended: {answer: no, rationale: "A slip", evidence: [E1]}
  unauthorised_substance: {answer: no, rationale: "None"}
  knowingly_violating: {answer: no, rationale: "No"}
  substitution_test: {answer: yes, rationale: "Peers agree"}
  unsafe_acts_history: {answer: no, rationale: "None"}
peers: "Two social workers"
"""

#: (replacement in ANSWERS_YAML, the located problem expected)
LOCATED = [
    (
        ("actions_intended: {", "action_intended: {"),
        "3:3: answers.action_intended: unknown question 'action_intended' in tree"
        " reason-culpability; did you mean 'actions_intended'?",
    ),
    (
        ('rationale: "None"}\n  knowingly', 'rationale: ""}\n  knowingly'),
        "4:51: answers.unauthorised_substance.rationale: every answer needs a rationale;"
        " this one is blank",
    ),
    (
        ("evidence: [E1]", "evidence: [E9]"),
        "3:66: answers.actions_intended.evidence[0]: no evidence item 'E9'",
    ),
    (
        ('{answer: no, rationale: "A slip"', '{answer: maybe, rationale: "A slip"'),
        "3:30: answers.actions_intended.answer: answer must be yes or no, not 'maybe'",
    ),
    (
        ('peers: "Two social workers"\n', ""),
        "1:1: peers is required because 'substitution_test' is on the path",
    ),
    (
        ("peers:", "  procedures_sound: {answer: yes, rationale: x}\npeers:"),
        "8:3: answers.procedures_sound: question 'procedures_sound' is not on the path",
    ),
    (
        ("tree: reason-culpability", "tree: reason-culpabilty"),
        "1:7: tree: no shipped decision tree named 'reason-culpabilty';"
        " did you mean 'reason-culpability'?",
    ),
]


def known(ref: str) -> str:
    if ref.upper() != "E1":
        raise ValueError(f"no evidence item {ref!r}")
    return "E1"


class TestAnswersFile:
    def test_reads_tree_answers_and_peers(self):
        """A well-formed answers file gives the tree, answers with evidence, and the peers."""
        tree, given, peers = read_answers(load_yaml_text(ANSWERS_YAML), evidence=known)
        assert ("reason-culpability", "Two social workers") == (tree.name, peers)
        assert AnswerGiven(False, "A slip", ("E1",)) == given["actions_intended"]

    def test_docs_example_loads(self):
        """The answers file example in docs/analysis.md is valid."""
        text = (DOCS / "analysis.md").read_text()
        block = text.split("```yaml\n# answers file")[1].split("```")[0]
        tree, given, peers = read_answers(load_yaml_text("# answers file" + block))
        assert (
            "possible_reckless_violation"
            == tree.walk({q: a.answer for q, a in given.items()}).outcome.id
        )
        assert peers is None

    @pytest.mark.parametrize(("change", "expected"), LOCATED)
    def test_problems_are_located(self, change, expected):
        """Each problem is reported as file:line:col with the path and what is wrong."""
        text = ANSWERS_YAML.replace(*change)
        assert text != ANSWERS_YAML
        with pytest.raises(InputError) as err:
            read_answers(load_yaml_text(text, filename="a.yaml"), evidence=known)
        assert f"a.yaml:{expected}" in str(err.value)

    def test_tree_must_match_the_one_asked_for(self):
        """A file for one tree is refused when another tree was asked for."""
        with pytest.raises(InputError, match="uses tree 'reason-culpability' but 'nhs-just"):
            read_answers(load_yaml_text(ANSWERS_YAML), tree="nhs-just-culture", evidence=known)


def _paths(name):
    tree = load_tree(name)
    return tree, [w.answers for w in tree.paths()]


class TestDraftProperties:
    @given(st.data())
    def test_record_follows_the_tree_and_is_deterministic(self, data):
        """On shipped trees a draft ends where the walk does; equal inputs give equal records."""
        tree, paths = _paths(data.draw(st.sampled_from(["reason-culpability", "nhs-just-culture"])))
        plan = data.draw(st.sampled_from(paths))
        needs = any(tree.question(q).needs_note for q in plan)
        peers = "Peers in the same team" if needs else None
        given_ = {q: AnswerGiven(a, f"why {q}", ("E1",)) for q, a in plan.items()}
        one = draft_classification(tree, given_, peers=peers)
        two = draft_classification(tree, dict(reversed(list(given_.items()))), peers=peers)
        assert tree.walk(plan).outcome.id == one.outcome_id
        assert one.record == two.record
        assert one.needs_confirmation == tree.walk(plan).outcome.refers_onward


class TestDemo:
    def test_demo_classifies_confirms_and_finds(self, engine):
        """The demo records one honest error, one confirmed wrongdoing outcome and findings."""
        from aaib_cp.demo import run_demo

        case_id = run_demo(engine, say=lambda _: None)
        analysis = Analysis(engine)
        assert "closed" == engine.get(case_id).state
        assert {"honest_error": 1, "at_risk": 0, "wrongdoing": 1} == analysis.counts(case_id)
        assert ["not_required", "confirmed"] == [
            c.status for c in analysis.classifications(case_id)
        ]
        assert ["contributory", "causal"] == [f.kind for f in analysis.findings(case_id)]
