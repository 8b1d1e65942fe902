"""The error tree of aaib-cp.

Every error the engine raises on purpose derives from :class:`AaibCpError`, so a
program embedding the engine can catch one class, and the CLI can turn each into
one clear line with exit code 1::

    AaibCpError
    ├── DefinitionError (ValueError)      a workflow, taxonomy or tree file is invalid
    ├── InputError (ValueError)           a value given by the user is invalid
    ├── CaseNotFound (LookupError)        no case with that reference
    ├── RecordNotFound (LookupError)      no record (person, item, ...) with that id
    ├── TransitionRefused                 a trigger cannot fire now
    │   ├── UnknownTrigger                the trigger does not exist from this state
    │   ├── RoleRefused                   the acting role may not fire it
    │   ├── ConflictOfInterest            an appointee is affiliated with an involved agency
    │   └── GuardFailed                   one or more guards block it
    ├── StaleCaseError                    the case changed underneath the caller
    ├── WorkflowMismatch                  the case no longer fits its workflow
    ├── ExplorationError (RuntimeError)   a workflow cannot be explored (workflow check)
    ├── IntegrityError                    a stored record or file fails verification
    │   └── AnonymisationError            a public text still holds a registered identifier
    ├── StoreError                        the database cannot be used
    ├── DeliveryError                     a reminder could not be e-mailed
    └── ProtectedMaterial (PermissionError) protected material without an approved disclosure
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AaibCpError",
    "AnonymisationError",
    "CaseNotFound",
    "ConflictOfInterest",
    "DefinitionError",
    "DeliveryError",
    "ExplorationError",
    "GuardFailed",
    "InputError",
    "IntegrityError",
    "Problem",
    "ProtectedMaterial",
    "RecordNotFound",
    "RoleRefused",
    "StaleCaseError",
    "StoreError",
    "TransitionRefused",
    "UnknownTrigger",
    "WorkflowMismatch",
]


class AaibCpError(Exception):
    """Root of every error raised on purpose by aaib-cp."""


class Problem:
    """One located problem in a data file: ``file:line:col: path: message``."""

    __slots__ = ("column", "filename", "line", "message", "path")

    def __init__(self, filename: str, line: int, column: int, path: str, message: str) -> None:
        self.filename = filename
        self.line = line
        self.column = column
        self.path = path
        self.message = message

    def __str__(self) -> str:
        where = f"{self.filename}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def __repr__(self) -> str:
        return f"Problem({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Problem) and str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


class DefinitionError(AaibCpError, ValueError):
    """A definition file (workflow, taxonomy, decision tree) is invalid.

    ``problems`` lists every problem found, each located by file, line and column.
    """

    def __init__(self, problems: Sequence[Problem] | str) -> None:
        if isinstance(problems, str):
            self.problems: list[Problem] = []
            super().__init__(problems)
        else:
            self.problems = list(problems)
            super().__init__("\n".join(str(p) for p in self.problems))


class InputError(AaibCpError, ValueError):
    """A value supplied by the user is invalid (names the field and what was expected)."""


class CaseNotFound(AaibCpError, LookupError):
    """No case has the given reference."""

    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        super().__init__(f"no case {case_id!r}")

    def __str__(self) -> str:
        return f"no case {self.case_id!r}"


class RecordNotFound(AaibCpError, LookupError):
    """No record of the given kind has the given id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "record not found"


class TransitionRefused(AaibCpError):
    """A trigger cannot fire now; the refusal has been recorded as an event."""


class UnknownTrigger(TransitionRefused):
    """The trigger does not exist from the case's current state."""


class RoleRefused(TransitionRefused):
    """The acting role is not allowed to fire the trigger."""


class ConflictOfInterest(TransitionRefused):
    """The person is affiliated with an agency involved in the case."""


class GuardFailed(TransitionRefused):
    """One or more guards of the transition do not hold.

    ``failures`` holds ``(guard_name, reason)`` pairs, in declaration order.
    """

    def __init__(self, message: str, failures: Sequence[tuple[str, str]] = ()) -> None:
        self.failures = list(failures)
        super().__init__(message)


class StaleCaseError(AaibCpError):
    """The case changed underneath the caller (optimistic concurrency check failed)."""


class WorkflowMismatch(AaibCpError):
    """The case's recorded workflow does not fit the definition it is loaded under."""


class ExplorationError(AaibCpError, RuntimeError):
    """A workflow cannot be explored, e.g. a predicate reads a fact it does not declare."""


class IntegrityError(AaibCpError):
    """A stored record, audit chain or evidence file fails verification."""


class AnonymisationError(IntegrityError):
    """A text meant for publication still contains a registered identifier.

    The message names where and whose identifier, never the identifier itself.
    """


class StoreError(AaibCpError):
    """The database cannot be used (not SQLite, newer schema, locked, ...)."""


class DeliveryError(AaibCpError):
    """A message could not be delivered (the mail server refused it or cannot be reached)."""


class ProtectedMaterial(AaibCpError, PermissionError):
    """Protected material (a witness statement, notes, drafts, health data) may not leave.

    Only an approved disclosure (named approver, stated ground) lets one item out.
    """
