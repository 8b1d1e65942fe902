"""The case's records: agencies, people, evidence items and chronology entries.

Pure domain code (no SQLite, no click): the attrs records, the pseudonym rule,
partial dates (:class:`When`) and gap detection for the integrated chronology.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from aaib_cp.exceptions import InputError

__all__ = [
    "AGENCY_KINDS",
    "EVIDENCE_KINDS",
    "Agency",
    "ChronologyEntry",
    "EvidenceItem",
    "Gap",
    "Person",
    "When",
    "check_file_name",
    "child_letters",
    "child_pseudonym",
    "find_gaps",
    "find_person",
    "normalise_choice",
    "normalise_role",
    "pseudonym",
    "role_title",
]


def normalise_choice(what: str, value: str, choices: Mapping[str, str]) -> str:
    """``'Partly accepted'`` -> ``'partly_accepted'``; InputError naming the choices."""
    key = re.sub(r"[\s\-]+", "_", str(value).strip().lower())
    if key not in choices:
        raise InputError(f"{what}: {value!r} is not one of {', '.join(choices)}")
    return key


#: Kinds of agency, with what each covers.
AGENCY_KINDS: dict[str, str] = {
    "social_care": "children's social care",
    "police": "police",
    "health": "health (GP, health visiting, hospital, mental health)",
    "education": "schools, nurseries and colleges",
    "housing": "housing",
    "probation": "probation and youth justice",
    "voluntary": "voluntary and community sector",
    "other": "any other agency",
}

#: Kinds of evidence item.
EVIDENCE_KINDS: dict[str, str] = {
    "case_record": "an agency's case record",
    "interview": "an interview or conversation with a practitioner or family member",
    "agency_report": "an agency's report to the review",
    "document": "any other document",
    "photo": "a photograph",
    "other": "anything else",
}

CHILD_ROLE = "child"
_ROLE_RE = re.compile(r"^[a-z](?:[a-z0-9_]|'(?=[a-z]))*$")


def normalise_role(text: str) -> str:
    """``'Social worker'`` -> ``'social_worker'``, ``"Parent’s partner"`` -> ``"parent's_partner"``.

    InputError if it is not a plain role label (letters, digits, spaces, hyphens and an
    apostrophe inside a word; at most 40 characters).
    """
    key = re.sub(r"[\s\-]+", "_", str(text).strip().lower()).replace("\u2019", "'")
    if len(key) > 40 or not _ROLE_RE.fullmatch(key):
        raise InputError(
            f"role: {text!r} is not a role label (expected words such as 'child', "
            "'parent', 'social worker', \"parent's partner\"; letters, digits, spaces)"
        )
    return key


#: Role words written in capitals in a pseudonym ("GP 1", "IDVA 1").
ACRONYMS = frozenset({"gp", "pc", "pcso", "dc", "ds", "nhs", "idva", "lado", "camhs", "iro", "dsl"})


def role_title(role: str) -> str:
    """``'social_worker'`` -> ``'Social Worker'``; ``'gp'`` -> ``'GP'``."""
    return " ".join(
        word.upper() if word in ACRONYMS else word.capitalize() for word in role.split("_") if word
    )


_CHILD_PSEUDONYM = re.compile(r"Child [A-Z]{1,3}\Z")


def child_pseudonym(role: str, chosen: str) -> str:
    """A chosen pseudonym for a child, checked: ``Child`` and one to three capitals."""
    text = " ".join(str(chosen).split())
    if normalise_role(role) != CHILD_ROLE:
        raise InputError("a pseudonym can be chosen only for a child")
    if not _CHILD_PSEUDONYM.match(text):
        raise InputError(
            "pseudonym: expected 'Child' and one to three capitals, e.g. 'Child R' "
            f"(got {chosen!r:.40})"
        )
    return text


def child_letters(n: int) -> str:
    """1 -> A, 26 -> Z, 27 -> AA (bijective base 26)."""
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    letters = ""
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def pseudonym(role: str, n: int) -> str:
    """The ``n``-th pseudonym for ``role`` in a case: ``Child A``, ``Social Worker 1``.

    Children are lettered, everyone else numbered per role. Distinct (role, n)
    pairs always give distinct pseudonyms, so a per-role counter that is never
    decremented gives pseudonyms unique in the case and never reused.
    """
    key = normalise_role(role)
    if key == CHILD_ROLE:
        return f"Child {child_letters(n)}"
    if n < 1:
        raise ValueError(f"n must be at least 1 (got {n})")
    return f"{role_title(key)} {n}"


_BAD_NAME = re.compile(r"[\x00-\x1f\x7f/\\:]")


def check_file_name(name: str) -> str:
    """A stored evidence file name: a plain name, never a path (no traversal)."""
    if (
        not name
        or name in (".", "..")
        or name.startswith(".")
        or _BAD_NAME.search(name)
        or len(name) > 255
    ):
        raise InputError(
            f"file name: {name!r} is not a plain file name (no folders, '..', leading dot "
            "or control characters)"
        )
    return name


# -- partial dates ---------------------------------------------------------------
_WHEN_RE = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?:[T ](?P<H>\d{2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?)?)?$"
)
_PRECISIONS = ("year", "month", "day", "minute", "second")


@attrs.frozen
class When:
    """A date, datetime or partial date (``2026``, ``2026-02``) as recorded by an agency.

    Entries sort by their earliest possible day, then less precise before more
    precise (``2026-02`` before ``2026-02-01`` before ``2026-02-01T09:00``), then time.
    """

    text: str
    precision: str
    earliest: date
    latest: date
    time: str = ""

    @classmethod
    def parse(cls, text: str) -> When:
        """Parse ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]``.

        Raises ValueError with a message naming the value and what was expected.
        """
        raw = str(text).strip()
        match = _WHEN_RE.match(raw)
        if not match:
            raise ValueError(
                f"{raw!r} is not a date (expected YYYY-MM-DD, YYYY-MM, YYYY or YYYY-MM-DDTHH:MM)"
            )
        year = int(match["y"])
        if year < 1900:
            raise ValueError(f"{raw!r} is not a valid date (year before 1900)")
        if match["m"] is None:
            return cls(f"{year:04d}", "year", date(year, 1, 1), date(year, 12, 31))
        month = int(match["m"])
        if not 1 <= month <= 12:
            raise ValueError(f"{raw!r} is not a valid date (no month {month})")
        if match["d"] is None:
            first = date(year, month, 1)
            last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
            return cls(f"{year:04d}-{month:02d}", "month", first, last)
        try:
            day = date(year, month, int(match["d"]))
        except ValueError:
            raise ValueError(f"{raw!r} is not a valid date") from None
        if match["H"] is None:
            return cls(day.isoformat(), "day", day, day)
        hour, minute = int(match["H"]), int(match["M"])
        second = int(match["S"]) if match["S"] is not None else None
        if hour > 23 or minute > 59 or (second is not None and second > 59):
            raise ValueError(f"{raw!r} is not a valid time of day")
        time = f"{hour:02d}:{minute:02d}" + (f":{second:02d}" if second is not None else "")
        precision = "minute" if second is None else "second"
        return cls(f"{day.isoformat()}T{time}", precision, day, day, time)

    @property
    def sort_key(self) -> tuple[str, int, str]:
        """Earliest day, then precision (coarse first), then time of day."""
        return (self.earliest.isoformat(), _PRECISIONS.index(self.precision), self.time)

    def to_datetime(self) -> datetime:
        """The earliest moment it can denote (for plotting)."""
        if self.time:
            return datetime.fromisoformat(self.text)
        return datetime.combine(self.earliest, datetime.min.time())

    def __str__(self) -> str:
        return self.text


# -- records ---------------------------------------------------------------------
@attrs.frozen
class Agency:
    """An agency involved in the case (children's social care, police, a school, ...)."""

    id: int
    case_id: str
    name: str
    kind: str
    added_at: datetime
    added_by: str
    no_evidence_reason: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Agency:
        """Build from a stored row."""
        return cls(
            id=int(row["id"]),
            case_id=row["case_id"],
            name=row["name"],
            kind=row["kind"],
            added_at=datetime.fromisoformat(row["added_at"]),
            added_by=row["added_by"],
            no_evidence_reason=row.get("no_evidence_reason"),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "id": self.id,
            "name": self.name,
            "kind": self.kind,
            "added_at": self.added_at.isoformat(),
            "added_by": self.added_by,
            "no_evidence_reason": self.no_evidence_reason,
        }


@attrs.frozen
class Person:
    """Someone involved in the case; reported only by ``pseudonym``.

    ``real_name``, ``date_of_birth`` and ``address`` are restricted data: they never
    appear in the audit trail, and :meth:`to_json` leaves them out unless asked.
    """

    id: int
    case_id: str
    pseudonym: str
    role: str
    agency: str | None
    real_name: str = attrs.field(repr=False)
    date_of_birth: str | None = attrs.field(default=None, repr=False)
    address: str | None = attrs.field(default=None, repr=False)
    added_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Person:
        """Build from a stored row (joined with the agency's name as ``agency``)."""
        return cls(
            id=int(row["id"]),
            case_id=row["case_id"],
            pseudonym=row["pseudonym"],
            role=row["role"],
            agency=row.get("agency"),
            real_name=row["real_name"],
            date_of_birth=row.get("date_of_birth"),
            address=row.get("address"),
            added_at=datetime.fromisoformat(row["added_at"]) if row.get("added_at") else None,
        )

    def to_json(self, *, restricted: bool = False) -> dict[str, Any]:
        """A JSON-ready mapping; restricted data only with ``restricted=True``."""
        data: dict[str, Any] = {
            "pseudonym": self.pseudonym,
            "role": self.role,
            "agency": self.agency,
        }
        if restricted:
            data["restricted"] = {
                "real_name": self.real_name,
                "date_of_birth": self.date_of_birth,
                "address": self.address,
            }
        return data


@attrs.frozen
class EvidenceItem:
    """One version of an evidence item. Items are immutable; a correction is a new version."""

    id: int
    case_id: str
    ref: str
    version: int
    kind: str
    agency: str | None
    obtained_how: str
    obtained_on: date
    description: str
    sha256: str | None
    file_name: str | None
    file_size: int | None
    registered_at: datetime
    registered_by: str
    supersedes: int | None = None
    correction_reason: str | None = None
    superseded: bool = False

    @property
    def label(self) -> str:
        """``E3`` for a first version, ``E3v2`` for a correction."""
        return self.ref if self.version == 1 else f"{self.ref}v{self.version}"

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> EvidenceItem:
        """Build from a stored row (joined with the agency's name as ``agency``)."""
        return cls(
            id=int(row["id"]),
            case_id=row["case_id"],
            ref=row["ref"],
            version=int(row["version"]),
            kind=row["kind"],
            agency=row.get("agency"),
            obtained_how=row["obtained_how"],
            obtained_on=date.fromisoformat(row["obtained_on"]),
            description=row["description"],
            sha256=row["sha256"],
            file_name=row["file_name"],
            file_size=row["file_size"],
            registered_at=datetime.fromisoformat(row["registered_at"]),
            registered_by=row["registered_by"],
            supersedes=row["supersedes"],
            correction_reason=row["correction_reason"],
            superseded=bool(row.get("superseded", False)),
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "item": self.ref,
            "version": self.version,
            "label": self.label,
            "kind": self.kind,
            "agency": self.agency,
            "obtained_how": self.obtained_how,
            "obtained_on": self.obtained_on.isoformat(),
            "description": self.description,
            "file": None
            if self.sha256 is None
            else {"name": self.file_name, "sha256": self.sha256, "size": self.file_size},
            "registered_at": self.registered_at.isoformat(),
            "registered_by": self.registered_by,
            "correction_reason": self.correction_reason,
            "superseded": self.superseded,
        }


@attrs.frozen
class ChronologyEntry:
    """One entry of the integrated chronology: when, which agency, who, what, on what evidence."""

    id: int
    case_id: str
    ref: str
    when: When
    agency: str
    people: tuple[str, ...]
    what: str
    evidence: str | None
    key_episode: bool
    source: str
    involves_child: bool = False

    @property
    def cites_evidence(self) -> bool:
        """True when the entry names a source evidence item."""
        return self.evidence is not None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping (people by pseudonym only)."""
        return {
            "entry": self.ref,
            "when": self.when.text,
            "precision": self.when.precision,
            "agency": self.agency,
            "people": list(self.people),
            "what": self.what,
            "evidence": self.evidence,
            "key_episode": self.key_episode,
            "cites_evidence": self.cites_evidence,
            "source": self.source,
        }


@attrs.frozen
class Gap:
    """A stretch with no recorded contact with the child by any agency."""

    start: date
    end: date

    @property
    def days(self) -> int:
        """Length in days."""
        return (self.end - self.start).days

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "days": self.days}


def find_person(people: Sequence[Person], name: str) -> Person:
    """The person called ``name``: by pseudonym, else by a real name only one person has.

    Raises :class:`LookupError` saying why not (no one, or several people, by that name).
    """
    wanted = name.strip().casefold()
    for p in people:
        if p.pseudonym.casefold() == wanted:
            return p
    named = [p for p in people if p.real_name.casefold() == wanted]
    if len(named) == 1:
        return named[0]
    if named:
        raise LookupError(f"{name!r} matches {len(named)} people; use the pseudonym")
    raise LookupError(f"no one called {name!r}")


def find_gaps(entries: Iterable[ChronologyEntry], *, gap_days: int) -> list[Gap]:
    """Stretches longer than ``gap_days`` between contacts with the child.

    An entry is a contact when a person with the role ``child`` is among its people.
    Partial dates count conservatively: a gap runs from the latest day the earlier
    contact can denote to the earliest day of the next, so only certain gaps are flagged.
    """
    if gap_days < 0:
        raise InputError(f"gap days: must be 0 or more (got {gap_days})")
    contacts: Sequence[ChronologyEntry] = sorted(
        (e for e in entries if e.involves_child), key=lambda e: e.when.sort_key
    )
    gaps: list[Gap] = []
    latest: date | None = None
    for entry in contacts:
        if latest is not None and (entry.when.earliest - latest).days > gap_days:
            gaps.append(Gap(latest, entry.when.earliest))
        latest = entry.when.latest if latest is None else max(latest, entry.when.latest)
    return gaps
