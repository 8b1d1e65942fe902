"""The evidence register: immutable items, their stored files and chain of custody.

Registering or correcting an item needs the workflow's ``register_evidence``
permission; reading, exporting and verifying are recorded but need no role.
Evidence files are copied into a content-addressed folder beside the database
(``<db stem>-evidence/<sha256>``) before the database write; if that write fails,
a newly copied file is removed again. A protected item leaves only through an
approved disclosure (:mod:`aaib_cp.evidence.protection`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import attrs

from aaib_cp.db import Store
from aaib_cp.evidence import sql as db
from aaib_cp.evidence.agencies import find_agency
from aaib_cp.evidence.base import RecordService, choice, past_date, required_text
from aaib_cp.evidence.files import BlobStore, evidence_dir_for
from aaib_cp.evidence.model import EVIDENCE_KINDS, EvidenceItem, check_file_name
from aaib_cp.evidence.protection import Protection
from aaib_cp.exceptions import InputError, IntegrityError, RecordNotFound
from aaib_cp.workflow.acting import needs
from aaib_cp.workflow.engine import Engine
from aaib_cp.workflow.identity import Account, Actor
from aaib_cp.workflow.model import Event, EventKind
from aaib_cp.workflow.safe_files import staged_output

__all__ = ["EvidenceCheck", "EvidenceRegister", "evidence_resolver"]


@attrs.frozen
class EvidenceCheck:
    """The result of re-hashing one stored evidence file: ok, missing or altered."""

    case_id: str
    item: str
    sha256: str
    status: str

    @property
    def ok(self) -> bool:
        """True when the file is present and unchanged."""
        return self.status == "ok"

    def __str__(self) -> str:
        return f"{self.case_id} {self.item}: file {self.sha256[:12]} is {self.status}"

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return attrs.asdict(self)


def evidence_resolver(store: Store, case_id: str) -> Callable[[str], EvidenceItem]:
    """Find item ``E3`` (current version) or ``E3v1`` of the case; ValueError if none."""
    items = db.evidence_items(store, case_id, all_versions=True)

    def resolve(ref: str) -> EvidenceItem:
        wanted = ref.strip().upper()
        base, _, version = wanted.partition("V")
        matching = [i for i in items if i.ref == base]
        if version:
            matching = [i for i in matching if str(i.version) == version]
        else:
            matching = [i for i in matching if not i.superseded]
        if not matching:
            raise ValueError(f"no evidence item {ref!r} on {case_id}")
        return matching[-1]

    return resolve


class EvidenceRegister(RecordService):
    """Register, correct, read, export and verify evidence items."""

    def __init__(self, engine: Engine, *, evidence_dir: str | Path | None = None) -> None:
        super().__init__(engine)
        path = self.store.path
        if evidence_dir is None and path is not None and str(path) != ":memory:":
            evidence_dir = evidence_dir_for(path)
        self.blobs: BlobStore | None = (
            BlobStore(Path(evidence_dir)) if evidence_dir is not None else None
        )

    def _put_file(self, file: str | Path | None, file_name: str | None) -> tuple[Any, ...]:
        if file is None:
            return None, None, None, False
        if self.blobs is None:
            raise InputError("file: an in-memory database has no evidence folder")
        source = Path(file)
        name = check_file_name(file_name if file_name is not None else source.name)
        sha, size, created = self.blobs.put(source)
        return sha, name, size, created

    def item(self, case_id: str, ref: str) -> EvidenceItem:
        """The current version of item ``ref`` (``E3``), or a given version (``E3v1``)."""
        self.store.get_case(case_id)
        try:
            return evidence_resolver(self.store, case_id)(ref)
        except ValueError as exc:
            raise RecordNotFound(str(exc)) from None

    @needs("register_evidence")
    def add_evidence(
        self,
        case_id: str,
        *,
        kind: str,
        description: str,
        obtained_how: str,
        obtained_on: date | str,
        agency: str | None = None,
        file: str | Path | None = None,
        file_name: str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> EvidenceItem:
        """Register an evidence item (and copy its file into the evidence store)."""
        return self._register(
            case_id,
            kind=kind,
            description=description,
            obtained_how=obtained_how,
            obtained_on=obtained_on,
            agency=agency,
            file=file,
            file_name=file_name,
            actor=actor,
            role=role,
        )

    @needs("register_evidence")
    def correct_evidence(
        self,
        case_id: str,
        ref: str,
        *,
        reason: str,
        kind: str | None = None,
        description: str | None = None,
        obtained_how: str | None = None,
        obtained_on: date | str | None = None,
        agency: str | None = None,
        file: str | Path | None = None,
        file_name: str | None = None,
        actor: Account | Actor,
        role: str,
    ) -> EvidenceItem:
        """Register a corrected version of item ``ref``, linked to the one it replaces."""
        reason = required_text("reason", reason)
        old = self.item(case_id, ref)
        if old.superseded:
            raise InputError(f"{old.label} has already been corrected; correct {old.ref} instead")
        keep_file = file is None
        return self._register(
            case_id,
            kind=kind or old.kind,
            description=description if description is not None else old.description,
            obtained_how=obtained_how if obtained_how is not None else old.obtained_how,
            obtained_on=obtained_on if obtained_on is not None else old.obtained_on,
            agency=agency if agency is not None else old.agency,
            file=file,
            file_name=file_name,
            actor=actor,
            role=role,
            previous=old,
            reason=reason,
            kept_file=(old.sha256, old.file_name, old.file_size) if keep_file else None,
        )

    def _register(
        self,
        case_id: str,
        *,
        kind: str,
        description: str,
        obtained_how: str,
        obtained_on: date | str,
        agency: str | None,
        file: str | Path | None,
        file_name: str | None,
        actor: Account | Actor,
        role: str,
        previous: EvidenceItem | None = None,
        reason: str | None = None,
        kept_file: tuple[Any, ...] | None = None,
    ) -> EvidenceItem:
        kind = choice("kind", kind, EVIDENCE_KINDS)
        description = required_text("description", description)
        obtained_how = required_text("obtained how", obtained_how)
        obtained = past_date("obtained on", obtained_on, self.today())
        action = "correct evidence" if previous else "register evidence"
        case, _, actor = self.engine.authorise(
            case_id, actor=actor, role=role, action=action, permission="register_evidence"
        )
        source = find_agency(self.store, case.id, agency) if agency else None
        if file is not None and file_name is not None:
            check_file_name(file_name)
        sha, name, size, created = self._put_file(file, file_name)
        if kept_file is not None:
            sha, name, size = kept_file
        try:
            with self.store.transaction():
                if previous is None:
                    ref, version = f"E{db.next_number(self.store, case.id, 'evidence')}", 1
                else:
                    ref, version = previous.ref, previous.version + 1
                item = db.insert_evidence(
                    self.store,
                    case.id,
                    ref=ref,
                    version=version,
                    supersedes=previous.id if previous else None,
                    kind=kind,
                    agency=source,
                    obtained_how=obtained_how,
                    obtained_on=obtained,
                    description=description,
                    sha256=sha,
                    file_name=name,
                    file_size=size,
                    at=self.engine.clock(),
                    by=actor.label,
                    correction_reason=reason,
                )
                detail: dict[str, Any] = {
                    "item": ref,
                    "version": version,
                    "kind": kind,
                    "agency": source.name if source else None,
                    "sha256": sha,
                }
                if previous is not None:
                    detail["reason"] = reason
                    detail["supersedes"] = previous.label
                self.engine.record_change(
                    case,
                    actor=actor,
                    role=role,
                    kind=EventKind.EVIDENCE_CORRECTED if previous else EventKind.EVIDENCE_ADDED,
                    detail=detail,
                )
        except BaseException:
            if created and self.blobs is not None and sha is not None:
                self.blobs.discard(sha)
            raise
        return item

    def evidence(self, case_id: str, *, all_versions: bool = False) -> list[EvidenceItem]:
        """The evidence register (current versions, or every version)."""
        self.store.get_case(case_id)
        return db.evidence_items(self.store, case_id, all_versions=all_versions)

    def access_evidence(
        self,
        case_id: str,
        ref: str,
        *,
        actor: Account | Actor,
        role: str | None = None,
        how: str = "show",
    ) -> tuple[list[EvidenceItem], list[Event]]:
        """Every version of an item and its chain of custody; the access is itself recorded."""
        case = self.store.get_case(case_id)
        actor = self.reader(case, actor, role)
        item = self.item(case_id, ref)
        with self.store.transaction():
            self.store.append_event(
                case.id,
                at=self.engine.clock(),
                actor=actor,
                role=role,
                kind=EventKind.EVIDENCE_ACCESSED,
                detail={"item": item.ref, "version": item.version, "how": how},
            )
        versions = db.evidence_versions(self.store, case_id, item.ref)
        return versions, db.custody_events(self.store, case_id, item.ref)

    def export_evidence(
        self,
        case_id: str,
        ref: str,
        destination: str | Path,
        *,
        actor: Account | Actor,
        role: str | None = None,
    ) -> Path:
        """Copy an item's file out (checking its hash first); recorded as an export.

        A protected item (a witness statement, health data, ...) is refused, and the
        refusal audited, unless a disclosure of it has been approved.
        """
        case = self.store.get_case(case_id)
        actor = self.reader(case, actor, role)
        item = self.item(case_id, ref)
        Protection(self.engine).check_release(case, item.ref, actor=actor, role=role)
        if item.sha256 is None:
            raise InputError(f"{item.label} has no file to export")
        if self.blobs is None:
            raise InputError("an in-memory database has no evidence folder")
        status = self.blobs.check(item.sha256)
        if status != "ok":
            raise IntegrityError(f"{case.id} {item.label}: its stored file is {status}")
        target = Path(destination)
        if target.is_dir():
            target = target / check_file_name(item.file_name or item.sha256)
        with staged_output(target, overwrite=False) as output_file:
            for chunk in self.blobs.chunks(item.sha256):
                output_file.write(chunk)
            with self.store.transaction():
                self.store.append_event(
                    case.id,
                    at=self.engine.clock(),
                    actor=actor,
                    role=role,
                    kind=EventKind.EVIDENCE_EXPORTED,
                    detail={"item": item.ref, "version": item.version, "sha256": item.sha256},
                )
                output_file.publish()
        return target

    def verify_evidence(self, case_id: str | None = None) -> list[EvidenceCheck]:
        """Re-hash every stored evidence file (of one case or all); one check per version."""
        if case_id is not None:
            self.store.get_case(case_id)
        checks = []
        for item in db.file_items(self.store, case_id):
            assert item.sha256 is not None
            status = self.blobs.check(item.sha256) if self.blobs is not None else "missing"
            checks.append(EvidenceCheck(item.case_id, item.label, item.sha256, status))
        return checks
