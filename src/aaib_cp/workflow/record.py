"""Frozen records without attrs: what the kernel's records are built on.

``aaib status`` starts a fresh process, and importing attrs and building its classes
(code generated per class at import) cost more than the whole command may take. A
:class:`Record` subclass declares its fields as annotations, as before, and writes its
own ``__init__`` (so its signature, defaults and checks read as plain Python); the
base gives what ``attrs.frozen`` gave:

- ``__slots__``: one per annotated field (not a ``ClassVar``), in order;

- equality with an instance of exactly the same class, field by field, in order;
- a hash of the same fields (so a record holding a dict is unhashable, as before);
- ``Name(field=value, ...)`` as its repr;
- immutability: assigning or deleting a field raises :class:`FrozenError` (an
  ``AttributeError``); ``__init__`` sets them with :meth:`Record._set_fields`;
- :meth:`Record.evolve`, a copy with some fields changed that runs ``__init__`` (and
  so its checks) again, as ``attrs.evolve`` did.

Fields left out of equality, repr or the constructor are named in ``_no_eq``,
``_no_repr`` and ``_no_init``.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, TypeVar

__all__ = ["FrozenError", "Record"]

_R = TypeVar("_R", bound="Record")


class FrozenError(AttributeError):
    """A field of a frozen record was assigned or deleted."""


def _rebuild(cls: type[Record], values: tuple[Any, ...]) -> Record:
    """The record of class ``cls`` with these field values (for copy and pickle)."""
    record = object.__new__(cls)
    for name, value in zip(cls._fields, values, strict=True):
        object.__setattr__(record, name, value)
    return record


class _RecordType(type):
    """Gives a record class one slot per annotated field, when the class is made."""

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> type:
        if "__slots__" not in namespace:
            annotations = namespace.get("__annotations__", {})
            namespace["__slots__"] = tuple(
                field for field, kind in annotations.items() if "ClassVar" not in str(kind)
            )
        return super().__new__(mcs, name, bases, namespace)


class Record(metaclass=_RecordType):
    """The base of a frozen record: see the module's documentation."""

    __slots__ = ()

    #: every field, in declaration order (the ``__slots__`` of the class and its bases)
    _fields: ClassVar[tuple[str, ...]] = ()
    #: fields left out of equality and hash, of the repr, of the constructor
    _no_eq: ClassVar[frozenset[str]] = frozenset()
    _no_repr: ClassVar[frozenset[str]] = frozenset()
    _no_init: ClassVar[frozenset[str]] = frozenset()
    _eq_key: ClassVar[attrgetter[Any]] = attrgetter("__class__")
    _repr_fields: ClassVar[tuple[str, ...]] = ()
    _init_fields: ClassVar[tuple[str, ...]] = ()
    #: each field's slot setter, in ``_fields`` order (they bypass ``__setattr__``)
    _setters: ClassVar[tuple[Callable[[Any, Any], None], ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__slots__", ())
        cls._fields = (*cls._fields, *((own,) if isinstance(own, str) else own))
        compared = [f for f in cls._fields if f not in cls._no_eq]
        cls._eq_key = attrgetter(*compared) if compared else attrgetter("__class__")
        cls._repr_fields = tuple(f for f in cls._fields if f not in cls._no_repr)
        cls._init_fields = tuple(f for f in cls._fields if f not in cls._no_init)
        cls._setters = tuple(getattr(cls, f).__set__ for f in cls._fields)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenError(f"{type(self).__name__} is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(self._eq_key(self) == self._eq_key(other))

    def __ne__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(self._eq_key(self) != self._eq_key(other))

    def __hash__(self) -> int:
        return hash((self.__class__, self._eq_key(self)))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._repr_fields)
        name = self.__class__.__qualname__.rsplit(">.", 1)[-1]  # as attrs: no "<locals>."
        return f"{name}({shown})"

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (self.__class__, tuple(getattr(self, f) for f in self._fields))

    def _set_fields(self, *values: Any) -> None:
        """Set every field, in ``_fields`` order: what ``__init__`` does."""
        for set_field, value in zip(self._setters, values, strict=True):
            set_field(self, value)

    def evolve(self: _R, **changes: Any) -> _R:
        """A copy with ``changes`` (constructor argument names), checked again by ``__init__``."""
        values = {_arg(f): getattr(self, f) for f in self._init_fields}
        values.update(changes)
        return self.__class__(**values)


def _arg(field: str) -> str:
    """The constructor argument of a field: a private ``_name`` is given as ``name``."""
    return field.lstrip("_")
