"""Invariants and `aaib workflow check`: generated cases find what a wrong edit breaks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from aaib_cp import DefinitionError, ExplorationError, load_workflow
from aaib_cp.cli import cli
from aaib_cp.workflow.check import actable_roles, check_workflow, explore, fact_samples
from aaib_cp.workflow.definition import shipped_workflow_path, shipped_workflows, workflow_from_text
from aaib_cp.workflow.guards import SimpleCaseView, default_registry
from aaib_cp.workflow.invariants import Position, entered_scope
from tests.conftest import SHIPPED

#: Few examples keep the suite fast; the default is what `aaib workflow check` uses.
FEW = 10
SHIPPED_TEXT = SHIPPED.read_text(encoding="utf-8")
REVIEWER_GUARD = "      - team_has_role: reviewer\n"
#: What removing the reviewer guard from begin_recommendations lets through.
UNREVIEWED = (
    "invariant 'reviewed' broken in recommendations (no one is appointed as reviewer): "
    "start_triage, decide_investigate(classification=child_death, depth=formal), "
    "appoint lead_investigator, agree_scope(terms_of_reference=text), appoint investigator, "
    "begin_analysis, begin_classification, begin_recommendations"
)


def without_fact_changes(line: str) -> str:
    """A finding's line without the ``[fact=value]`` steps, which depend on the guards' facts."""
    return re.sub(r"\[(?:[^\[\]]|\[[^\]]*\])*\], ", "", line)


SMALL = textwrap.dedent(
    """\
    name: small
    version: 1
    initial: open
    terminal: [done]
    roles:
      manager: Decides.
      reviewer:
        description: Reviews.
        scope: case
        appointed_by: [manager]
    fields:
      depth: {type: choice, choices: [desktop, full]}
      sign_off: {type: text}
    states:
      open:
      review:
      done:
    transitions:
      - trigger: start
        source: open
        dest: review
        roles: [manager]
        sets: [depth]
      - trigger: finish
        source: review
        dest: done
        roles: [reviewer]
    """
)


def broken_copy(tmp_path, old: str, new: str):
    """The shipped workflow with one edit, written to a file."""
    assert old in SHIPPED_TEXT
    path = tmp_path / "broken.yaml"
    path.write_text(SHIPPED_TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def without_reviewer_guard(text: str) -> str:
    """The workflow text with the reviewer guard removed from begin_recommendations."""
    start = text.index("  - trigger: begin_recommendations\n")
    end = text.index("    description:", start)
    block = text[start:end]
    assert REVIEWER_GUARD in block
    return text[:start] + block.replace(REVIEWER_GUARD, "") + text[end:]


def unreviewed_copy(tmp_path):
    """The shipped workflow without the reviewer guard on begin_recommendations."""
    path = tmp_path / "broken.yaml"
    path.write_text(without_reviewer_guard(SHIPPED_TEXT), encoding="utf-8")
    return path


class TestInvariantDefinitions:
    def test_shipped_invariants_parse(self, workflow):
        """The shipped workflow's invariants load with their scopes and predicates."""
        reviewed = {i.name: i for i in workflow.invariants}["reviewed"]
        assert ("recommendations", (), "team_has_role") == (
            reviewed.from_state,
            reviewed.states,
            reviewed.holds[0].name,
        )

    def test_problems_are_located(self):
        """Unknown states, predicates, keys and missing parts are reported with their place."""
        text = SMALL + textwrap.dedent(
            """\
            invariants:
              ok_one:
                from: reveiw
                in: [done, nowhere]
                holds: [team_has_rol: reviewer]
                colour: red
              no_scope:
                holds: [field_set: depth]
              no_holds:
                in: [review]
            """
        )
        with pytest.raises(DefinitionError) as info:
            workflow_from_text(text, filename="w.yaml")
        found = [str(p) for p in info.value.problems]
        expected = [
            "w.yaml:30:11: invariants.ok_one.from: unknown state 'reveiw' (did you mean 'review'?)",
            "w.yaml:31:16: invariants.ok_one.in[1]: unknown state 'nowhere'",
            "w.yaml:32:27: invariants.ok_one.holds[0].team_has_rol: unknown predicate "
            "'team_has_rol' (did you mean 'team_has_role'?)",
            "w.yaml:33:5: invariants.ok_one.colour: unknown key 'colour'",
            "w.yaml:34:3: invariants.no_scope: say where it applies: 'in' (a list of states) "
            "and/or 'from' (a state)",
            "w.yaml:36:3: invariants.no_holds: 'holds' is required: list the conditions",
        ]
        assert sorted(expected) == sorted(found)

    def test_predicate_parameters_checked(self):
        """A predicate naming an undeclared field is an error, as for guards."""
        text = SMALL + "invariants:\n  x:\n    in: [done]\n    holds: [field_set: colour]\n"
        with pytest.raises(DefinitionError, match="unknown field 'colour'"):
            workflow_from_text(text, filename="w.yaml")


class TestPredicates:
    def view(self, workflow, **facts):
        """A view of an example case of the workflow with the given facts."""
        from datetime import UTC, date, datetime

        from aaib_cp.workflow.model import Case

        case = Case(
            id="CP-2026-0001",
            title="Child A",
            workflow_name=workflow.name,
            workflow_version=workflow.version,
            workflow_hash=workflow.content_hash,
            state="evidence",
            previous_state="scoping",
            version=1,
            opened_at=datetime(2026, 1, 5, tzinfo=UTC),
            opened_by="Ana Ruiz",
            known_on=date(2026, 1, 2),
        )
        return SimpleCaseView(case, (), facts)

    @pytest.mark.parametrize(
        ("ref", "facts", "expected"),
        [
            (("fact_true", "evidence_preserved"), {"evidence_preserved": True}, None),
            (
                ("fact_true", "evidence_preserved"),
                {"evidence_preserved": False},
                "'evidence preserved' does not hold",
            ),
            (("fact_at_most", {"acts_unclassified": 0}), {"acts_unclassified": 0}, None),
            (
                ("fact_at_most", {"acts_unclassified": 0}),
                {"acts_unclassified": 2},
                "'acts unclassified' is 2, at most 0 allowed",
            ),
            (
                ("fact_at_least", {"evidence_items": 1}),
                {"evidence_items": 0},
                "'evidence items' is 0, at least 1 needed",
            ),
        ],
    )
    def test_fact_predicates(self, workflow, ref, facts, expected):
        """The shipped fact predicates read the view's facts and say what fails."""
        from aaib_cp.workflow.guards import GuardRef

        view = self.view(workflow, **facts)
        assert expected == default_registry().evaluate(GuardRef(*ref), view)

    def test_fact_samples_declared(self):
        """Fact predicates declare the facts they read, with samples either side of the limit."""
        text = SMALL.replace(
            "    roles: [reviewer]\n",
            "    roles: [reviewer]\n    guards: [fact_at_most: {open_actions: 2}]\n",
        )
        definition = workflow_from_text(text)
        assert {"open_actions": (0, 2, 3)} == fact_samples(definition)


class TestScope:
    def test_pause_state_counts_as_where_it_was(self, workflow):
        """A suspended case is in scope of an invariant on the state it was suspended from."""
        reviewed = {i.name: i for i in workflow.invariants}["decided_depth"]
        triage = Position.start(workflow).moved(workflow, "triage")
        scoping = triage.moved(workflow, "scoping")
        suspended = scoping.moved(workflow, "suspended")
        back = suspended.moved(workflow, "scoping")
        assert [True, False, False] == [
            entered_scope(reviewed, workflow, triage, scoping),
            entered_scope(reviewed, workflow, scoping, suspended),
            entered_scope(reviewed, workflow, suspended, back),
        ]

    def test_actable_roles_follow_appointment_chains(self):
        """A case role counts only if some chain of appointers starts at an organisation role."""
        text = SMALL.replace("appointed_by: [manager]", "appointed_by: [reviewer]")
        definition = workflow_from_text(text)
        assert frozenset({"manager"}) == actable_roles(definition)


class TestExplore:
    @pytest.mark.parametrize("name", shipped_workflows())
    def test_shipped_workflows_pass(self, name):
        """Every shipped workflow reaches all its states and keeps every invariant."""
        result = explore(load_workflow(name), max_examples=FEW)
        assert [] == [f.line() for f in result.findings]
        assert tuple(load_workflow(name).states) == result.states_reached

    def test_removed_guard_breaks_invariant(self, tmp_path):
        """Without the reviewer guard, recommendations are reached unreviewed: shortest path."""
        path = unreviewed_copy(tmp_path)
        findings = check_workflow(load_workflow(path), max_examples=FEW)
        assert [UNREVIEWED] == [without_fact_changes(f.line()) for f in findings]

    def test_unsatisfiable_guard_makes_state_unreachable(self, tmp_path):
        """A guard on a field nothing records leaves the state behind it unreachable."""
        text = SMALL.replace(
            "    roles: [reviewer]\n",
            "    roles: [reviewer]\n    guards: [field_set: sign_off]\n",
        )
        findings = check_workflow(workflow_from_text(text), max_examples=FEW)
        assert [
            "state 'done' is unreachable: 'finish' from review never fires: guard 'field_set' "
            "failed: the case field 'sign_off' is not recorded",
            "no terminal state can be reached from 'open': (on opening the case)",
            "no terminal state can be reached from 'review': start(depth=desktop)",
        ] == [f.line() for f in findings]

    def test_stuck_state_reported_with_path(self):
        """A state whose only exit can never fire is reported with the sequence reaching it."""
        text = SMALL.replace("  done:\n", "  done:\n  parked:\n") + (
            "  - trigger: park\n    source: open\n    dest: parked\n    roles: [manager]\n"
            "  - trigger: unpark\n    source: parked\n    dest: done\n    roles: [manager]\n"
            "    guards: [team_at_least: 9]\n"
        )
        findings = check_workflow(workflow_from_text(text), max_examples=FEW)
        assert ["no terminal state can be reached from 'parked': park"] == [
            f.line() for f in findings
        ]

    def test_fact_guard_breaks_invariant_with_fact_in_sequence(self):
        """An invariant on a fact that no guard ensures shows the records that break it."""
        text = SMALL + textwrap.dedent(
            """\
            invariants:
              classified:
                in: [done]
                holds:
                  - fact_at_most: {acts_unclassified: 0}
            """
        )
        findings = check_workflow(workflow_from_text(text), max_examples=FEW)
        assert [
            "invariant 'classified' broken in done ('acts unclassified' is 1, at most 0 "
            "allowed): start(depth=desktop), appoint reviewer, [acts_unclassified=1], finish"
        ] == [f.line() for f in findings]

    def test_undeclared_fact_is_a_clear_error(self):
        """A custom guard that reads a fact without declaring it stops the check clearly."""
        registry = default_registry().copy()

        @registry.register("quiet", describe="quiet")
        def quiet(view, param):
            return None if view.fact("noise") == 0 else "noisy"

        text = SMALL.replace(
            "    roles: [reviewer]\n", "    roles: [reviewer]\n    guards: [quiet]\n"
        )
        definition = workflow_from_text(text, guards=registry)
        with pytest.raises(ExplorationError, match="reads fact 'noise' is not available"):
            explore(definition, guards=registry)


class TestCheckCli:
    def test_shipped_passes(self):
        """`aaib workflow check` on the shipped workflow prints one line and exits 0."""
        result = CliRunner().invoke(
            cli, ["workflow", "check", "child-protection", "--max-examples", str(FEW)]
        )
        assert 0 == result.exit_code, result.output
        assert result.output.startswith("child-protection: no problems found (15 of 15 states")

    def test_broken_copy_exits_1_with_sequence(self, tmp_path):
        """A broken copy: exit 1, the counterexample sequence on stdout, a count on stderr."""
        path = unreviewed_copy(tmp_path)
        result = CliRunner().invoke(cli, ["workflow", "check", str(path), "--max-examples", "10"])
        assert 1 == result.exit_code
        assert UNREVIEWED + "\n" == without_fact_changes(result.stdout)
        assert result.stderr.startswith("1 problem(s) found")

    def test_json(self, tmp_path):
        """--json gives each finding with its steps, roles and fields."""
        path = unreviewed_copy(tmp_path)
        result = CliRunner().invoke(
            cli, ["workflow", "check", str(path), "--json", "--max-examples", "10"]
        )
        data = json.loads(result.stdout)
        finding = data["findings"][0]
        assert ("invariant", "reviewed", "recommendations") == (
            finding["kind"],
            finding["invariant"],
            finding["state"],
        )
        assert {
            "trigger": "decide_investigate",
            "role": "chief_investigator",
            "fields": {"classification": "child_death", "depth": "formal"},
            "from": "triage",
            "to": "scoping",
        } == finding["sequence"][1]

    def test_invalid_file_lists_problems(self, tmp_path):
        """A file that does not validate is reported like `workflow validate`, exit 1."""
        path = broken_copy(tmp_path, "    dest: closed\n", "    dest: clossed\n")
        result = CliRunner().invoke(cli, ["workflow", "check", str(path)])
        assert 1 == result.exit_code
        assert "unknown state 'clossed' (did you mean 'closed'?)" in result.stderr

    def test_subprocess_broken_copy(self, tmp_path):
        """As a real process: a state with no way to finish is found and the sequence printed."""
        path = broken_copy(
            tmp_path,
            "      - feedback_session_recorded\n",
            "      - feedback_session_recorded\n      - team_at_least: 99\n",
        )
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "aaib_cp",
                "workflow",
                "check",
                str(path),
                "--max-examples",
                "5",
            ],
            capture_output=True,
            text=True,
        )
        assert 1 == result.returncode
        assert (
            "state 'closed' is unreachable: 'close' from response_tracking never fires: guard "
            "'team_at_least' failed: the investigation team has 3 member(s), at least 99 are "
            "needed\n"
        ) == result.stdout
        assert "Traceback" not in result.stderr


def test_shipped_paths_exist():
    """Every shipped workflow has a file the CLI can name."""
    assert all(shipped_workflow_path(n).exists() for n in shipped_workflows())


def test_check_leaves_no_hypothesis_folder(tmp_path):
    """`aaib workflow check` writes nothing to the current directory (no .hypothesis/)."""
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "aaib_cp",
            "workflow",
            "check",
            "rapid-review",
            "--max-examples",
            "3",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "states reached" in result.stdout + result.stderr, result.stderr
    assert [] == list(tmp_path.iterdir())
