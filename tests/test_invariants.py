"""Project invariants (ARCHITECTURE.md, STYLE.md): import directions, docs naming every command
and endpoint."""

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
    from server.config import Settings

    app = create_app(Settings(data_dir=ROOT / ".pytest_cache" / "invariants-data"))
    paths = app.openapi()["paths"]
    missing = [p.removeprefix("/api/v1") for p in paths if p.removeprefix("/api/v1") not in README]
    assert missing == [], f"README does not list: {missing}"
