"""The hybrid logical clock of SYNC.md: ``<13-digit ms>-<4-digit counter>-<device_id>``."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shared_schema.hlc import HLC, MAX_COUNTER, MAX_MS, Clock, HLCError, format_hlc, parse_hlc

device_ids = st.text(alphabet=st.sampled_from("abcXYZ0189_.:-"), min_size=1, max_size=64)
hlcs = st.builds(
    HLC,
    ms=st.integers(min_value=0, max_value=MAX_MS),
    counter=st.integers(min_value=0, max_value=MAX_COUNTER),
    device_id=device_ids,
)
json_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=5,
)


class FakeWall:
    """A wall clock the test steps by hand."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


# ---------------------------------------------------------------------------- format / parse
def test_format_fixed_widths() -> None:
    assert format_hlc(HLC(1_700_000_000_000, 7, "dev-1")) == "1700000000000-0007-dev-1"
    assert format_hlc(HLC(5, 0, "a")) == "0000000000005-0000-a"
    assert str(HLC(5, 12, "a")) == "0000000000005-0012-a"


@pytest.mark.parametrize(
    "device_id",
    ["dev-1", "a-b-c", "phone:42", "a:b-c:d", "-", ":", "--::--", "x" * 64, "0000000000001-0001-x"],
)
def test_device_ids_with_separators(device_id: str) -> None:
    text = f"1700000000000-0001-{device_id}"
    parsed = parse_hlc(text)
    assert parsed == HLC(1_700_000_000_000, 1, device_id)
    assert format_hlc(parsed) == text


@settings(max_examples=500)
@given(hlcs)
def test_round_trip(hlc: HLC) -> None:
    text = format_hlc(hlc)
    assert len(text) == 13 + 1 + 4 + 1 + len(hlc.device_id)
    assert parse_hlc(text) == hlc
    assert format_hlc(parse_hlc(text)) == text


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "1700000000000-0001",
        "1700000000000-0001-",
        "170000000000-0001-dev",  # 12 digits
        "17000000000000-0001-dev",  # 14 digits
        "1700000000000-001-dev",
        "1700000000000-00001-dev",
        "1700000000000_0001_dev",
        "1700000000000-0001-dev ",
        " 1700000000000-0001-dev",
        "1700000000000-0001-dev\n",
        "1700000000000-0001-dév",
        "1700000000000-0001-dev/1",
        "1700000000000-0001-" + "x" * 65,
        "-700000000000-0001-dev",
        "+700000000000-0001-dev",
        "١٧٠٠٠٠٠٠٠٠٠٠٠-0001-dev",  # Arabic-Indic digits: int() takes them, byte order does not
        "1700000000000-٠٠٠١-dev",
        "１７００００００００００００-0001-dev",  # fullwidth digits
        None,
        1700000000000,
        b"1700000000000-0001-dev",
        ["1700000000000-0001-dev"],
        {"hlc": "1700000000000-0001-dev"},
    ],
)
def test_bad_hlc(bad: object) -> None:
    with pytest.raises(HLCError):
        parse_hlc(bad)


@settings(max_examples=500)
@given(st.one_of(st.text(), json_like, st.from_type(object)))
@example("1700000000000-0001-dev\x00")
@example("\ud800")
def test_parse_raises_only_hlc_error(value: object) -> None:
    try:
        parsed = parse_hlc(value)
    except HLCError:
        return
    # whatever parses is canonical: formatting it gives the input back
    assert isinstance(value, str)
    assert format_hlc(parsed) == value
    assert value.isascii()


def test_hlc_error_is_value_error() -> None:
    assert issubclass(HLCError, ValueError)


# ---------------------------------------------------------------------------- order
@settings(max_examples=500)
@given(hlcs, hlcs)
def test_string_order_is_tuple_order(a: HLC, b: HLC) -> None:
    sa, sb = format_hlc(a), format_hlc(b)
    key = (a.ms, a.counter, a.device_id) < (b.ms, b.counter, b.device_id)
    assert (sa < sb) == key == (a < b)
    assert (sa.encode() < sb.encode()) == key  # byte order, as SYNC.md says
    assert (sa == sb) == (a == b)


@settings(max_examples=300)
@given(st.lists(hlcs, min_size=2, max_size=20))
def test_sorting_strings_sorts_clocks(values: list[HLC]) -> None:
    assert [parse_hlc(s) for s in sorted(map(format_hlc, values))] == sorted(values)


# ---------------------------------------------------------------------------- Clock
def test_now_follows_wall_clock() -> None:
    wall = FakeWall(1_000)
    clock = Clock("dev-1", wall=wall)
    assert clock.now() == HLC(1_000, 0, "dev-1")
    wall.ms = 2_000
    assert clock.now() == HLC(2_000, 0, "dev-1")
    assert clock.now() == HLC(2_000, 1, "dev-1")  # same ms: the counter moves


def test_now_monotonic_when_wall_steps_back() -> None:
    wall = FakeWall(5_000)
    clock = Clock("dev-1", wall=wall)
    first = clock.now()
    wall.ms = 1_000  # NTP correction, or a user setting the phone's date back
    second = clock.now()
    third = clock.now()
    assert first < second < third
    assert second == HLC(5_000, 1, "dev-1")
    wall.ms = 6_000
    assert clock.now() == HLC(6_000, 0, "dev-1")


@settings(max_examples=300)
@given(st.lists(st.integers(min_value=0, max_value=10**12), min_size=1, max_size=50))
def test_now_strictly_increasing_whatever_the_wall(walls: list[int]) -> None:
    wall = FakeWall(0)
    clock = Clock("d", wall=wall)
    issued = []
    for ms in walls:
        wall.ms = ms
        issued.append(format_hlc(clock.now()))
    assert issued == sorted(issued)
    assert len(set(issued)) == len(issued)
    assert all(parse_hlc(s).ms >= ms for s, ms in zip(issued, walls, strict=True))


def test_counter_overflow_carries_into_ms() -> None:
    wall = FakeWall(1_000)
    clock = Clock("dev", wall=wall, last=HLC(1_000, MAX_COUNTER - 1, "dev"))
    assert clock.now() == HLC(1_000, 9999, "dev")
    after = clock.now()
    assert after == HLC(1_001, 0, "dev")
    assert format_hlc(after) == "0000000001001-0000-dev"
    assert clock.now() == HLC(1_001, 1, "dev")


def test_ten_thousand_in_one_ms_stay_ordered() -> None:
    clock = Clock("dev", wall=FakeWall(1_000))
    issued = [format_hlc(clock.now()) for _ in range(20_001)]
    assert issued == sorted(issued)
    assert len(set(issued)) == len(issued)
    assert all(len(s) == len(issued[0]) for s in issued)
    assert parse_hlc(issued[-1]).ms == 1_002


def test_clock_resumes_from_last() -> None:
    clock = Clock("dev", wall=FakeWall(10), last="0000000001000-0005-dev")
    assert clock.last == HLC(1_000, 5, "dev")
    assert clock.now() == HLC(1_000, 6, "dev")


@pytest.mark.parametrize("device_id", ["", "dé", "a b", "x" * 65, "a/b"])
def test_clock_refuses_bad_device_id(device_id: str) -> None:
    with pytest.raises(HLCError):
        Clock(device_id)


def test_receive_remote_ahead() -> None:
    clock = Clock("me", wall=FakeWall(1_000))
    clock.now()
    got = clock.receive("0000000005000-0003-other")
    assert got == HLC(5_000, 4, "me")
    assert clock.now() == HLC(5_000, 5, "me")  # the wall is still behind


def test_receive_remote_behind() -> None:
    clock = Clock("me", wall=FakeWall(9_000))
    clock.now()
    got = clock.receive(HLC(1_000, 50, "other"))
    assert got == HLC(9_000, 1, "me")


def test_receive_remote_same_ms() -> None:
    clock = Clock("me", wall=FakeWall(1_000), last=HLC(3_000, 2, "me"))
    assert clock.receive(HLC(3_000, 7, "other")) == HLC(3_000, 8, "me")
    assert clock.receive(HLC(3_000, 1, "other")) == HLC(3_000, 9, "me")


def test_receive_wall_ahead_of_both() -> None:
    clock = Clock("me", wall=FakeWall(50_000), last=HLC(3_000, 2, "me"))
    assert clock.receive(HLC(4_000, 7, "other")) == HLC(50_000, 0, "me")


def test_receive_counter_overflow_carries() -> None:
    clock = Clock("me", wall=FakeWall(0))
    assert clock.receive(HLC(2_000, MAX_COUNTER, "other")) == HLC(2_001, 0, "me")


def test_receive_refuses_bad_string() -> None:
    with pytest.raises(HLCError):
        Clock("me").receive("yesterday")


Step = tuple[str, int, HLC | None]
steps = st.lists(
    st.tuples(
        st.sampled_from(["now", "receive"]),
        st.integers(min_value=0, max_value=10**6),
        st.none() | st.builds(HLC, st.integers(0, 10**6), st.integers(0, MAX_COUNTER), device_ids),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=300)
@given(steps)
def test_clock_never_goes_back_and_passes_what_it_saw(script: list[Step]) -> None:
    wall = FakeWall(0)
    clock = Clock("me", wall=wall)
    previous: HLC | None = None
    for kind, ms, remote in script:
        wall.ms = ms
        if kind == "receive" and remote is not None:
            got = clock.receive(remote)
            assert (got.ms, got.counter) > (remote.ms, remote.counter)
        else:
            got = clock.now()
        assert got.device_id == "me"
        assert got.ms >= ms
        if previous is not None:
            assert (got.ms, got.counter) > (previous.ms, previous.counter)
        assert clock.last == got
        previous = got


def test_many_clocks_never_collide() -> None:
    a, b = Clock("a", wall=FakeWall(7)), Clock("b", wall=FakeWall(7))
    stamps = [format_hlc(c.now()) for c in itertools.islice(itertools.cycle([a, b]), 100)]
    assert len(set(stamps)) == 100
