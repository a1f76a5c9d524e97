"""``bench/load.py`` at a small size, so CI runs its load and its verification (issue 11 "Load").

Ten devices of one commune sync at once against a real server process (SQLite): twenty records
and a photo each, four of them editing the same shared models, so conflicts happen. The run must
pass its own checks. Then each check is handed the run's data with one thing wrong — a change
the server lost, a value it changed, a conflict it did not report or did not keep, a file that
is not whole — and must object: a verification that cannot fail proves nothing.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from bench.load import Outcome, main, run
from bench.load_check import check_conflicts, check_files, check_records, expected_state


@pytest.fixture(scope="module")
def outcome() -> Outcome:
    return run(None, 1, devices=10, records=20, photos=1, batch=500)


def test_a_small_load_run_passes_its_checks(outcome: Outcome) -> None:
    assert outcome.problems == []
    assert outcome.stats.status_5xx == 0
    assert sum(len(s.conflicts) for s in outcome.sent) > 0, "no conflicts: nothing was checked"
    assert sum(len(c) for c in outcome.stored_conflicts.values()) > 0
    assert len(outcome.hashes) == 10 and len(outcome.stats.push) >= 10
    assert len(outcome.pulled) == len({s.change["record_id"] for s in outcome.sent})


def test_a_lost_change_is_caught(outcome: Outcome) -> None:
    last: dict[str, int] = {}
    for s in outcome.sent:
        last[s.change["record_id"]] = max(last.get(s.change["record_id"], 0), s.rev or 0)
    # An edit of a shared model that a later change followed: its loss leaves a gap in the revs.
    edit = next(
        s
        for s in outcome.sent
        if s.change["base_rev"] == 1 and s.rev != last[s.change["record_id"]]
    )
    sent = [s for s in outcome.sent if s is not edit]
    expected, problems = expected_state(sent)
    assert any("are not 1.." in p for p in problems)
    assert any("fields" in p or "rev" in p for p in check_records(expected, outcome.pulled))


def test_a_changed_value_on_the_server_is_caught(outcome: Outcome) -> None:
    expected, _ = expected_state(outcome.sent)
    pulled = copy.deepcopy(outcome.pulled)
    rid = next(iter(pulled))
    pulled[rid]["fields"]["name"] = "Giá trị khác"
    assert check_records(expected, pulled) == [f"record {rid}: fields ['name'] differ"]
    del pulled[rid]
    assert f"record {rid} missing on the server" in check_records(expected, pulled)


def test_an_unreported_conflict_is_caught(outcome: Outcome) -> None:
    sent = list(outcome.sent)
    i = next(i for i, s in enumerate(sent) if s.conflicts)
    sent[i] = replace(sent[i], conflicts=[], status="applied")
    _, problems = expected_state(sent)
    assert len(problems) == 1 and "the server said conflicts []" in problems[0]


def test_a_conflict_not_kept_for_review_is_caught(outcome: Outcome) -> None:
    expected, _ = expected_state(outcome.sent)
    stored = copy.deepcopy(outcome.stored_conflicts)
    rid = next(iter(stored))
    stored[rid] = stored[rid][1:]
    assert len(check_conflicts(expected, stored)) == 1


def test_a_broken_file_is_caught(outcome: Outcome) -> None:
    downloaded = dict(outcome.downloaded)
    sha = next(iter(downloaded))
    downloaded[sha] = "0" * 64
    assert len(check_files(outcome.hashes, downloaded)) == 1
    del downloaded[sha]
    assert len(check_files(outcome.hashes, downloaded)) == 1


def test_the_command_line_exits_nonzero_on_bad_sizes() -> None:
    with pytest.raises(SystemExit):
        main(["--records", "3", "--photos", "5"])
