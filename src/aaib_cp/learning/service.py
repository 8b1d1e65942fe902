"""Learning across cases: search, themes and the anonymised national dataset.

The service over :mod:`aaib_cp.learning.sql_search` and :mod:`aaib_cp.learning.sql`; it
holds no SQL. The public index and the public dataset contain only cases in a public
state (one of its workflow's ``published`` phase; a workflow without one publishes
nothing), and only text passed through an
:class:`~aaib_cp.reports.anonymise.Anonymiser` built from every person registered on every
case: the case's own people become their pseudonyms, everyone else's identifiers
become neutral markers. Evidence descriptions, notes and classifications are never
indexed or exported. See ``docs/learning.md``.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aaib_cp.db import Store, sql_store
from aaib_cp.exceptions import AnonymisationError, InputError
from aaib_cp.reports.anonymise import Anonymiser, Identity
from aaib_cp.workflow.csv_cells import csv_text
from aaib_cp.workflow.safe_files import check_new_directory, publish_directory, write_output

if TYPE_CHECKING:
    from aaib_cp.learning.sql_search import SearchHit
    from aaib_cp.workflow.engine import Engine

__all__ = ["EXPORT_TABLES", "Learning", "Themes"]

#: The record types of the public dataset, in the order they are written.
EXPORT_TABLES = (
    "cases",
    "people",
    "chronology",
    "acts",
    "factors",
    "findings",
    "recommendations",
    "responses",
)
#: Free-text columns that are anonymised in the public dataset.
_FREE_TEXT = {
    "cases": ("title",),
    "chronology": ("what", "when"),
    "acts": ("description", "when"),
    "factors": ("note",),
    "findings": ("text",),
    "recommendations": ("text",),
    "responses": ("text",),
}
#: Index kinds that are public (agencies' responses stay restricted in the index).
_PUBLIC_INDEX_KINDS = ("chronology", "act", "factor", "finding", "recommendation")


def _identity(row: dict[str, Any]) -> Identity:
    dob = None
    if row.get("date_of_birth"):
        try:
            dob = date.fromisoformat(row["date_of_birth"])
        except ValueError:
            dob = None
    return Identity(
        row["pseudonym"], row["real_name"], date_of_birth=dob, address=row.get("address")
    )


class Themes:
    """Counts across cases: factor codes, recurring factors, recommendations per addressee."""

    def __init__(
        self, factors: list[dict[str, Any]], recommendations: list[dict[str, Any]]
    ) -> None:
        self.factors = factors
        self.recurring = [f for f in factors if f["cases"] >= 2]
        by_addressee: dict[str, dict[str, Any]] = {}
        for r in recommendations:
            row = by_addressee.setdefault(
                r["addressee"],
                {
                    "addressee": r["addressee"],
                    "recommendations": 0,
                    "status": Counter(),
                    "grade": Counter(),
                },
            )
            row["recommendations"] += 1
            row["status"][r["status"]] += 1
            row["grade"][r["grade"] or "awaiting response"] += 1
        self.addressees = sorted(
            by_addressee.values(), key=lambda r: (-r["recommendations"], r["addressee"])
        )

    def to_json(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "factors": [
                {k: f[k] for k in ("code", "level", "label", "factors", "cases")}
                | {"case_ids": sorted((f["case_ids"] or "").split(","))}
                for f in self.factors
            ],
            "recurring": [f["code"] for f in self.recurring],
            "addressees": [
                {**a, "status": dict(a["status"]), "grade": dict(a["grade"])}
                for a in self.addressees
            ],
        }

    def chart(self, path: str | Path) -> Path:
        """A horizontal bar chart of cases per factor code (PNG or SVG by suffix).

        Recurring codes (in two cases or more) differ by colour, by hatching and by the
        words beside the bar, with a legend, so colour never carries the meaning alone.
        An SVG keeps its text as text, readable by a screen reader and searchable.
        """
        path = Path(path)
        if path.suffix.lower() not in (".png", ".svg"):
            raise InputError(f"themes chart {path}: expected a .png or .svg file name")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Patch
        from matplotlib.ticker import MaxNLocator

        title = "Contributory factors across cases"
        rows = list(reversed(self.factors[:25]))
        with plt.rc_context({"svg.fonttype": "none", "hatch.color": "white"}):
            fig, ax = plt.subplots(figsize=(8, 1.8 + 0.4 * max(len(rows), 1)), layout="constrained")
            labels = [f"{r['code']} — {r['label']}" for r in rows]
            styles = [_RECURRING if r["cases"] >= 2 else _SINGLE for r in rows]
            bars = ax.barh(
                labels,
                [r["cases"] for r in rows],
                color=[style["colour"] for style in styles],
                hatch=[style["hatch"] for style in styles],
            )
            ax.bar_label(
                bars,
                labels=[
                    f"{r['cases']}" + (" (recurring)" if r["cases"] >= 2 else "") for r in rows
                ],
                padding=3,
            )
            ax.set_xlabel("cases with this contributory factor")
            ax.set_title(title)
            ax.xaxis.set_major_locator(
                MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=True)
            )
            ax.spines[["top", "right"]].set_visible(False)
            if rows:
                fig.legend(
                    handles=[
                        Patch(facecolor=s["colour"], hatch=s["hatch"], label=s["label"])
                        for s in (_RECURRING, _SINGLE)
                    ],
                    loc="outside lower center",
                    ncols=2,
                    frameon=False,
                )
            else:
                ax.set_axis_off()
                ax.text(
                    0.5,
                    0.5,
                    "no contributory factors recorded",
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                )
            picture = io.BytesIO()
            fmt = path.suffix.lower()[1:]
            fig.savefig(picture, format=fmt, dpi=120, metadata={"Title": title})
            plt.close(fig)
        return write_output(path, picture.getvalue(), what="themes chart")


#: How a bar of the themes chart is drawn: colour, hatching and the legend's words.
_RECURRING = {"colour": "#b3541e", "hatch": "//", "label": "recurring: in 2 or more cases"}
_SINGLE = {"colour": "#3b6ea8", "hatch": "", "label": "in one case"}


class Learning:
    """Search, themes and the public dataset over an engine's store."""

    def __init__(self, engine: Engine) -> None:
        self.engine: Engine = engine
        self.store: Store = sql_store(engine.store)

    # -- the public index ---------------------------------------------------------------
    def _anonymisers(self) -> Callable[[str], Anonymiser]:
        from aaib_cp.learning import sql as db

        people = db.all_people(self.store)
        built: dict[str, Anonymiser] = {}

        def for_case(case_id: str) -> Anonymiser:
            if case_id not in built:
                own = [_identity(p) for p in people if p["case_id"] == case_id]
                others = [
                    _identity({**p, "pseudonym": f"{p['pseudonym']} ({p['case_id']})"})
                    for p in people
                    if p["case_id"] != case_id
                ]
                built[case_id] = Anonymiser(own, also_withhold=others)
            return built[case_id]

        return for_case

    def refresh_public_index(self) -> list[str]:
        """Rebuild the public entries of every stale case; returns the cases rebuilt."""
        from aaib_cp.learning import sql as db
        from aaib_cp.learning import sql_search as ix

        stale = ix.stale_cases(self.store)
        if not stale:
            return []
        anonymiser = self._anonymisers()
        with self.store.transaction():
            for row in stale:
                case = self.store.get_case(row["id"])
                if not self.engine.definition_for(case).in_phase(case.state, "published"):
                    ix.replace_public_entries(self.store, case.id, None, ())
                    continue
                anon = anonymiser(case.id)
                entries = []
                for kind, ref, text in db.source_rows(self.store, case.id, _PUBLIC_INDEX_KINDS):
                    public = anon.redact(text)
                    if anon.leaks(public):
                        raise AnonymisationError(
                            f"public index: {case.id} {ref}: {anon.leaks(public)[0]};"
                            " nothing was indexed"
                        )
                    entries.append((kind, ref, public))
                ix.replace_public_entries(self.store, case.id, case.version, entries)
            ix.clear_stale(self.store, [r["id"] for r in stale])
        return [r["id"] for r in stale]

    def published(self) -> list[str]:
        """The cases in a public state (after bringing the public index up to date)."""
        from aaib_cp.learning import sql_search as ix

        self.refresh_public_index()
        return ix.public_case_ids(self.store)

    # -- search --------------------------------------------------------------------------
    def search(
        self,
        query: str,
        *,
        public: bool = False,
        limit: int = 20,
        case_id: str | None = None,
        exclude_case: str | None = None,
        kinds: Sequence[str] = (),
    ) -> list[SearchHit]:
        """The best ``limit`` matches for ``query``; ``public`` searches only published text."""
        from aaib_cp.learning import sql_search as ix

        if limit < 1:
            raise InputError(f"search --limit: expected 1 or more (got {limit})")
        unknown = [k for k in kinds if k not in {s.kind for s in ix.SOURCES}]
        if unknown:
            known = ", ".join(s.kind for s in ix.SOURCES)
            raise InputError(f"search --kind: unknown kind {unknown[0]!r} (expected {known})")
        expression = ix.match_expression(query)  # refuse a bad query before any work
        del expression
        if public:
            self.refresh_public_index()
        return ix.search(
            self.store,
            query,
            public=public,
            limit=limit,
            case_id=case_id,
            exclude_case=exclude_case,
            kinds=kinds,
        )

    # -- themes --------------------------------------------------------------------------
    def themes(self, *, since: date | None = None) -> Themes:
        """Counts of factor codes and recommendations in cases opened on or after ``since``."""
        from aaib_cp.learning import sql as db

        return Themes(
            db.factor_counts(self.store, since), db.recommendation_rows(self.store, since)
        )

    # -- the public dataset --------------------------------------------------------------
    def public_dataset(
        self, *, progress: Callable[[Iterable[str]], Iterable[str]] = iter
    ) -> dict[str, list[dict[str, Any]]]:
        """The anonymised rows of every published case, per record type; refuses any leak."""
        from aaib_cp.learning import sql as db

        tables: dict[str, list[dict[str, Any]]] = {name: [] for name in EXPORT_TABLES}
        anonymiser = self._anonymisers()
        for case_id in progress(self.published()):
            case = self.store.get_case(case_id)
            anon = anonymiser(case_id)
            rows = db.public_rows(self.store, case_id)
            rows["cases"] = [
                {
                    "case_id": case.id,
                    "title": case.title,
                    "workflow": case.workflow_name,
                    "workflow_version": case.workflow_version,
                    "state": case.state,
                    "opened_on": case.opened_at.date().isoformat(),
                    "occurrence": case.fields.get("classification"),
                    "depth": case.fields.get("depth"),
                }
            ]
            for name, columns in _FREE_TEXT.items():
                for row in rows[name]:
                    for column in columns:
                        if isinstance(row.get(column), str):
                            row[column] = anon.redact(row[column])
            for name in EXPORT_TABLES:
                tables[name].extend(rows[name])
        self._check(tables, anonymiser)
        return tables

    def _check(
        self, tables: dict[str, list[dict[str, Any]]], anonymiser: Callable[[str], Anonymiser]
    ) -> None:
        """Scan every text value again with its case's anonymiser; raise on any leak."""
        for name, rows in tables.items():
            for n, row in enumerate(rows, start=1):
                anon = anonymiser(row["case_id"])
                for column, value in row.items():
                    if column in ("case_id", "pseudonym", "person", "people"):
                        continue
                    if isinstance(value, str) and anon.leaks(value):
                        raise AnonymisationError(
                            f"public export: {name} row {n} ({row['case_id']}) column {column}:"
                            f" {anon.leaks(value)[0]}; nothing was written"
                        )

    def export_public(
        self, directory: str | Path, *, progress: Callable[[Iterable[str]], Iterable[str]] = iter
    ) -> dict[str, int]:
        """Write ``<type>.csv`` and ``<type>.json`` per record type into ``directory``.

        Writes into a temporary directory beside it and renames it into place, so a
        refused export writes nothing. ``directory`` must not exist or be empty.
        Returns the number of rows per record type.
        """
        target = Path(directory)
        check_new_directory(target, what="export")  # before the dataset is built
        tables = self.public_dataset(progress=progress)
        files: dict[str, bytes] = {}
        for name, rows in tables.items():
            text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
            files[f"{name}.json"] = text.encode("utf-8")
            files[f"{name}.csv"] = csv_text(_HEADERS[name], rows).encode("utf-8")
        publish_directory(target, files, what="export")
        return {name: len(rows) for name, rows in tables.items()}


_HEADERS = {
    "cases": [
        "case_id",
        "title",
        "workflow",
        "workflow_version",
        "state",
        "opened_on",
        "occurrence",
        "depth",
    ],
    "people": ["case_id", "pseudonym", "role", "agency"],
    "chronology": ["case_id", "ref", "when", "agency", "people", "what", "key_episode"],
    "acts": ["case_id", "ref", "kind", "person", "when", "description"],
    "factors": ["case_id", "ref", "code", "level", "label", "taxonomy", "note", "acts"],
    "findings": ["case_id", "ref", "kind", "text", "acts", "factors"],
    "recommendations": ["case_id", "ref", "addressee", "text", "priority", "status", "grade"],
    "responses": ["case_id", "recommendation", "n", "text", "received_on", "grade", "assessed_on"],
}
