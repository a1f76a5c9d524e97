"""Fuzz every operation of the published OpenAPI schema against a real server (SQLite).

Schemathesis generates requests from ``GET /api/v1/openapi.json`` (inputs that fit the schema and
inputs that do not), sends them with a field officer's token, and checks that no input gets a 500 and
that every answer has a status, content type and body the schema documents (SYNC.md "Errors").

Runs in about 30 s. Random bodies almost never get past the shape checks of a push, so a second test sends pushes built
from the forms (real UUIDs, HLCs of the token's device, known field names, a few record ids reused so
that changes merge, conflict, repeat and delete) through the same schemathesis checks.

The PostgreSQL side of the same code paths is covered by the other server tests.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared_schema.entities import ENTITIES, SYSTEM_FIELDS
from shared_schema.forms import FieldDef, load_default_forms
from tests.support.server import DAK_WIL, EA_TLING, LiveServer, add_user, login, running_server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
PASSWORD = "mật khẩu đủ dài"
DEVICE = "fuzz-device"
OTHER_DEVICE = "fuzz-device-2"
MAX_EXAMPLES = 100
OPERATIONS = 20  # of SYNC.md v1 so far (issue 20: POST /forms, GET /forms/{id}/{v}/xlsx); the fuzz must not silently test fewer
COMPONENTS = "#/components/schemas/"


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with running_server(tmp_path_factory.mktemp("fuzz")) as srv:
        yield srv


@pytest.fixture(scope="module")
def headers_by_device(live: LiveServer) -> dict[str, dict[str, str]]:
    """Tokens of two officers of one commune (their changes to the same records conflict).

    Both log in before any fuzzing: the fuzz of ``/auth/token`` may use up the address's login limit.
    """
    out = {}
    for username, device in (("fuzz_officer", DEVICE), ("fuzz_officer_2", OTHER_DEVICE)):
        add_user(live, username, "field_officer", DAK_WIL, PASSWORD)
        with login(live, username, PASSWORD, device) as client:
            out[device] = {"Authorization": str(client.headers["Authorization"])}
    return out


def _published(live: LiveServer) -> dict[str, Any]:
    r = httpx.get(live.api + "/openapi.json", timeout=30)
    r.raise_for_status()
    doc: dict[str, Any] = r.json()
    return doc


def _dangling_refs(node: Any, components: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if (
            isinstance(ref, str)
            and ref.startswith(COMPONENTS)
            and ref[len(COMPONENTS) :] not in components
        ):
            found.add(ref)
        for value in node.values():
            found |= _dangling_refs(value, components)
    elif isinstance(node, list):
        for value in node:
            found |= _dangling_refs(value, components)
    return found


@pytest.mark.parametrize(
    ("path", "params"),
    [
        # str.isdigit() is true for "³" and "²", which int() refuses: found by this fuzz.
        ("/forms/dkst_model/³", None),
        ("/sync/pull", {"limit": "²"}),
        ("/sync/pull", {"cursor": "c1.³.AAAAAAAAAAAAAAAA"}),
    ],
)
def test_digit_like_characters_are_not_a_server_error(
    live: LiveServer,
    headers_by_device: dict[str, dict[str, str]],
    path: str,
    params: dict[str, str] | None,
) -> None:
    r = httpx.get(live.api + path, params=params, headers=headers_by_device[DEVICE], timeout=30)
    assert r.status_code in (400, 404, 422), (r.status_code, r.text[:200])
    assert "code" in r.json()["error"]


def test_openapi_refs_resolve(live: LiveServer) -> None:
    doc = _published(live)
    assert _dangling_refs(doc, doc.get("components", {}).get("schemas", {})) == set()


def _own_device(case: schemathesis.Case) -> schemathesis.Case:
    # A push for another device is a whole-request 400; mostly send the token's own device id.
    if (
        isinstance(case.body, dict)
        and isinstance(case.body.get("device_id"), str)
        and hash(case.body["device_id"]) % 4
    ):
        case.body["device_id"] = DEVICE
    return case


def _fuzz_operation(operation: APIOperation, mode: GenerationMode, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode).map(_own_device))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)

    run()


def _loaded_schema(live: LiveServer) -> Any:
    loaded = schemathesis.openapi.from_dict(_published(live))
    loaded.config.update(base_url=live.url)
    return loaded


def test_every_operation_conforms(
    live: LiveServer, headers_by_device: dict[str, dict[str, str]]
) -> None:
    failures: list[str] = []
    operations: list[str] = []
    for result in _loaded_schema(live).get_all_operations():
        if isinstance(result, Err):
            failures.append(f"schema error: {result.err()}")
            continue
        operation = result.ok()
        operations.append(operation.label)
        for mode in GenerationMode:
            try:
                _fuzz_operation(operation, mode, headers_by_device[DEVICE])
            except Unsatisfiable:
                pass  # nothing in this operation can be made invalid (e.g. no parameters at all)
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # fuzz every operation, then report all failures
                failures.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert len(operations) >= OPERATIONS, operations
    assert not failures, "\n\n".join(failures)


# ---------------------------------------------------------------------------- pushes built from the forms
_FORMS = load_default_forms().all()
_FIELD_NAMES = sorted({f.name for form in _FORMS for f in form.fields} | SYSTEM_FIELDS)
_CHOICES = sorted({c.value for form in _FORMS for f in form.fields for c in (f.choices or [])})
_CHANGE_IDS = [str(uuid.UUID(int=(1 << 100) + i)) for i in range(4)]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(_CHOICES),
    st.sampled_from(
        [DAK_WIL, EA_TLING, "1", "2024-02-30", "2024-05-01", "2024-05-01T10:00:00Z", "a\x00b"]
    ),
)
_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["lat", "lon", "accuracy", "altitude", "x"]), inner, max_size=4
        )
    ),
    max_leaves=8,
)


_FORM_OF = {f.entity: f for f in _FORMS}
# A small pool of record ids, each of one entity, so that changes to them merge, conflict and delete.
_POOL = [(str(uuid.UUID(int=i + 1)), ENTITIES[i % len(ENTITIES)]) for i in range(48)]
_text = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), min_size=1, max_size=30
)


def _valid_value(field: FieldDef) -> st.SearchStrategy[Any]:
    choices = [c.value for c in field.choices or []]
    by_type: dict[str, st.SearchStrategy[Any]] = {
        "text": st.text("0123456789abcdef", min_size=64, max_size=64)
        if field.name == "sha256"
        else _text,
        "integer": st.integers(min_value=0, max_value=10**6),
        "decimal": st.floats(min_value=0, max_value=100),
        "date": st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 1, 1)).map(str),
        "datetime": st.just("2024-05-01T10:00:00Z"),
        "select_one": st.sampled_from(choices or ["x"]),
        "select_multiple": st.lists(st.sampled_from(choices or ["x"]), unique=True, max_size=3),
        "geopoint": st.fixed_dictionaries(
            {
                "lat": st.floats(-90, 90),
                "lon": st.floats(-180, 180),
                "accuracy": st.none(),
                "altitude": st.none(),
            }
        ),
        "attachment": st.just({"sha256": "a" * 64, "media_type": "image/jpeg", "size": 10}),
        "unit": st.just(DAK_WIL),
        "reference": st.sampled_from([rid for rid, _ in _POOL]),
    }
    return by_type.get(field.type, _values)


@st.composite
def _fields(draw: st.DrawFn, entity: str, create: bool) -> dict[str, Any]:
    form = _FORM_OF[entity]
    out: dict[str, Any] = {}
    if create:
        out = {"form_id": form.form_id, "form_version": form.version}
        out |= {f.name: draw(_valid_value(f)) for f in form.fields if f.required}
    for f in draw(st.lists(st.sampled_from(form.fields), max_size=4)):
        out[f.name] = draw(_valid_value(f))
    if draw(st.integers(0, 3)) == 0:  # now and then one field gets any JSON at all
        out[draw(st.sampled_from([*_FIELD_NAMES, "no_such_field"]))] = draw(_values)
    return out


@st.composite
def _change(draw: st.DrawFn, device: str) -> dict[str, Any]:
    now = int(time.time() * 1000)
    ms = now + draw(st.sampled_from([0] * 8 + [-(10**9), 2 * 86_400_000]))
    op = draw(st.sampled_from(["upsert"] * 11 + ["delete"]))
    new = draw(st.integers(0, 2)) == 0
    record_id, entity = (
        (str(uuid.uuid4()), draw(st.sampled_from(ENTITIES)))
        if new
        else draw(st.sampled_from(_POOL))
    )
    # Fresh ids from uuid4, not st.uuids(): Hypothesis repeats its favourite values across examples.
    return {
        "change_id": str(uuid.uuid4())
        if draw(st.integers(0, 19))
        else draw(st.sampled_from(_CHANGE_IDS)),
        "entity": entity,
        "record_id": record_id,
        "op": op,
        "base_rev": draw(st.none() | st.integers(min_value=0, max_value=5)),
        "hlc": f"{ms:013d}-{draw(st.integers(0, 9999)):04d}-{device}",
        "fields": {}
        if op == "delete"
        else draw(_fields(entity, create=new or draw(st.booleans()))),
    }


def test_push_of_form_shaped_changes_conforms(
    live: LiveServer, headers_by_device: dict[str, dict[str, str]]
) -> None:
    push = _loaded_schema(live)["/api/v1/sync/push"]["POST"]
    devices = headers_by_device

    @st.composite
    def batches(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
        device = draw(st.sampled_from(sorted(devices)))
        return device, draw(st.lists(_change(device), min_size=1, max_size=6))

    @given(batch=batches(), resend=st.booleans())
    @settings(
        max_examples=300,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=True,
    )
    def run(batch: tuple[str, list[dict[str, Any]]], resend: bool) -> None:
        device, changes = batch
        for _ in range(2 if resend else 1):  # a re-sent batch: its applied changes are duplicates
            case = push.Case(
                body={"device_id": device, "changes": changes}, media_type="application/json"
            )
            response = case.call_and_validate(headers=devices[device], checks=CHECKS, timeout=30)
            assert response.status_code == 200, response.text
            assert len(response.json()["results"]) == len(changes)

    run()


def test_fuzz_server_is_alive(live: LiveServer) -> None:
    """After all the fuzzing the server still answers (no crashed worker, no stuck write lock)."""
    r = httpx.get(live.api + "/health", timeout=10)
    assert r.status_code == 200


# ---------------------------------------------------------------------------- strict: positive data, each role
# What the schema calls valid, the server accepts: a schema-valid request is never refused with
# 400/413/415/422 (schemathesis' positive_data_acceptance; 401/403/404/409 stay allowed: they are
# about who asks and what exists, not the request's shape). Each role has its own token.
ROLE_USERS = {
    "field_officer": DAK_WIL,
    "commune_staff": DAK_WIL,
    "district_staff": "662",
    "admin": "67",
}
# What a schema cannot describe, allowed for its operation only, by error: a cursor's signature;
# a date range whose ends are swapped; a chunk's numbers against each other, its body and the file
# limit (start <= end < total), its first bytes against its declared type, the whole file's SHA-256
# against the path.
CONTENT_CHECKED: dict[str, Any] = {
    "GET /api/v1/sync/pull": lambda e: e["code"] == "invalid_cursor",
    "GET /api/v1/exports/{name}": lambda e: (
        (e["details"] or {}).get("reason") == "from is after to"
    ),
    # A plan's dates against each other, and its unit's level (a commune issues no plan).
    "POST /api/v1/plans": lambda e: (
        (e["details"] or {}).get("field") in {"period.from", "deadline", "unit"}
    ),
    # An XLSForm's bytes (a schema says "binary"), and the unit to publish for (issue 20).
    "POST /api/v1/forms": lambda e: (
        e["code"]
        in {
            "invalid_request",
            "body_too_large",
            "file_too_large",
            "unsupported_media_type",
            "invalid_form",
        }
    ),
    "PUT /api/v1/attachments/{sha256}": lambda e: (
        e["code"]
        in {
            "invalid_request",
            "body_too_large",
            "file_too_large",
            "unsupported_media_type",
            "hash_mismatch",
        }
    ),
}


def _strict_operation(
    operation: APIOperation, headers: dict[str, str], device: str, allowed: Any
) -> None:
    @given(case=operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        if isinstance(case.body, dict) and "device_id" in case.body:
            case.body["device_id"] = device  # the token's device: not expressible in a schema
        response = case.call(headers=headers, timeout=30)
        ok = response.status_code < 300 or response.status_code in (401, 403, 404, 409, 429)
        if not ok and response.status_code in (400, 413, 415, 422):
            ok = allowed(response.json()["error"])
        shown = {k: v for k, v in (case.headers or {}).items() if k != "Authorization"}
        assert ok, (
            f"{case.method} {case.formatted_path} query={case.query} headers={shown} "
            f"body={str(case.body)[:200]} → {response.status_code} {response.text[:200]}"
        )

    run()


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_schema_valid_requests_are_accepted(live: LiveServer, role: str) -> None:
    username, device = f"strict_{role}", f"strict-{role}"
    add_user(live, username, role, ROLE_USERS[role], PASSWORD)
    with login(live, username, PASSWORD, device) as client:
        headers = {"Authorization": str(client.headers["Authorization"])}
    failures: list[str] = []
    operations = 0
    for result in _loaded_schema(live).get_all_operations():
        operation = result.ok()
        if operation.label == "POST /api/v1/auth/token":
            continue  # fuzzing logins would use up the address's login limit for the others
        operations += 1
        allowed = CONTENT_CHECKED.get(operation.label, lambda _e: False)
        try:
            _strict_operation(operation, headers, device, allowed)
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.label}: {exc}")
    assert operations >= OPERATIONS - 1
    assert not failures, "\n\n".join(failures)


# ---------------------------------------------------------------------------- concurrent, as a manager
def test_concurrent_fuzz_as_a_manager_leaves_the_server_answering(live: LiveServer) -> None:
    """Issue 16: schemathesis with several workers, /admin/ included, once left the server deaf.

    Cases of every operation (valid and invalid) are drawn first, then sent 16 at a time with a
    district staff token; health, a login and a push must still answer.
    """
    from concurrent.futures import ThreadPoolExecutor

    add_user(live, "fuzz_manager", "district_staff", "662", PASSWORD)
    with login(live, "fuzz_manager", PASSWORD, "fuzz-manager") as client:
        headers = {"Authorization": str(client.headers["Authorization"])}
    cases: list[schemathesis.Case] = []
    for result in _loaded_schema(live).get_all_operations():
        operation = result.ok()
        if operation.label == "POST /api/v1/auth/token":
            continue  # would use up the address's login limit for the checks below

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def draw(case: schemathesis.Case) -> None:
            cases.append(case)

        draw()
    # Revocations of every user and device the cases name cannot lock the manager out: the
    # manager is district staff, so a peer's or its own revocation is refused (issue 16).
    assert any("/admin/" in c.formatted_path for c in cases)

    def send(case: schemathesis.Case) -> int:
        try:
            return case.call(headers=headers, timeout=60).status_code
        except httpx.HTTPError:
            return 0

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(send, cases))
    assert 500 not in statuses and 0 not in statuses, statuses
    assert httpx.get(live.api + "/health", timeout=10).status_code == 200
    with login(live, "fuzz_manager", PASSWORD, "fuzz-manager-2") as after:
        r = after.post("/sync/push", json={"device_id": "fuzz-manager-2", "changes": []})
        assert r.status_code == 200, r.text


# ---------------------------------------------------------------------------- POST /forms
FORM_EXAMPLES = 15  # each workbook that passes the cheap checks costs a child process (~1.5 s)


@pytest.fixture(scope="module")
def admin_headers(live: LiveServer) -> dict[str, str]:
    add_user(live, "fuzz_admin", "admin", "67", PASSWORD)
    with login(live, "fuzz_admin", PASSWORD, "fuzz-admin") as client:
        return {"Authorization": str(client.headers["Authorization"])}


def test_publishing_forms_conforms_for_an_administrator(
    live: LiveServer, admin_headers: dict[str, str]
) -> None:
    """Schemathesis on POST /forms with a token that may publish (the run above is refused 403
    before the body is read)."""
    operation = _loaded_schema(live)["/api/v1/forms"]["POST"]
    for mode in GenerationMode:
        _fuzz_operation(operation, mode, admin_headers)


def _mutated(data: bytes, cuts: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for pos, value in cuts:
        out[pos % len(out)] = value
    return bytes(out)


def test_broken_workbooks_never_get_a_server_error(
    live: LiveServer, admin_headers: dict[str, str]
) -> None:
    """A real XLSForm with bytes changed anywhere (inside its zip's parts, its headers, its
    directory), cut short, or with junk after it: never a 5xx, always a documented error body."""
    from tests.support.xlsforms import contest_form

    valid = contest_form(version=900)
    bodies = st.one_of(
        st.lists(
            st.tuples(st.integers(0, len(valid) - 1), st.integers(0, 255)), min_size=1, max_size=8
        ).map(lambda cuts: _mutated(valid, cuts)),
        st.integers(0, len(valid) - 1).map(lambda n: valid[:n]),
        st.binary(max_size=200).map(lambda tail: valid + tail),
        st.binary(max_size=2000),
    )

    @given(body=bodies)
    @settings(
        max_examples=FORM_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(body: bytes) -> None:
        r = httpx.post(
            live.api + "/forms",
            params={"unit": "662", "dry_run": "true"},
            content=body,
            headers={**admin_headers, "Content-Type": "application/octet-stream"},
            timeout=30,
        )
        assert r.status_code < 500, (r.status_code, r.text[:300])
        if r.status_code >= 400:
            assert r.json()["error"]["code"]

    run()
