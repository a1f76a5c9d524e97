"""Project invariants (ARCHITECTURE.md, STYLE.md): import directions, the server's layers (SQL
only in the store, no web framework in the services), the device's SQL only in its store layer,
module size, docs naming every command and endpoint."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _imports(package: str) -> list[tuple[Path, str]]:
    out = []
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                out += [(path, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                out.append((path, node.module))
    return out


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        (
            "shared_schema",
            {
                "server",
                "mobile",
                "dkst",
                "kivy",
                "fastapi",
                "sqlalchemy",
                "requests",
                "sqlite_utils",
            },
        ),
        ("server", {"mobile", "kivy"}),
        ("mobile", {"server"}),
        ("mobile/core", {"kivy"}),
    ],
)
def test_imports_go_one_way(package: str, forbidden: set[str]) -> None:
    bad = [
        (str(p.relative_to(ROOT)), m) for p, m in _imports(package) if m.split(".")[0] in forbidden
    ]
    assert bad == []


# A statement's shape, not a keyword alone: prose such as "Delete a record" must not match.
_SQL = re.compile(
    r"^\s*(SELECT\b.*\bFROM\b|INSERT\s+(OR\s+\w+\s+)?INTO\b|UPDATE\s+\w+\s+SET\b"
    r"|DELETE\s+FROM\b|REPLACE\s+INTO\b|(CREATE|DROP)\s+(TEMP\s+|VIRTUAL\s+|UNIQUE\s+)?"
    r"(TABLE|INDEX|TRIGGER|VIEW)\b|ALTER\s+TABLE\b|PRAGMA\s+\w+|WITH\s+\w+\s+AS\b)",
    re.IGNORECASE | re.DOTALL,
)
_SQL_CALLS = frozenset({"execute", "executemany", "executescript"})
DEVICE_STORE = ROOT / "mobile" / "core" / "store"


def sql_in(source: str) -> list[str]:
    """Where a module speaks SQL: a DB-API ``execute*`` call, or a string shaped like a statement.

    Docstrings and other bare string expressions are prose, and not counted.
    """
    tree = ast.parse(source)
    prose = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _SQL_CALLS
        ):
            found.append(f"{node.lineno}: .{node.func.attr}(")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and _SQL.match(node.value)
        ):
            found.append(f"{node.lineno}: {node.value[:40]!r}")
    return found


def test_device_sql_lives_in_its_store() -> None:
    """mobile/core modules call named functions of mobile/core/store; only the store holds SQL."""
    bad = {
        str(path.relative_to(ROOT)): where
        for path in (ROOT / "mobile").rglob("*.py")
        if DEVICE_STORE not in path.parents and (where := sql_in(path.read_text(encoding="utf-8")))
    }
    assert bad == {}


def test_only_the_device_store_opens_sqlite() -> None:
    bad = [
        (str(p.relative_to(ROOT)), m)
        for p, m in _imports("mobile")
        if m.split(".")[0] in {"sqlite3", "sqlite_utils"} and DEVICE_STORE not in p.parents
    ]
    assert bad == []


@pytest.mark.parametrize(
    "source",
    [
        'conn.execute("SELECT 1")',
        "self.store.conn.executemany(SQL, rows)",
        'rows = db.query("select record_id from records where deleted = 0")',
        'SQL = "INSERT OR IGNORE INTO attachments(sha256) VALUES (?)"',
        'x = f"UPDATE outbox SET state = {state!r}"',
        'q = ("DELETE FROM records " "WHERE record_id = ?")',
        'PRAGMA = "PRAGMA user_version"',
    ],
)
def test_sql_check_catches_a_statement_put_back(source: str) -> None:
    assert sql_in(source) != []


@pytest.mark.parametrize(
    "source",
    [
        '"""Delete a record: an outbox delete change."""',
        'def f():\n    """Select the newest form; update the cache."""',
        'message = "Update the app to open this file"',
        'label = "Chọn từ danh sách"',
    ],
)
def test_sql_check_leaves_prose_alone(source: str) -> None:
    assert sql_in(source) == []


def _commands() -> list[list[str]]:
    import typer.main

    from dkst.cli import app

    root = typer.main.get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: object, prefix: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*prefix, name])
        else:
            paths.append(prefix)

    walk(root, [])
    return paths


def test_readme_names_every_cli_command() -> None:
    lines = [line for line in README.splitlines() if "dkst " in line]
    missing = []
    for path in _commands():
        pattern = re.compile(
            r"dkst\s+" + r"(\s+--?\S+(\s+[^-\s]\S*)?)*\s+".join(map(re.escape, path)) + r"\b"
        )
        if not any(pattern.search(line) for line in lines):
            missing.append(" ".join(path))
    assert missing == [], f"README does not show: {missing}"


def test_readme_names_every_endpoint() -> None:
    from server.app import create_app
    from server.config import ServerSettings

    app = create_app(ServerSettings(data_dir=ROOT / ".pytest_cache" / "invariants-data"))
    paths = app.openapi()["paths"]
    missing = [p.removeprefix("/api/v1") for p in paths if p.removeprefix("/api/v1") not in README]
    assert missing == [], f"README does not list: {missing}"


# ---------------------------------------------------------------------------- the server's layers
SQL_CONSTRUCTORS = frozenset({"select", "insert", "update", "delete", "text"})
# Where SQL may be written: the store layer, the schema and engine, the migrations.
SQL_HOMES = ("server/store/", "server/db/", "server/migrations/")
SQL_ALLOWED: frozenset[str] = frozenset()


def _py_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def sql_constructors(source: str) -> list[str]:
    """``line: call`` for every SQL constructor called in ``source``.

    A bare ``select(…)`` (however it was imported), and ``x.select(…)`` on a name bound to a
    SQLAlchemy module (``sa.select``, ``postgresql.insert``); ``digest.update(…)`` is not SQL.
    """
    tree = ast.parse(source)
    sql_modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            sql_modules |= {
                (a.asname or a.name).split(".")[0]
                for a in node.names
                if a.name.split(".")[0] == "sqlalchemy"
            }
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            sql_modules |= {a.asname or a.name for a in node.names}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        if isinstance(f, ast.Name) and f.id in SQL_CONSTRUCTORS:
            found.append(f"{node.lineno}: {f.id}(")
        elif (
            isinstance(f, ast.Attribute)
            and f.attr in SQL_CONSTRUCTORS
            and isinstance(f.value, ast.Name)
            and f.value.id in sql_modules
        ):
            found.append(f"{node.lineno}: {f.value.id}.{f.attr}(")
    return found


def test_sql_only_in_the_store() -> None:
    bad = {}
    for path in _py_files("server"):
        rel = _rel(path)
        if rel.startswith(SQL_HOMES) or rel in SQL_ALLOWED:
            continue
        calls = sql_constructors(path.read_text(encoding="utf-8"))
        if calls:
            bad[rel] = calls
    assert bad == {}, f"SQL outside server/store/: {bad}"


@pytest.mark.parametrize(
    "source",
    [
        "from sqlalchemy import select\nq = select(t)",
        "import sqlalchemy as sa\nq = sa.select(t)",
        "from sqlalchemy.dialects import postgresql\nq = postgresql.insert(t)",
        "from sqlalchemy import text\nconn.execute(text('SELECT 1'))",
        "q = delete(t).where(x)",
    ],
)
def test_sql_check_sees_a_statement(source: str) -> None:
    assert sql_constructors(source) != []


def test_sql_check_passes_what_is_not_sql() -> None:
    assert (
        sql_constructors("import hashlib\nd = {}\nd.update(a=1)\nhashlib.sha256().update(b'')")
        == []
    )


def test_sql_check_fails_on_a_select_put_back_into_a_service() -> None:
    path = ROOT / "server/services/reports.py"
    source = path.read_text(encoding="utf-8")
    assert sql_constructors(source) == []
    assert sql_constructors(source + "\n\ndef _again(conn):\n    return select(units)\n") != []


def test_no_web_framework_below_the_api() -> None:
    """Services, exports and the store take and return plain values: no FastAPI, no Starlette."""
    bad = [
        (_rel(p), m)
        for folder in ("server/services", "server/exports", "server/store")
        for p, m in _imports(folder)
        if m.split(".")[0] in {"fastapi", "starlette", "fastapi_offline"}
    ]
    assert bad == []


# ---------------------------------------------------------------------------- module size
MAX_LINES = 400
# The line that says why a module is longer, within its first lines (its docstring or a comment).
LONG_REASON = re.compile(r"^\s*(#\s*)?Long module: \S", re.MULTILINE)
# Every package (issue 17: shared_schema/ and mobile/ had joined no check).
SIZE_CHECKED = ("server", "bench", "dkst", "shared_schema", "mobile")
SIZE_ALLOWED: frozenset[str] = frozenset()


def test_no_long_module_without_its_reason() -> None:
    bad = []
    for path in _py_files(*SIZE_CHECKED):
        text = path.read_text(encoding="utf-8")
        if _rel(path) in SIZE_ALLOWED or text.count("\n") <= MAX_LINES:
            continue
        if not LONG_REASON.search("\n".join(text.splitlines()[:40])):
            bad.append(f"{_rel(path)}: {text.count(chr(10))} lines")
    assert bad == [], f"over {MAX_LINES} lines with no 'Long module: <why>' at the top: {bad}"


# ---------------------------------------------------------------------------- edges behind the services
# (issue 17) Who may import what, beyond the directions above: a package prefix → the prefixes its
# modules may not import.
EDGES = {
    "server/web": ("server.api", "server.store"),  # pages call services, as the API does
    "server/exports": ("server.services",),  # services call exports, not the reverse
    "server/migrations/versions": ("server",),  # a revision is frozen: no live server code
    "mobile/ui": ("mobile.core.store",),  # screens call the device core's public API
}


def _source_imports(source: str) -> list[str]:
    tree = ast.parse(source)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def forbidden_imports(modules: list[str], forbidden: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == f or m.startswith(f + ".") for f in forbidden)]


@pytest.mark.parametrize(("folder", "forbidden"), sorted(EDGES.items()))
def test_edges_call_the_layer_below_only(folder: str, forbidden: tuple[str, ...]) -> None:
    bad = {
        _rel(p): found
        for p in _py_files(folder)
        if (found := forbidden_imports(_source_imports(p.read_text(encoding="utf-8")), forbidden))
    }
    assert bad == {}


@pytest.mark.parametrize(
    ("folder", "line"),
    [
        ("server/web", "from server.store import staff"),
        ("server/web", "from server.api.uploads import parse_sha256"),
        ("server/exports", "from server.services import plans"),
        ("server/migrations/versions", "from server.store import facts"),
        ("mobile/ui", "from mobile.core.store import db"),
    ],
)
def test_the_edge_check_sees_an_import_put_back(folder: str, line: str) -> None:
    source = _py_files(folder)[0].read_text(encoding="utf-8")
    assert forbidden_imports(_source_imports(source), EDGES[folder]) == []
    assert forbidden_imports(_source_imports(source + "\n" + line + "\n"), EDGES[folder]) != []


def _device_store_uses(source: str) -> list[int]:
    """Lines where a screen reaches into the device's store: ``<anything>.store``."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr == "store"
    ]


def test_screens_never_touch_the_device_store() -> None:
    bad = {
        _rel(p): lines
        for p in _py_files("mobile/ui")
        if (lines := _device_store_uses(p.read_text(encoding="utf-8")))
    }
    assert bad == {}


def test_the_store_check_sees_a_screen_reaching_in() -> None:
    assert _device_store_uses("app.device.store.delete_state('token')") != []
    assert _device_store_uses("app.device.log_out()") == []


# ---------------------------------------------------------------------------- no import circles
PACKAGES = ("shared_schema", "server", "mobile", "dkst")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(files: dict[str, str]) -> dict[str, set[str]]:
    """module → the first-party modules it imports anywhere (in a function, under TYPE_CHECKING
    too: a circle hidden in a function is a circle still). ``files``: module name → source."""
    graph: dict[str, set[str]] = {m: set() for m in files}

    def resolve(name: str) -> str | None:
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    for module, source in files.items():
        for node in ast.walk(ast.parse(source)):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{module}: a relative import (the project's are absolute)"
                base = node.module or ""
                targets = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in files else base for a in node.names
                ]
            for target in targets:
                found = resolve(target)
                if found is not None and found != module:
                    graph[module].add(found)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_circles() -> None:
    files = {
        _module_name(p): p.read_text(encoding="utf-8")
        for p in _py_files(*PACKAGES)
        if "migrations/versions" not in p.as_posix()
    }
    assert circles(import_graph(files)) == []


def test_the_circle_check_sees_a_circle_in_a_function() -> None:
    files = {
        "pkg.a": "from pkg import b\n",
        "pkg.b": "def f():\n    from pkg.a import x\n",
        "pkg.c": "import pkg.a\n",
    }
    assert circles(import_graph(files)) == [["pkg.a", "pkg.b"]]
    assert circles(import_graph({"pkg.a": "import pkg.b\n", "pkg.b": "x = 1\n"})) == []
