"""Evidence: a case's agencies, people, evidence register and integrated chronology.

:class:`Casebook` is the one entry point for these records; it joins the focused
services, each in its own module:

- :class:`~aaib_cp.evidence.agencies.AgencyService`: agencies and people (pseudonyms);
- :class:`~aaib_cp.evidence.register.EvidenceRegister`: evidence items, their files and
  chain of custody;
- :class:`~aaib_cp.evidence.chronology.ChronologyService`: the integrated chronology.

Each checks who is acting against the roles the case's workflow grants
``register_evidence`` (refusals are audited), runs each command in one transaction
that also bumps the case version and appends an audit event, and leaves every SQL
statement to :mod:`aaib_cp.evidence.sql`.
"""

from __future__ import annotations

from aaib_cp.evidence.agencies import AgencyService
from aaib_cp.evidence.chronology import Chronology, ChronologyService
from aaib_cp.evidence.register import EvidenceCheck, EvidenceRegister

__all__ = ["Casebook", "Chronology", "EvidenceCheck"]


class Casebook(AgencyService, EvidenceRegister, ChronologyService):
    """Records of a case beside its workflow: agencies, people, evidence, chronology.

    ``Casebook(engine, evidence_dir=None)``: evidence files are kept beside the
    database unless ``evidence_dir`` says where.

    >>> book = Casebook(engine)                                   # doctest: +SKIP
    >>> book.add_agency(case_id, "Northshire Police", "police", actor="Lee",
    ...                 role="lead_investigator")
    """
