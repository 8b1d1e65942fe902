"""The architecture holds: layers, types, module and class sizes, one home per rule.

Each test reads the source as a newcomer would and fails when a rule of
``docs/architecture.md`` is broken, naming the file and line.
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aaib_cp.workflow.model import EventKind
from tests.conftest import REPO

PACKAGE = REPO / "src" / "aaib_cp"
MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 400
#: Packages of the phases, in layer order (earliest first), and the kernel below them.
PHASES = ("workflow", "db", "evidence", "analysis", "recommendations", "reports", "learning")


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def _tool(name: str) -> list[str]:
    """The command for a console script installed beside this Python."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]'")
    return [found]


class TestCheckers:
    """import-linter and mypy run as part of the suite, so CI runs them."""

    def test_layers_contract_is_kept(self):
        """`lint-imports`: a later phase may import an earlier one, never the reverse."""
        result = subprocess.run(
            _tool("lint-imports"), cwd=REPO, capture_output=True, text=True, timeout=300
        )
        assert 0 == result.returncode, result.stdout[-4000:] + result.stderr[-2000:]
        assert "1 kept, 0 broken" in result.stdout

    def test_mypy_is_clean(self):
        """`mypy` (configured in pyproject.toml) finds no error in src/."""
        result = subprocess.run(
            [sys.executable, "-m", "mypy", "--no-incremental"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert 0 == result.returncode, result.stdout[-6000:] + result.stderr[-2000:]


class TestSizes:
    """Small modules and classes, so each can be read in one sitting."""

    def test_no_module_over_500_lines(self):
        """Every module of src/aaib_cp is at most 500 lines."""
        long = {
            _rel(p): n
            for p in _modules()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
        }
        assert {} == long

    def test_no_class_over_400_lines(self):
        """Every class of src/aaib_cp is at most 400 lines."""
        long = {}
        for path in _modules():
            for node in ast.walk(_tree(path)):
                if isinstance(node, ast.ClassDef):
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    if lines > MAX_CLASS_LINES:
                        long[f"{_rel(path)}:{node.lineno} {node.name}"] = lines
        assert {} == long


#: Where SQL may be written: the db package and each phase's SQL modules.
def _may_run_sql(path: Path) -> bool:
    rel = path.relative_to(PACKAGE)
    return (
        rel.parts[0] == "db"
        or rel.stem == "sql"
        or rel.stem.startswith("sql_")
        or (len(rel.parts) > 2 and rel.parts[1] == "sql")
    )


_SQL = re.compile(
    r"^\s*(SELECT\s.+\sFROM\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|"
    r"CREATE\s+(TABLE|INDEX|TRIGGER|VIRTUAL)\s|ALTER\s+TABLE\s|DROP\s+TABLE\s)",
    re.IGNORECASE | re.DOTALL,
)


class TestAdapters:
    """cli/ and web/ are thin adapters side by side over the same services."""

    def _imports(self, path: Path) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
        return found

    def test_web_frameworks_only_in_web(self):
        """starlette and itsdangerous are imported only by aaib_cp.web; click never is there."""
        web_only = {"starlette", "itsdangerous"}
        found = []
        for path in _modules():
            in_web = path.relative_to(PACKAGE).parts[0] == "web"
            used = self._imports(path)
            if (used & web_only and not in_web) or (in_web and "click" in used):
                found.append(_rel(path))
        assert [] == found

    def test_web_is_beside_cli_in_the_layers(self):
        """The layers contract puts web at the top, independent of cli."""
        text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
        assert '"aaib_cp.cli | aaib_cp.web"' in text


class TestOneHomePerRule:
    """SQL, audit event kinds and registrations each have one home."""

    def test_sql_only_in_db_and_sql_modules(self):
        """No string that is an SQL statement outside db/ and the `sql` modules."""
        found = []
        for path in _modules():
            if _may_run_sql(path):
                continue
            for node in ast.walk(_tree(path)):
                is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
                if is_text and _SQL.match(node.value):
                    found.append(f"{_rel(path)}:{node.lineno}")
        assert [] == found

    def test_records_import_no_sql_click_or_web(self):
        """Record modules (each phase's model.py) are pure: no sqlite, click or web framework."""
        banned = ("sqlite3", "sqlite_utils", "click", "starlette", "fastapi", "jinja2")
        found = []
        for path in PACKAGE.rglob("model.py"):
            for node in ast.walk(_tree(path)):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                found += [f"{_rel(path)}: {n}" for n in names if n.split(".")[0] in banned]
        assert [] == found

    def test_every_event_kind_written_is_listed(self):
        """Every `kind=` given to an audit writer is an EventKind constant, never a literal."""
        literals = []
        for path in _modules():
            for node in ast.walk(_tree(path)):
                if not isinstance(node, ast.Call):
                    continue
                if "actor" not in {kw.arg for kw in node.keywords}:
                    continue  # not an audit write (clocks and records have kinds too)
                for kw in node.keywords:
                    if kw.arg != "kind":
                        continue
                    value = kw.value
                    if isinstance(value, ast.Constant) and value.value in EventKind.ALL:
                        literals.append(f"{_rel(path)}:{node.lineno} {value.value!r}")
                    if isinstance(value, ast.JoinedStr):
                        literals.append(f"{_rel(path)}:{node.lineno} f-string kind")
        assert [] == literals

    def test_event_kinds_are_unique(self):
        """No two EventKind constants share a value."""
        values = [v for n, v in vars(EventKind).items() if n.isupper() and isinstance(v, str)]
        assert len(values) == len(set(values)) == len(EventKind.ALL)

    def test_nothing_registers_itself_into_a_shared_default(self):
        """Registrations go into a module's own registry; only aaib_cp.wiring joins them."""
        shared = re.compile(r"default_(registry|effects)\(\)\.(register|update)|MIGRATIONS\.extend")
        found = []
        for path in _modules():
            if path.name == "wiring.py":
                continue
            for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if shared.search(code) and not code.lstrip().startswith((">>>", "...")):
                    found.append(f"{_rel(path)}:{i}")
        assert [] == found

    def test_wiring_lists_every_registry(self):
        """Every module-level MIGRATIONS, FACTS, GUARDS and EFFECTS is joined by the wiring."""
        import aaib_cp.wiring as wiring

        joined = {
            *(where for where, _ in wiring.MIGRATION_SETS),
            *(where for where, _ in wiring.FACT_SETS),
            *(where for where, _ in wiring.GUARD_SETS),
            *wiring.EFFECTS,
        }
        missing = []
        for path in _modules():
            if path.name in ("wiring.py", "__init__.py"):
                continue
            rel = path.relative_to(PACKAGE).with_suffix("")
            module_name = "aaib_cp." + ".".join(rel.parts)
            tree = _tree(path)
            names = {
                t.id
                for node in tree.body
                if isinstance(node, ast.Assign)
                for t in node.targets
                if isinstance(t, ast.Name)
            }
            wanted = names & {"MIGRATIONS", "FACTS", "GUARDS", "EFFECTS"}
            if module_name in ("aaib_cp.db.connection", "aaib_cp.db.facts"):
                continue  # the shared defaults themselves
            missing += [f"{module_name}:{n}" for n in wanted if f"{module_name}:{n}" not in joined]
        assert [] == missing

    def test_wiring_lists_each_registrys_own_names(self):
        """The names the wiring lists for a registry are exactly those it registers."""
        import aaib_cp.wiring as wiring
        from aaib_cp.db.connection import MIGRATIONS
        from aaib_cp.workflow.lazy import resolve

        for where, names in wiring.MIGRATION_SETS:  # in the order they apply
            assert resolve(where).names() == list(names), where
        for where, names in (*wiring.FACT_SETS, *wiring.GUARD_SETS):
            assert sorted(resolve(where).names()) == sorted(names), where
        listed = [name for _, names in wiring.MIGRATION_SETS for name in names]
        assert listed == MIGRATIONS.names()

    def test_opening_a_database_imports_no_phase(self, tmp_path):
        """Opening an existing database imports no phase's records or SQL, nor YAML."""
        from aaib_cp import Store

        path = tmp_path / "cases.db"
        Store.open(path, create=True).close()  # a new one runs every migration: all phases
        code = (
            "import sys\n"
            "import aaib_cp.wiring\n"
            "from aaib_cp.db import Store\n"
            "Store.open(sys.argv[1], readonly=True).close()\n"
            "print(sorted(sys.modules))\n"
        )
        loaded = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        ).stdout
        assert "'aaib_cp.db.store'" in loaded
        for name in (
            "aaib_cp.evidence",
            "aaib_cp.analysis",
            "aaib_cp.recommendations.sql",
            "aaib_cp.recommendations.model",
            "aaib_cp.learning",
            "aaib_cp.reports",
            "aaib_cp.workflow.parse",
            "yaml",
        ):
            assert f"'{name}" not in loaded, name


class TestGenericServices:
    """Services read roles and states from the workflow; they never name them."""

    #: Role and state names of the shipped workflows that no service may spell.
    NAMES = (
        "lead_investigator",
        "chief_investigator",
        "panel_chair",
        "inspector_in_charge",
        "chief_inspector",
        "rapid_review_lead",
        "final_report",
        "draft_report",
        "response_tracking",
        "issue_final_report",
        "publish_final_report",
    )

    def test_no_service_names_a_workflow_role_or_state(self):
        """No string constant in the phase packages is a shipped workflow's role or state."""
        found = []
        for phase in PHASES[2:]:
            for path in sorted((PACKAGE / phase).rglob("*.py")):
                for node in ast.walk(_tree(path)):
                    if isinstance(node, ast.Constant) and node.value in self.NAMES:
                        found.append(f"{_rel(path)}:{node.lineno} {node.value!r}")
        assert [] == found


class TestDocs:
    """docs/architecture.md draws the layers the contract enforces."""

    def test_picture_names_every_layer(self):
        """Every package of the layers contract is a node of the picture, in contract order."""
        import tomllib

        config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
        (contract,) = config["tool"]["importlinter"]["contracts"]
        layers = [
            name.strip(" ()").removeprefix("aaib_cp.")
            for layer in contract["layers"]
            for name in layer.split("|")
        ]
        text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
        picture = text.split("```mermaid", 1)[1].split("```", 1)[0]
        nodes = re.findall(r"^\s*(\w+)\[", picture, flags=re.M)
        assert layers == nodes

    def test_readme_layout_names_every_package(self):
        """README's layout section lists every package and top-level module of src/aaib_cp."""
        readme = (REPO / "README.md").read_text(encoding="utf-8")
        layout = readme.split("## Layout", 1)[1]
        names = sorted(
            p.name + ("/" if p.is_dir() else "")
            for p in PACKAGE.iterdir()
            if p.name not in ("__init__.py", "__main__.py", "py.typed", "__pycache__")
        )
        missing = [n for n in names if n not in layout]
        assert [] == missing
