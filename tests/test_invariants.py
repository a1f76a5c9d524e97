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
# shared_schema/ and mobile/ join this check when their halves of issue 8 land.
SIZE_CHECKED = ("server", "bench", "dkst")
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
