"""Run the aaib-cp benchmarks and print medians beside same-run baselines.

Usage::

    python benchmarks/run.py                 # every measurement at full size
    python benchmarks/run.py --quick         # tiny sizes, one repeat (the smoke test)
    python benchmarks/run.py --only open_and_fire --sizes 1000,10000,100000 --repeat 7

Each measurement builds its own synthetic data (seeded; see ``synthetic.py``) in
a scratch directory, runs several times, and reports the median beside a
baseline measured in the same run, as a ratio, with its target. The table goes
to stdout and every sample to a JSON file (default ``benchmarks/results/latest.json``).
See docs/performance.md for what each figure means and the latest results.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # so `python benchmarks/run.py` finds its sibling modules
    sys.path.insert(0, str(HERE))

import click  # noqa: E402
from tabulate import tabulate  # noqa: E402

from harness import REGISTRY, Measurement, Row, RunContext  # noqa: E402

#: Modules that register measurements.
MODULES = ("engine_benchmarks", "learning_benchmarks", "web_benchmarks", "scale_benchmarks")


def load_measurements() -> list[Measurement]:
    """Every registered measurement, in issue order."""
    for module in MODULES:
        importlib.import_module(module)
    return sorted(REGISTRY.values(), key=lambda m: m.number)


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "/s":
        return f"{value:,.0f}/s"
    if unit == "ms":
        return f"{value:,.1f} ms" if value < 1000 else f"{value / 1000:,.2f} s"
    return f"{value:,.3g} {unit}"


def render_table(rows: list[Row], numbers: dict[str, int]) -> str:
    """The results as a plain-text table."""
    body = []
    for row in rows:
        passed = row.passed
        body.append(
            [
                numbers.get(row.measurement, ""),
                row.measurement,
                row.variant,
                f"{row.size:,}" if row.size is not None else "",
                _format(row.value, row.unit),
                row.baseline,
                _format(row.baseline_value, row.unit),
                f"{row.ratio:.2f}" if row.ratio is not None else "-",
                row.target.describe(row.unit) if row.target else "-",
                "-" if passed is None else ("pass" if passed else "MISS"),
            ]
        )
    headers = [
        "#",
        "measurement",
        "variant",
        "size",
        "median",
        "baseline",
        "baseline median",
        "ratio",
        "target",
        "result",
    ]
    return tabulate(body, headers=headers, tablefmt="github", disable_numparse=True)


def _parse_sizes(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not a comma-separated list of whole numbers", param_hint="'--sizes'"
        ) from None
    if not sizes or min(sizes) < 1:
        raise click.BadParameter("sizes must be positive whole numbers", param_hint="'--sizes'")
    return sizes


def environment() -> dict[str, Any]:
    """Where the figures were measured."""
    import aaib_cp

    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "aaib_cp": aaib_cp.__version__,
    }


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--quick", is_flag=True, help="Tiny sizes and one repeat (for the smoke test).")
@click.option("--sizes", help="Sizes for measurements that scale, e.g. 1000,10000,100000.")
@click.option("--repeat", type=click.IntRange(1, 1000), help="Runs per figure (default 5).")
@click.option("--only", "only", multiple=True, help="Run only this measurement (repeatable).")
@click.option(
    "--json-out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=HERE / "results" / "latest.json",
    show_default="benchmarks/results/latest.json",
    help="Where to write every sample as JSON.",
)
@click.option("--seed", default=8, show_default=True, help="Seed of the synthetic data.")
@click.option(
    "--workdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Scratch directory for the databases (default: a temporary one, removed).",
)
def main(
    quick: bool,
    sizes: str | None,
    repeat: int | None,
    only: tuple[str, ...],
    json_out: Path,
    seed: int,
    workdir: Path | None,
) -> None:
    """Measure aaib-cp against raw SQLite and Python start-up; print a table, write JSON."""
    measurements = load_measurements()
    names = {m.name for m in measurements}
    for name in only:
        if name not in names:
            raise click.BadParameter(
                f"no measurement {name!r}; one of {', '.join(sorted(names))}", param_hint="'--only'"
            )
    chosen = [m for m in measurements if not only or m.name in only]
    override = _parse_sizes(sizes)
    repeat = repeat or (1 if quick else 5)

    with tempfile.TemporaryDirectory(prefix="aaib-bench-") as tmp:
        scratch = workdir or Path(tmp)
        scratch.mkdir(parents=True, exist_ok=True)
        ctx = RunContext(repeat=repeat, workdir=scratch, quick=quick, seed=seed)
        steps: list[tuple[Measurement, int | None]] = []
        for m in chosen:
            run_sizes = m.quick_sizes if quick else m.sizes
            if override and run_sizes != (None,):
                run_sizes = override
            ctx.cache[f"sizes:{m.name}"] = run_sizes
            steps.extend((m, size) for size in run_sizes)

        rows: list[Row] = []
        with click.progressbar(
            steps,
            label="benchmarks",
            file=sys.stderr,
            item_show_func=lambda s: f"{s[0].name} {s[1] or ''}" if s else None,
        ) as bar:
            for m, size in bar:
                rows.extend(m.func(ctx, size))

    numbers = {m.name: m.number for m in measurements}
    env = environment()
    click.echo(
        f"aaib-cp {env['aaib_cp']} | Python {env['python']} | SQLite {env['sqlite']} | "
        f"{env['cpus']} CPUs | repeat {repeat}{' | quick' if quick else ''}"
    )
    click.echo(render_table(rows, numbers))
    json_out.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "environment": env,
        "settings": {"quick": quick, "repeat": repeat, "seed": seed, "sizes": override},
        "measurements": [
            {"name": m.name, "number": m.number, "title": m.title, "baseline": m.baseline}
            for m in chosen
        ],
        "results": [row.to_json() for row in rows],
    }
    json_out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    click.echo(f"JSON: {json_out}")


if __name__ == "__main__":
    main()
