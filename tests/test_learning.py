"""Search across cases, themes and the anonymised public dataset."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from aaib_cp import Engine, Store, load_workflow
from aaib_cp.cli import cli
from aaib_cp.demo import run_demo
from aaib_cp.evidence import sql as db
from aaib_cp.evidence.chronology_csv import DraftEntry
from aaib_cp.evidence.model import When
from aaib_cp.exceptions import AnonymisationError, InputError
from aaib_cp.learning.service import Learning, Themes
from aaib_cp.learning.sql_search import match_expression
from aaib_cp.reports.anonymise import fold
from tests.people import as_role

DEMO_NAMES = [
    "Dana Fictional",
    "Morgan Fictional",
    "Alex Example",
    "Robin Example",
    "Kit Example",
    "Jamie Example",
]
OTHER_NAME = "Zebedee Quartermaine"


def _quiet(_: str) -> None:
    return None


def _add_entry(engine: Engine, case_id: str, what: str) -> None:
    """Record a chronology entry straight through the store and bump the case version."""
    store = engine.store
    now = engine.clock()
    with store.transaction():
        agency = db.find_agency(store, case_id, "Northshire Police") or db.insert_agency(
            store, case_id, "Northshire Police", "police", organisation_id=1, at=now, by="test"
        )
        n = db.next_number(store, case_id, "chronology")
        draft = DraftEntry(1, When.parse("2026-08-01"), agency, (), what, None, False)
        db.insert_entries(store, case_id, [(f"C{n}", draft)], source="test", at=now, by="test")
        store.update_case(store.get_case(case_id), at=now)


def _add_person(engine: Engine, case_id: str, real_name: str) -> None:
    store = engine.store
    with store.transaction():
        n = db.next_number(store, case_id, "person:parent")
        db.insert_person(
            store,
            case_id,
            pseudonym=f"Parent {n}",
            role="parent",
            real_name=real_name,
            date_of_birth=None,
            address=None,
            agency=None,
            at=engine.clock(),
            by="test",
        )


@pytest.fixture
def published(engine: Engine) -> tuple[str, str]:
    """A closed demo case and a second case still in its first state."""
    first = run_demo(engine, say=_quiet)
    second = engine.open_case(
        load_workflow("child-protection"),
        title="Second case",
        known_on=engine.clock().date() - timedelta(days=1),
        **as_role("Ana Ruiz", "notifier"),
    ).id
    return first, second


class TestQuery:
    def test_words_are_quoted_phrases(self) -> None:
        """Each word becomes a quoted phrase; quoted text stays one phrase; * is a prefix."""
        expected = '"caseload" "not spoken to" "strat"*'
        assert expected == match_expression('caseload "not spoken to" strat*')

    def test_fts_syntax_in_user_text_is_inert(self, store: Store) -> None:
        """FTS5 operators and stray quotes in a query search as text instead of failing."""
        for query in ["NEAR(a b", "a OR b", "-child", 'say "hi', "col:value", "x AND"]:
            assert isinstance(Learning(Engine(store)).search(query), list)

    @pytest.mark.parametrize("query", ["", "   ", '""', "- * ()"])
    def test_empty_query_is_refused(self, store: Store, query: str) -> None:
        """A query with no words is a one-line error."""
        with pytest.raises(InputError, match="no words"):
            Learning(Engine(store)).search(query)


class TestSearch:
    def test_finds_a_factor_in_one_case_from_another_cases_text(
        self, engine: Engine, published: tuple[str, str]
    ) -> None:
        """Words from the second case's chronology find the first case's factor."""
        first, second = published
        _add_entry(engine, second, "Social worker on leave; caseload pressure in the team")
        learning = Learning(engine)
        own = learning.search("caseload pressure", case_id=second)
        hits = learning.search("caseload", exclude_case=second, kinds=["factor"])
        assert [(second, "chronology")] == [(h.case_id, h.kind) for h in own]
        assert [(first, "factor", "CF1")] == [(h.case_id, h.kind, h.ref) for h in hits]
        assert "[caseload]" in hits[0].snippet

    def test_ranked_best_first(self, engine: Engine, published: tuple[str, str]) -> None:
        """The record that says it most ranks first (bm25)."""
        assert published
        hits = Learning(engine).search("caseload")
        assert ["CF1", "F1"] == [h.ref for h in hits]
        assert hits[0].rank <= hits[1].rank

    def test_limit(self, engine: Engine, published: tuple[str, str]) -> None:
        """--limit bounds the results."""
        assert 1 == len(Learning(engine).search("child*", limit=1))

    def test_public_searches_only_published_cases(
        self, engine: Engine, published: tuple[str, str]
    ) -> None:
        """The unpublished case is found by the restricted search only."""
        _, second = published
        _add_entry(engine, second, "Strategy meeting was never convened")
        learning = Learning(engine)
        assert [second] == [h.case_id for h in learning.search("strategy convened")]
        assert [] == learning.search("strategy convened", public=True)

    def test_public_never_returns_a_real_name(
        self, engine: Engine, published: tuple[str, str]
    ) -> None:
        """Queries made of real names (of any case) return no real name in --public results."""
        first, second = published
        _add_person(engine, second, OTHER_NAME)
        _add_entry(
            engine,
            first,
            f"Dana Fictional told Ms Example that {OTHER_NAME} and Morgan visited the child",
        )
        learning = Learning(engine)
        names = [*DEMO_NAMES, OTHER_NAME]
        queries = [*names, *(w for n in names for w in n.split()), "child", "visit*"]
        restricted = learning.search("Zebedee")
        assert [first] == [h.case_id for h in restricted]
        seen = 0
        for query in queries:
            for hit in learning.search(query, public=True):
                seen += 1
                for name in names:
                    for word in name.split():
                        assert fold(word) not in fold(hit.snippet), (query, hit)
        assert seen > 0

    def test_public_index_follows_new_people(
        self, engine: Engine, published: tuple[str, str]
    ) -> None:
        """Registering a person on another case withholds their name in published text."""
        first, second = published
        _add_entry(engine, first, f"A neighbour, {OTHER_NAME}, raised a concern")
        learning = Learning(engine)
        assert 1 == len(learning.search("Quartermaine", public=True))
        _add_person(engine, second, OTHER_NAME)
        assert [] == learning.search("Quartermaine", public=True)
        hits = learning.search("neighbour", public=True)
        assert "[name withheld]" in hits[0].snippet

    def test_triggers_index_existing_rows_in_the_migration(self, tmp_path: Path) -> None:
        """A database made before the search migration is indexed when it is applied."""
        path = tmp_path / "old.db"
        store = Store.open(path, create=True)
        run_demo(Engine(store), say=_quiet)
        for statement in [
            "DROP TABLE search_index",
            "DROP TABLE public_index",
            "DROP TABLE public_index_cases",
            "DROP TABLE public_index_stale",
            "DELETE FROM schema_migrations WHERE name = 'search_0001'",
        ]:
            store.db.execute(statement)
        for (trigger,) in store.db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            " AND (name LIKE 'search_%' OR name LIKE 'public_stale_%')"
        ).fetchall():
            store.db.execute(f"DROP TRIGGER {trigger}")
        store.close()
        with Store.open(path) as reopened:
            hits = Learning(Engine(reopened)).search("caseload", public=True)
        assert ["CF1", "F1"] == [h.ref for h in hits]


class TestThemes:
    def test_recurring_factors_and_counts(self, engine: Engine) -> None:
        """A code recorded in two cases is recurring; counts are per case."""
        run_demo(engine, say=_quiet)
        run_demo(engine, say=_quiet)
        themes = Learning(engine).themes().to_json()
        assert ["ACT.EXCEPTIONAL", "ORG.CASELOAD"] == sorted(themes["recurring"])
        caseload = next(f for f in themes["factors"] if f["code"] == "ORG.CASELOAD")
        assert (2, 2, "Organisational influences") == (
            caseload["cases"],
            caseload["factors"],
            caseload["level"],
        )

    def test_since_leaves_out_older_cases(self, engine: Engine) -> None:
        """--since counts only cases opened on or after the date."""
        run_demo(engine, say=_quiet)
        later = engine.clock().date() + timedelta(days=1)
        assert [] == Learning(engine).themes(since=later).to_json()["factors"]

    def test_chart_is_a_png(self, engine: Engine, tmp_path: Path) -> None:
        """-o themes.png writes a PNG picture."""
        run_demo(engine, say=_quiet)
        path = Learning(engine).themes().chart(tmp_path / "themes.png")
        assert b"\x89PNG" == path.read_bytes()[:4]

    def test_chart_never_uses_colour_alone(self, tmp_path: Path) -> None:
        """Recurring bars are hatched and say so in words; a legend explains both styles."""
        factor = {"level": "organisational", "label": "Caseload", "factors": 3}
        themes = Themes(
            [
                {**factor, "code": "ORG.CASELOAD", "cases": 2, "case_ids": "A,B"},
                {**factor, "code": "ORG.SUPERVISION", "cases": 1, "case_ids": "A"},
            ],
            [],
        )
        svg = themes.chart(tmp_path / "themes.svg").read_text()
        assert "recurring: in 2 or more cases" in svg and "in one case" in svg  # the legend
        assert ">2 (recurring)<" in svg and ">1<" in svg  # words beside each bar
        [pattern] = re.findall(r'<pattern id="(\w+)"', svg)  # one hatching, shared
        assert svg.count(f"url(#{pattern})") == 2  # by the recurring bar and its legend key
        assert "<title>Contributory factors across cases</title>" in svg

    def test_an_empty_chart_says_so_without_a_legend(self, tmp_path: Path) -> None:
        svg = Themes([], []).chart(tmp_path / "themes.svg").read_text()
        assert "no contributory factors recorded" in svg and "in one case" not in svg

    def test_chart_refuses_other_formats(self, engine: Engine, tmp_path: Path) -> None:
        """Only .png and .svg charts are drawn."""
        with pytest.raises(InputError, match=r"\.png or \.svg"):
            Learning(engine).themes().chart(tmp_path / "themes.pdf")


class TestExport:
    def test_public_dataset_has_no_real_name(
        self, engine: Engine, published: tuple[str, str], tmp_path: Path
    ) -> None:
        """Every exported file is free of every registered real name."""
        first, second = published
        _add_person(engine, second, OTHER_NAME)
        _add_entry(engine, first, f"Dana Fictional met {OTHER_NAME} at school")
        counts = Learning(engine).export_public(tmp_path / "out")
        assert (1, 6, 6) == (counts["cases"], counts["people"], counts["chronology"])
        text = "".join(p.read_text() for p in sorted((tmp_path / "out").iterdir()))
        for name in [*DEMO_NAMES, OTHER_NAME]:
            assert fold(name.split()[1]) not in fold(text)
        rows = json.loads((tmp_path / "out" / "chronology.json").read_text())
        assert "Child A met [name withheld] at school" == rows[-1]["what"]
        assert ["case_id", "pseudonym", "role", "agency"] == list(
            json.loads((tmp_path / "out" / "people.json").read_text())[0]
        )

    def test_a_leak_writes_nothing(
        self, engine: Engine, published: tuple[str, str], tmp_path: Path, monkeypatch
    ) -> None:
        """If redaction missed a name, the export is refused and no directory appears."""
        first, _ = published
        _add_entry(engine, first, "Dana Fictional was seen")
        Learning(engine).published()  # the public index is built before redaction breaks
        monkeypatch.setattr("aaib_cp.reports.anonymise.Anonymiser.redact", lambda self, text: text)
        with pytest.raises(AnonymisationError, match="nothing was written"):
            Learning(engine).export_public(tmp_path / "out")
        assert [] == list(tmp_path.iterdir())

    def test_refuses_a_non_empty_directory(self, engine: Engine, tmp_path: Path) -> None:
        """An existing, non-empty directory is not overwritten."""
        (tmp_path / "keep.txt").write_text("x")
        with pytest.raises(InputError, match="is a folder that is not empty"):
            Learning(engine).export_public(tmp_path)


class TestCli:
    @pytest.fixture
    def demo_db(self, tmp_path: Path) -> Path:
        path = tmp_path / "aaib-demo.db"
        result = CliRunner().invoke(cli, ["demo", "--db", str(path)])
        assert 0 == result.exit_code, result.output
        return path

    def test_search_table_and_json(self, demo_db: Path) -> None:
        """aaib search prints a table, or JSON with --json."""
        runner = CliRunner()
        text = runner.invoke(cli, ["--db", str(demo_db), "search", "caseload"])
        data = runner.invoke(
            cli, ["--db", str(demo_db), "search", "--public", "caseload", "--json"]
        )
        assert 0 == text.exit_code, text.output
        assert "CF1" in text.output
        assert ["CF1", "F1"] == [h["ref"] for h in json.loads(data.output)]

    def test_recommendations_are_searched_and_counted(self, demo_db: Path) -> None:
        """Recommendations are in the index and in the themes per addressee."""
        runner = CliRunner()
        hits = json.loads(
            runner.invoke(cli, ["--db", str(demo_db), "search", "single-agency", "--json"]).output
        )
        assert "CP-2026-0001-SR01" in [h["ref"] for h in hits if h["kind"] == "recommendation"]
        themes = json.loads(
            runner.invoke(cli, ["--db", str(demo_db), "learning", "themes", "--json"]).output
        )
        by_addressee = {a["addressee"]: a for a in themes["addressees"]}
        assert {"closed": 1} == by_addressee["Department for Education"]["status"]
        assert {"adequate": 1} == by_addressee["Northshire Children's Social Care"]["grade"]

    def test_empty_query_is_one_line_error(self, demo_db: Path) -> None:
        """A query of punctuation only exits 1 with one line."""
        result = CliRunner().invoke(cli, ["--db", str(demo_db), "search", "--", "-"])
        assert (1, 1) == (result.exit_code, len(result.output.strip().splitlines()))

    def test_themes_json_and_chart(self, demo_db: Path, tmp_path: Path) -> None:
        """aaib learning themes --json -o themes.svg writes the chart and prints counts."""
        chart = tmp_path / "themes.svg"
        result = CliRunner().invoke(
            cli, ["--db", str(demo_db), "learning", "themes", "--json", "-o", str(chart)]
        )
        assert 0 == result.exit_code, result.output
        assert 2 == len(json.loads(result.output)["factors"])
        assert "<svg" in chart.read_text()

    def test_export_needs_public(self, demo_db: Path, tmp_path: Path) -> None:
        """aaib export without --public is refused and writes nothing."""
        result = CliRunner().invoke(
            cli, ["--db", str(demo_db), "export", "-o", str(tmp_path / "x")]
        )
        assert (1, False) == (result.exit_code, (tmp_path / "x").exists())
        assert "--public" in result.output

    def test_export_in_a_subprocess(self, demo_db: Path, tmp_path: Path) -> None:
        """python -m aaib_cp export --public writes CSV and JSON per record type."""
        out = tmp_path / "dataset"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "aaib_cp",
                "--db",
                str(demo_db),
                "export",
                "--public",
                "-o",
                str(out),
                "--json",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert 0 == result.returncode, result.stderr
        assert 5 == json.loads(result.stdout)["rows"]["chronology"]
        assert 16 == len(list(out.iterdir()))
        header = (out / "people.csv").read_text().splitlines()[0]
        assert '"case_id","pseudonym","role","agency"' == header
