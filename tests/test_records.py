"""The casebook through its public API: agencies, pseudonyms, evidence, chronology, guards."""

from __future__ import annotations

import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aaib_cp import Engine, InputError, RecordNotFound, RoleRefused, Store, load_workflow
from aaib_cp.evidence import sql as records_db
from aaib_cp.evidence.chronology_csv import ImportRejected
from aaib_cp.evidence.model import ChronologyEntry, When, check_file_name, find_gaps, pseudonym
from aaib_cp.evidence.service import Casebook
from aaib_cp.exceptions import GuardFailed, IntegrityError, StoreError
from tests.conftest import FixedClock
from tests.people import acct, as_role
from tests.records_helpers import LEAD, SAM, case_in_evidence

POLICE = "Northshire Police"
CSC = "Children's Social Care"
HEALTH = "Community Health"
_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WORKFLOW = load_workflow("child-protection")


@pytest.fixture
def file_store(tmp_path: Path):
    s = Store.open(tmp_path / "cases.db", create=True, synchronous="OFF")
    yield s
    s.close()


@pytest.fixture
def book(file_store: Store, clock: FixedClock) -> Casebook:
    return Casebook(Engine(file_store, clock=clock))


@pytest.fixture
def case_id(book: Casebook, workflow) -> str:
    return case_in_evidence(book.engine, workflow)


@pytest.fixture
def agencies(book: Casebook, case_id: str) -> str:
    book.add_agency(case_id, POLICE, "police", **LEAD)
    book.add_agency(case_id, CSC, "social care", **LEAD)
    book.add_person(case_id, "Jo Bloggs", "child", date_of_birth="2020-01-02", **SAM)
    book.add_person(case_id, "Sue Smith", "social worker", agency=CSC, **SAM)
    return case_id


def write_csv(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


class TestPseudonyms:
    def test_children_are_lettered_and_others_numbered_per_role(self, book, case_id):
        """Children get Child A, Child B; other roles are numbered per role."""
        names = [
            book.add_person(case_id, f"Person {i}", role, **LEAD).pseudonym
            for i, role in enumerate(["child", "Social Worker", "child", "social-worker", "parent"])
        ]
        assert ["Child A", "Social Worker 1", "Child B", "Social Worker 2", "Parent 1"] == names

    def test_letters_continue_past_z(self):
        """The 27th child is Child AA."""
        assert ("Child Z", "Child AA") == (pseudonym("child", 26), pseudonym("child", 27))

    @given(
        roles=st.lists(
            st.sampled_from(["child", "parent", "social worker", "police officer", "gp"]),
            min_size=1,
            max_size=8,
        ),
        other=st.lists(st.sampled_from(["child", "parent"]), max_size=3),
    )
    def test_unique_per_case_and_the_same_on_every_run(self, roles, other):
        """Pseudonyms are unique in a case, unaffected by other cases, and the same on a rerun."""
        results = []
        for _ in range(2):
            with Store.memory() as store:
                book = Casebook(Engine(store, clock=FixedClock(_NOW)))
                first = case_in_evidence(book.engine, WORKFLOW)
                second = case_in_evidence(book.engine, WORKFLOW)
                given_names = []
                for i, role in enumerate(roles):
                    given_names.append(book.add_person(first, f"P{i}", role, **LEAD).pseudonym)
                    if i < len(other):
                        book.add_person(second, f"Q{i}", other[i], **LEAD)
                assert given_names == [p.pseudonym for p in book.people(first)]
            assert len(set(given_names)) == len(given_names)
            results.append(given_names)
        assert results[0] == results[1]

    def test_stable_across_runs(self, tmp_path, clock):
        """Reopening the database in a new run gives every person the same pseudonym."""
        with Store.open(tmp_path / "p.db", create=True, synchronous="OFF") as store:
            book = Casebook(Engine(store, clock=clock))
            case_id = case_in_evidence(book.engine, WORKFLOW)
            given_names = [
                book.add_person(case_id, f"P{i}", role, **LEAD).pseudonym
                for i, role in enumerate(["parent", "child", "parent", "child"])
            ]
        with Store.open(tmp_path / "p.db") as store:
            reread = [p.pseudonym for p in Casebook(Engine(store)).people(case_id)]
        assert ["Parent 1", "Child A", "Parent 2", "Child B"] == given_names == reread

    @given(
        a=st.tuples(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), st.integers(1, 800)),
        b=st.tuples(st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True), st.integers(1, 800)),
    )
    def test_distinct_role_and_number_give_distinct_pseudonyms(self, a, b):
        """Two different (role, number) pairs never share a pseudonym."""
        from aaib_cp.evidence.model import normalise_role

        key_a, key_b = (normalise_role(a[0]), a[1]), (normalise_role(b[0]), b[1])
        if "__" in a[0] or "__" in b[0] or a[0].endswith("_") or b[0].endswith("_"):
            return  # labels that normalise to another label's title are not distinct roles
        assert (key_a == key_b) == (pseudonym(*key_a) == pseudonym(*key_b))

    def test_never_reused_and_unchangeable(self, book, case_id, file_store):
        """A pseudonym cannot be changed in the database, and the counter only goes up."""
        book.add_person(case_id, "Jo", "child", **LEAD)
        with pytest.raises(sqlite3.IntegrityError, match="stable"):
            file_store.db.execute("UPDATE persons SET pseudonym = 'Child Z'")
        assert "Child B" == book.add_person(case_id, "Jo again", "child", **LEAD).pseudonym

    def test_real_name_kept_out_of_audit_trail_and_default_json(self, book, case_id):
        """Registering a person writes no real name, birth date or address to the audit trail."""
        person = book.add_person(
            case_id, "Jo Bloggs", "child", date_of_birth="2020-01-02", address="1 High St", **LEAD
        )
        trail = str([e.to_json() for e in book.engine.history(case_id)])
        assert ("Jo Bloggs" in trail, "2020-01-02" in trail, "High St" in trail) == (
            False,
            False,
            False,
        )
        assert {"pseudonym": "Child A", "role": "child", "agency": None} == person.to_json()

    def test_bad_role_label_is_refused(self, book, case_id):
        """A role must be a plain label."""
        with pytest.raises(InputError, match=r"role: '\.\./x' is not a role label"):
            book.add_person(case_id, "Jo", "../x", **LEAD)


class TestWhoMayWrite:
    def test_unappointed_role_is_refused_and_audited(self, book, case_id):
        """A notifier cannot add an agency; the refusal is on the audit trail."""
        with pytest.raises(RoleRefused, match="needs lead_investigator or investigator"):
            book.add_agency(case_id, POLICE, "police", **as_role("Ana", "notifier"))
        assert "refused" == book.engine.history(case_id)[-1].kind
        assert [] == book.agencies(case_id)

    def test_investigator_must_be_appointed(self, book, case_id):
        """Holding the role name is not enough: the actor must be appointed to the case."""
        with pytest.raises(RoleRefused, match="Max is not appointed as investigator"):
            book.add_agency(case_id, POLICE, "police", **as_role("Max", "investigator"))

    def test_each_write_bumps_the_case_version(self, book, case_id):
        """Adding a record changes the case version (optimistic concurrency)."""
        before = book.engine.get(case_id).version
        book.add_agency(case_id, POLICE, "police", **LEAD)
        assert before + 1 == book.engine.get(case_id).version

    def test_duplicate_agency_is_refused(self, book, case_id):
        """An agency is on a case once, in whatever spelling (its registry id decides)."""
        book.add_agency(case_id, POLICE, "police", **LEAD)
        for spelling in (POLICE.upper(), "Northshire  Police.", "Northshire\u00a0Police"):
            with pytest.raises(InputError, match=f"already has '{POLICE}', the same agency"):
                book.add_agency(case_id, spelling, "police", **LEAD)


class TestEvidence:
    def test_file_is_stored_by_hash_beside_the_database(self, book, agencies, tmp_path):
        """The file is copied to <db stem>-evidence/<sha256> and the register keeps the hash."""
        source = tmp_path / "record.txt"
        source.write_bytes(b"case record")
        item = book.add_evidence(
            agencies,
            kind="case_record",
            description="CSC file",
            obtained_how="requested",
            obtained_on="2026-02-27",
            agency=CSC,
            file=source,
            **SAM,
        )
        stored = tmp_path / "cases-evidence" / item.sha256
        assert (b"case record", "record.txt", 11) == (
            stored.read_bytes(),
            item.file_name,
            item.file_size,
        )

    def test_items_are_immutable_in_the_database(self, book, agencies, file_store):
        """Evidence rows can be neither updated nor deleted."""
        book.add_evidence(
            agencies, kind="photo", description="d", obtained_how="h", obtained_on="2026-02-27",
            **SAM,
        )  # fmt: skip
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            file_store.db.execute("UPDATE evidence_items SET description = 'x'")
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            file_store.db.execute("DELETE FROM evidence_items")

    def test_correction_is_a_linked_new_version(self, book, agencies):
        """A correction adds E1v2 superseding E1, which is kept; both are audited."""
        book.add_evidence(
            agencies, kind="document", description="Letter", obtained_how="post",
            obtained_on="2026-02-20", **SAM,
        )  # fmt: skip
        corrected = book.correct_evidence(
            agencies, "E1", reason="date misread", obtained_on="2026-02-21", **SAM
        )
        versions = book.evidence(agencies, all_versions=True)
        assert ("E1v2", date(2026, 2, 21), "Letter") == (
            corrected.label,
            corrected.obtained_on,
            corrected.description,
        )
        assert [("E1", True), ("E1v2", False)] == [(v.label, v.superseded) for v in versions]
        assert ["E1v2"] == [i.label for i in book.evidence(agencies)]
        assert "evidence_corrected" == book.engine.history(agencies)[-1].kind

    def test_access_and_export_are_custody_events(self, book, agencies, tmp_path):
        """Showing and exporting an item are recorded in its chain of custody."""
        source = tmp_path / "p.jpg"
        source.write_bytes(b"\xff\xd8photo")
        book.add_evidence(
            agencies, kind="photo", description="Photo", obtained_how="taken",
            obtained_on="2026-02-27", file=source, **SAM,
        )  # fmt: skip
        book.access_evidence(agencies, "E1", actor=acct("Rita"))
        out = book.export_evidence(agencies, "E1", tmp_path / "out.jpg", actor=acct("Rita"))
        _, custody = book.access_evidence(agencies, "E1", actor=acct("Rita"))
        assert b"\xff\xd8photo" == out.read_bytes()
        assert [
            "evidence_added",
            "evidence_accessed",
            "evidence_exported",
            "evidence_accessed",
        ] == [e.kind for e in custody]

    def test_verify_names_altered_and_missing_files(self, book, agencies, tmp_path):
        """Verification re-hashes every stored file and names each altered or missing item."""
        paths = []
        for i, content in enumerate([b"one", b"two", b"three"]):
            source = tmp_path / f"f{i}.txt"
            source.write_bytes(content)
            item = book.add_evidence(
                agencies, kind="document", description=f"doc {i}", obtained_how="h",
                obtained_on="2026-02-27", file=source, **SAM,
            )  # fmt: skip
            paths.append(tmp_path / "cases-evidence" / item.sha256)
        paths[0].chmod(0o644)
        paths[0].write_bytes(b"tampered")
        paths[2].chmod(0o644)
        paths[2].unlink()
        checks = book.verify_evidence(agencies)
        assert [("E1", "altered"), ("E2", "ok"), ("E3", "missing")] == [
            (c.item, c.status) for c in checks
        ]
        with pytest.raises(IntegrityError, match="E1: its stored file is altered"):
            book.export_evidence(agencies, "E1", tmp_path / "x.txt", actor=acct("Rita"))

    @pytest.mark.parametrize("name", ["../x.txt", "a/b.txt", "..", ".hidden", "a\\b", "x\x00"])
    def test_file_names_cannot_traverse(self, name):
        """A recorded file name is a plain name, never a path."""
        with pytest.raises(InputError, match="is not a plain file name"):
            check_file_name(name)

    def test_failed_database_write_leaves_no_file(self, book, agencies, tmp_path, monkeypatch):
        """If the register write fails, the newly copied file is removed and nothing is recorded."""
        source = tmp_path / "new.txt"
        source.write_bytes(b"fresh content")

        def boom(*args, **kwargs):
            raise sqlite3.OperationalError("disk I/O error")

        monkeypatch.setattr(records_db, "insert_evidence", boom)
        with pytest.raises(StoreError, match=r"cases\.db: disk I/O error"):
            book.add_evidence(
                agencies, kind="document", description="d", obtained_how="h",
                obtained_on="2026-02-27", file=source, **SAM,
            )  # fmt: skip
        monkeypatch.undo()
        assert ([], []) == (list((tmp_path / "cases-evidence").iterdir()), book.evidence(agencies))

    def test_unknown_item_is_a_clear_error(self, book, agencies):
        """Asking for an item that does not exist names it."""
        with pytest.raises(RecordNotFound, match="no evidence item 'E9'"):
            book.item(agencies, "E9")


class TestWhen:
    @pytest.mark.parametrize(
        ("text", "precision", "earliest", "latest"),
        [
            ("2026", "year", date(2026, 1, 1), date(2026, 12, 31)),
            ("2024-02", "month", date(2024, 2, 1), date(2024, 2, 29)),
            ("2026-02-03", "day", date(2026, 2, 3), date(2026, 2, 3)),
            ("2026-02-03 14:05", "minute", date(2026, 2, 3), date(2026, 2, 3)),
        ],
    )
    def test_partial_dates(self, text, precision, earliest, latest):
        """Years, months, days and times parse with the span of days they can denote."""
        when = When.parse(text)
        assert (precision, earliest, latest) == (when.precision, when.earliest, when.latest)

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("2026-02-30", "'2026-02-30' is not a valid date"),
            ("2026-13", "no month 13"),
            ("03/02/2026", "expected YYYY-MM-DD"),
            ("2026-02-03T25:00", "not a valid time"),
        ],
    )
    def test_invalid_dates(self, text, message):
        """Impossible or misformatted dates are refused with what was expected."""
        with pytest.raises(ValueError, match=message):
            When.parse(text)

    def test_partial_dates_sort_sensibly(self):
        """A year sorts before its months, a month before its days, a day before its times."""
        texts = ["2026-02-01T09:00", "2026-02-01", "2026-01-15", "2026-02", "2026", "2025-12-31"]
        ordered = sorted(texts, key=lambda t: When.parse(t).sort_key)
        assert [
            "2025-12-31",
            "2026",
            "2026-01-15",
            "2026-02",
            "2026-02-01",
            "2026-02-01T09:00",
        ] == (ordered)


def _entry(when: str, child: bool = True) -> ChronologyEntry:
    return ChronologyEntry(0, "c", "C1", When.parse(when), "A", (), "x", None, False, "m", child)


class TestGaps:
    def test_gap_longer_than_n_days_between_contacts(self):
        """Only stretches without contact longer than N days are gaps."""
        entries = [_entry("2026-01-01"), _entry("2026-01-29"), _entry("2026-03-01")]
        assert [(date(2026, 1, 29), date(2026, 3, 1), 31)] == [
            (g.start, g.end, g.days) for g in find_gaps(entries, gap_days=28)
        ]

    def test_entries_without_the_child_are_not_contact(self):
        """An entry not involving the child does not break a gap."""
        entries = [_entry("2026-01-01"), _entry("2026-01-20", child=False), _entry("2026-03-01")]
        assert [59] == [g.days for g in find_gaps(entries, gap_days=28)]

    def test_partial_dates_flag_only_certain_gaps(self):
        """A month-only contact counts from its last possible day."""
        entries = [_entry("2026-01"), _entry("2026-02-25")]
        assert [] == find_gaps(entries, gap_days=28)


class TestChronologyImport:
    def test_imports_every_row(self, book, agencies, tmp_path):
        """A valid CSV (with a BOM) imports every row, people by pseudonym or name."""
        csv = write_csv(
            tmp_path / "csc.csv",
            "\ufeffwhen,what,people,key_episode\n"
            "2025-11,Strategy meeting,,\n"
            '2026-01-05,"Home visit, child seen",Child A; sue smith,yes\n',
        )
        refs = book.import_chronology(agencies, csv, agency=CSC, **SAM)
        chron = book.chronology(agencies)
        assert ["C1", "C2"] == refs
        assert [("2025-11", ()), ("2026-01-05", ("Child A", "Social Worker 1"))] == [
            (e.when.text, e.people) for e in chron.entries
        ]
        assert ["C2"] == [e.ref for e in chron.entries if e.key_episode]
        assert "chronology_imported" == book.engine.history(agencies)[-1].kind

    def test_one_bad_row_imports_nothing_and_names_row_and_field(self, book, agencies, tmp_path):
        """One invalid row among many: nothing imported; the error names the row and field."""
        rows = [f"2026-01-{d:02d},Contact {d},Child A" for d in range(1, 29)]
        rows[5] = "2026-02-30,Contact,Child A"
        csv = write_csv(tmp_path / "chronology.csv", "when,what,people\n" + "\n".join(rows))
        before = book.engine.get(agencies).version
        with pytest.raises(ImportRejected) as caught:
            book.import_chronology(agencies, csv, agency=POLICE, **SAM)
        assert ["chronology.csv: row 7: when: '2026-02-30' is not a valid date"] == [
            str(e) for e in caught.value.errors
        ]
        assert ((), before) == (
            book.chronology(agencies).entries,
            book.engine.get(agencies).version,
        )

    def test_every_row_error_is_reported(self, book, agencies, tmp_path):
        """All problems in all rows are reported, one line each."""
        csv = write_csv(
            tmp_path / "c.csv",
            "when,what,agency,evidence,people\n"
            "2026-01-02,ok,Northshire Police,,\n"
            "2026-13-01,,Nowhere,E7,Nobody\n"
            "2027-01-01,future,Northshire Police,,\n"
            "2026-01-03,short\n",
        )
        with pytest.raises(ImportRejected) as caught:
            book.import_chronology(agencies, csv, **SAM)
        assert [
            (3, "when"),
            (3, "what"),
            (3, "agency"),
            (3, "people"),
            (3, "evidence"),
            (4, "when"),
            (5, ""),
        ] == [(e.row, e.field) for e in caught.value.errors]
        assert str(caught.value).endswith("c.csv: 3 invalid row(s); nothing was imported")

    def test_invalid_utf8_names_line_and_byte(self, book, agencies, tmp_path):
        """A file that is not UTF-8 is refused, naming the line and byte."""
        csv = tmp_path / "latin.csv"
        csv.write_bytes("when,what\n2026-01-02,caf\u00e9\n".encode("latin-1"))
        with pytest.raises(InputError, match=r"latin.csv: line 2, byte 25: not valid UTF-8"):
            book.import_chronology(agencies, csv, agency=POLICE, **SAM)

    @pytest.mark.parametrize(
        ("header", "message"),
        [
            ("when,what,colour", "unknown column 'colour'"),
            ("when,people", "missing column(s) 'what'"),
            ("when,what,when", "column 'when' appears twice"),
        ],
    )
    def test_header_problems(self, book, agencies, tmp_path, header, message):
        """Unknown, missing or repeated columns are refused at row 1."""
        csv = write_csv(tmp_path / "h.csv", header + "\n2026-01-02,x,y\n")
        with pytest.raises(InputError, match=re.escape(f"h.csv: row 1: {message}")):
            book.import_chronology(agencies, csv, agency=POLICE, **SAM)


class TestChronology:
    def test_merges_agencies_flags_gaps_and_unevidenced_entries(self, book, agencies):
        """Show merges agencies in time order, with gaps and entries citing no evidence."""
        book.add_evidence(
            agencies, kind="case_record", description="d", obtained_how="h",
            obtained_on="2026-02-27", agency=CSC, **SAM,
        )  # fmt: skip
        book.add_entry(
            agencies, when="2026-01-20", agency=POLICE, what="b", people=["Child A"], **SAM
        )
        book.add_entry(
            agencies, when="2025-11-02", agency=CSC, what="a", people=["Child A"], evidence="E1",
            **SAM,
        )  # fmt: skip
        chron = book.chronology(agencies)
        assert [("C2", CSC), ("C1", POLICE)] == [(e.ref, e.agency) for e in chron.entries]
        assert ([79], ["C1"], 28) == (
            [g.days for g in chron.gaps],
            [e.ref for e in chron.without_evidence],
            chron.gap_days,
        )
        assert () == book.chronology(agencies, gap_days=90).gaps

    def test_gap_days_default_comes_from_the_workflow(self, tmp_path, clock):
        """The default gap length is the workflow's chronology_gap_days setting."""
        text = (Path(__file__).parents[1] / "workflows" / "child-protection.yaml").read_text()
        custom = tmp_path / "cp.yaml"
        custom.write_text(text.replace("chronology_gap_days: 28", "chronology_gap_days: 7"))
        with Store.open(tmp_path / "w.db", create=True) as store:
            book = Casebook(Engine(store, clock=clock))
            case_id = case_in_evidence(book.engine, load_workflow(str(custom)))
            assert 7 == book.chronology(case_id).gap_days

    def test_tagging_a_key_practice_episode(self, book, agencies):
        """An entry can be tagged and untagged as a key practice episode."""
        book.add_entry(agencies, when="2026-01-20", agency=POLICE, what="b", **SAM)
        book.tag_entry(agencies, "C1", **SAM)
        assert [True] == [e.key_episode for e in book.chronology(agencies).entries]
        book.tag_entry(agencies, "c1", key_episode=False, **SAM)
        assert [False] == [e.key_episode for e in book.chronology(agencies).entries]

    def test_single_entry_errors_name_the_field(self, book, agencies):
        """A bad manual entry is refused naming the field."""
        with pytest.raises(InputError, match="when: '2026-02-30' is not a valid date"):
            book.add_entry(agencies, when="2026-02-30", agency=POLICE, what="x", **SAM)


class TestEvidencePhaseGuards:
    def test_begin_analysis_needs_evidence_and_chronology_from_every_agency(self, book, agencies):
        """Analysis cannot begin until each agency has evidence (or a reason) and an entry."""
        engine = book.engine
        with pytest.raises(GuardFailed) as caught:
            engine.fire(agencies, "begin_analysis", **LEAD)
        both = f"{POLICE}, {CSC}"
        assert [
            ("every_agency_supplied_evidence", f"no evidence item or recorded reason from: {both}"),
            ("chronology_covers_every_agency", f"the chronology has no entry from: {both}"),
        ] == caught.value.failures
        book.add_evidence(
            agencies, kind="case_record", description="d", obtained_how="h",
            obtained_on="2026-02-27", agency=CSC, **SAM,
        )  # fmt: skip
        book.record_no_evidence(agencies, POLICE, "No records held for the period", **SAM)
        book.add_entry(agencies, when="2026-01-20", agency=POLICE, what="a", **SAM)
        book.add_entry(agencies, when="2026-01-21", agency=CSC, what="b", **SAM)
        assert "analysis" == engine.fire(agencies, "begin_analysis", **LEAD).to_state

    def test_a_case_with_no_agencies_cannot_leave_evidence(self, book, case_id):
        """With no agency registered the guards fail rather than pass vacuously."""
        with pytest.raises(GuardFailed, match="no agency is registered on the case"):
            book.engine.fire(case_id, "begin_analysis", **LEAD)


class TestTimeline:
    @pytest.fixture
    def chron(self, book, agencies):
        book.add_agency(agencies, HEALTH, "health", **LEAD)
        for when, agency, key in [
            ("2025-10-01", CSC, False),
            ("2025-11", HEALTH, False),
            ("2026-01-20T10:30", POLICE, True),
        ]:
            book.add_entry(
                agencies, when=when, agency=agency, what="x", people=["Child A"], key_episode=key,
                **SAM,
            )  # fmt: skip
        return book.chronology(agencies)

    def test_svg_has_a_lane_per_agency(self, chron, tmp_path):
        """The SVG is valid XML and labels one lane per agency."""
        from aaib_cp.evidence.timeline import plot_timeline

        path = plot_timeline(chron, tmp_path / "timeline.svg")
        texts = {
            "".join(t.itertext()).strip() for t in ET.parse(path).iter() if t.tag.endswith("text")
        }
        assert {POLICE, CSC, HEALTH} <= texts
        assert any(t.startswith("gap ") for t in texts)

    def test_png_is_a_valid_image(self, chron, tmp_path):
        """The PNG has the PNG signature and opens as an image of sensible size."""
        from matplotlib import image

        from aaib_cp.evidence.timeline import plot_timeline

        path = plot_timeline(chron, tmp_path / "timeline.png")
        pixels = image.imread(path)
        assert b"\x89PNG\r\n\x1a\n" == path.read_bytes()[:8]
        assert pixels.shape[0] > 200 and pixels.shape[1] > 1000

    def test_other_formats_are_refused(self, chron, tmp_path):
        """Only .svg and .png are written."""
        from aaib_cp.evidence.timeline import plot_timeline

        with pytest.raises(InputError, match=r"must end in \.svg or \.png"):
            plot_timeline(chron, tmp_path / "timeline.gif")
