"""The benchmark registry, timing helpers and result rows.

A measurement is a function registered with :func:`measurement`. It declares its
baseline (measured in the same run), its target, and the sizes it runs at; the
runner calls it once per size with a :class:`RunContext` and it returns one or
more :class:`Row` objects, each a median beside its baseline's median. Adding a
measurement (full-text search, reports, chronology import) is one more decorated
function in a module listed in ``run.MODULES``.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "REGISTRY",
    "Measurement",
    "Row",
    "RunContext",
    "Target",
    "measurement",
    "median_time",
]


@dataclass(frozen=True)
class Target:
    """What passing means: a ratio bound against the baseline, and/or an absolute bound.

    ``min_ratio``: value / baseline must be at least this (throughputs).
    ``max_ratio``: value / baseline must be at most this (times).
    ``max_value``: the value itself must be at most this (in the row's unit).
    """

    min_ratio: float | None = None
    max_ratio: float | None = None
    max_value: float | None = None

    def describe(self, unit: str) -> str:
        """The target in words, e.g. ``ratio >= 0.5``."""
        parts = []
        if self.min_ratio is not None:
            parts.append(f"ratio >= {self.min_ratio:g}")
        if self.max_ratio is not None:
            parts.append(f"ratio <= {self.max_ratio:g}")
        if self.max_value is not None:
            parts.append(f"< {self.max_value:g} {unit}")
        return ", ".join(parts) or "-"

    def met(self, value: float, ratio: float | None) -> bool:
        """True when every bound holds."""
        if self.max_value is not None and not value < self.max_value:
            return False
        if ratio is None:
            return self.min_ratio is None and self.max_ratio is None
        if self.min_ratio is not None and ratio < self.min_ratio:
            return False
        return not (self.max_ratio is not None and ratio > self.max_ratio)


@dataclass
class Row:
    """One figure: the median of the measurement beside the median of its baseline."""

    measurement: str
    variant: str
    size: int | None
    value: float
    unit: str
    baseline: str
    baseline_value: float
    target: Target | None = None
    samples: list[float] = field(default_factory=list)
    baseline_samples: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """value / baseline value."""
        return self.value / self.baseline_value if self.baseline_value else None

    @property
    def passed(self) -> bool | None:
        """True/False against the target; None when the row has no target."""
        return None if self.target is None else self.target.met(self.value, self.ratio)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        data = asdict(self)
        data["target"] = self.target.describe(self.unit) if self.target else None
        data["ratio"] = self.ratio
        data["passed"] = self.passed
        return data


@dataclass
class RunContext:
    """What a measurement gets: repeats, a scratch directory, and whether this is ``--quick``."""

    repeat: int
    workdir: Path
    quick: bool
    seed: int = 8
    cache: dict[str, Any] = field(default_factory=dict)


MeasureFunc = Callable[[RunContext, "int | None"], list[Row]]


@dataclass(frozen=True)
class Measurement:
    """A registered measurement: what it measures, against what, at which sizes."""

    name: str
    number: int
    title: str
    baseline: str
    func: MeasureFunc
    sizes: tuple[int | None, ...] = (None,)
    quick_sizes: tuple[int | None, ...] = (None,)


REGISTRY: dict[str, Measurement] = {}


def measurement(
    name: str,
    *,
    number: int,
    title: str,
    baseline: str,
    sizes: Sequence[int | None] = (None,),
    quick_sizes: Sequence[int | None] = (None,),
) -> Callable[[MeasureFunc], MeasureFunc]:
    """Register ``func(ctx, size) -> [Row, ...]`` as the measurement called ``name``."""

    def decorator(func: MeasureFunc) -> MeasureFunc:
        if name in REGISTRY:
            raise ValueError(f"measurement {name!r} is registered twice")
        REGISTRY[name] = Measurement(
            name, number, title, baseline, func, tuple(sizes), tuple(quick_sizes)
        )
        return func

    return decorator


def median_time(
    func: Callable[[], Any], repeat: int, *, setup: Callable[[], Any] | None = None
) -> tuple[float, list[float]]:
    """Median wall time of ``func()`` in seconds over ``repeat`` runs, and every sample."""
    samples = []
    for _ in range(max(1, repeat)):
        if setup is not None:
            setup()
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples
