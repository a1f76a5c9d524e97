"""The contract lives in the repository (issue 17): docs/SYNC.md holds the shared SYNC.md word for
word, then this implementation's notes; the README points there, never outside the repository."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = ROOT / "docs" / "SYNC.md"
SHARED = ROOT.parent / "shared" / "design" / "SYNC.md"
NOTES = "# Where this server decides what the contract leaves open"


def test_the_contract_is_in_the_repository() -> None:
    text = OURS.read_text(encoding="utf-8")
    contract, _, notes = text.partition("\n---\n\n" + NOTES)
    assert notes, "docs/SYNC.md lost its notes section"
    assert contract.startswith("# The sync contract (HTTP API v1)")
    for section in ("## Errors", "## Push: `POST /sync/push`", "## Units and the 2025 reform"):
        assert section in contract
    if SHARED.exists():  # where new requirements arrive: the copy must be in step with it
        assert contract.rstrip() == SHARED.read_text(encoding="utf-8").rstrip()


def test_the_readme_links_the_contract_inside_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "](docs/SYNC.md)" in readme
    assert "../shared" not in readme
