"""The server commands of `dkst`, run as a person would: the real console entry point."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.server import dkst, server_env, start_server, stop_server


def test_units_users_devices_and_revocation_from_the_cli(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = server_env(data, None)
    d = ["--data-dir", str(data)]
    out = dkst("units", "import", "--source", "legacy", "--under", "662", *d, env=env)
    assert "imported 10 units" in out.stdout
    bad = dkst(
        "units", "import", "--source", "legacy", "--under", "99999", *d, env=env, check=False
    )
    assert bad.returncode == 2 and "99999" in bad.stderr and "Traceback" not in bad.stderr

    # The password comes from stdin, never from an argument.
    added = dkst(
        "users",
        "add",
        "lan",
        "--role",
        "field_officer",
        "--unit",
        "24643",
        *d,
        env=env,
        input="mật khẩu của Lan\n",
    )
    assert "added lan" in added.stdout
    for args, needle in (
        (["users", "add", "lan", "--role", "field_officer", "--unit", "24643"], "exists"),
        (["users", "add", "x", "--role", "emperor", "--unit", "24643"], "role"),
        (["users", "add", "y", "--role", "field_officer", "--unit", "00000"], "unknown unit"),
        (["users", "add", "z", "--role", "field_officer", "--unit", "24643"], "8 characters"),
    ):
        r = dkst(
            *args,
            *d,
            env=env,
            input="short\n" if args[2] == "z" else "long enough pw\n",
            check=False,
        )
        assert r.returncode == 2 and needle in r.stderr, (args, r.stderr)
    assert "lan" in dkst("users", "list", *d, env=env).stdout

    srv = start_server(data, None, env)
    try:
        tok = httpx.post(
            srv.api + "/auth/token",
            data={"username": "lan", "password": "mật khẩu của Lan", "device_id": "phone-lan"},
        )
        assert tok.status_code == 200
        auth = {"Authorization": "Bearer " + tok.json()["access_token"]}
        assert httpx.get(srv.api + "/units", headers=auth).status_code == 200
        assert "phone-lan" in dkst("devices", "list", *d, env=env).stdout

        assert "revoked phone-lan" in dkst("devices", "revoke", "phone-lan", *d, env=env).stdout
        assert httpx.get(srv.api + "/units", headers=auth).status_code == 401
        again = httpx.post(
            srv.api + "/auth/token",
            data={"username": "lan", "password": "mật khẩu của Lan", "device_id": "phone-2"},
        )
        assert again.status_code == 200
        auth2 = {"Authorization": "Bearer " + again.json()["access_token"]}
        assert "revoked lan" in dkst("users", "revoke", "lan", *d, env=env).stdout
        assert httpx.get(srv.api + "/units", headers=auth2).status_code == 401
        assert dkst("users", "revoke", "nobody", *d, env=env, check=False).returncode == 2
    finally:
        stop_server(srv)


def test_demo_loads_the_new_map_with_province_staff_and_records(tmp_path: Path) -> None:
    """Issue 19: the demo is Tỉnh Lâm Đồng on the current tree; ``tinh`` is its province staff
    and is shown so; the records sit on Xã Đắk Wil, Xã Cư Jút and Xã Nam Dong."""
    data = tmp_path / "data"
    env = server_env(data, None)
    out = dkst("demo", "--data-dir", str(data), env=env).stdout
    assert "Xã Đắk Wil 24646" in out and "Huyện" not in out
    passwords, titles = {}, {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 4 and parts[1] in (
            "field_officer",
            "commune_staff",
            "district_staff",
            "admin",
        ):
            passwords[parts[0]] = parts[3]
            titles[parts[0]] = " ".join(parts[4:])
    assert set(passwords) == {
        "tinh",
        "admin.lamdong",
        "mttq.dakwil",
        "canbo.dakwil",
        "mttq.cujut",
        "canbo.namdong",
    }
    assert titles["tinh"] == "Cán bộ MTTQ tỉnh · Tỉnh Lâm Đồng"
    assert titles["mttq.cujut"] == "Cán bộ MTTQ xã · Xã Cư Jút"
    assert "17 new"  # 10 of form set v1, 7 of v2 (server/services/demo_v2.py) in out
    second = dkst("demo", "--data-dir", str(data), env=env).stdout
    assert "0 new, 17 already there" in second and "password unchanged" in second
    listed = dkst("users", "list", "--data-dir", str(data), env=env).stdout
    row = next(line for line in listed.splitlines() if line.startswith("tinh "))
    assert row.split()[1] == "district_staff" and row.endswith("Cán bộ MTTQ tỉnh")

    srv = start_server(data, None, env)
    try:
        tok = httpx.post(
            srv.api + "/auth/token",
            data={"username": "tinh", "password": passwords["tinh"], "device_id": "laptop-tinh"},
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {tok}"}
        body = httpx.get(srv.api + "/sync/pull", headers=auth).json()
        names = {r["fields"].get("name") for r in body["records"]}
        assert "Sản xuất phân vi sinh phục vụ chăm bón cho cây trồng trong nhà lưới" in names
        assert {r["fields"]["unit"] for r in body["records"]} == {"24646", "24640", "24649"}
        assert {r["entity"] for r in body["records"]} == {
            "residential_area",
            "model",
            "visit",
            "initiative",
            "activity",
            "evidence",  # v2: an initiative's dossier
        }
        units = httpx.get(srv.api + "/units", headers=auth).json()
        assert {u["tree"] for u in units} == {"current"}
        assert {u["code"]: u["name"] for u in units}["24646"] == "Xã Đắk Wil"
    finally:
        stop_server(srv)


def test_a_lost_password_is_set_again_from_the_cli(tmp_path: Path) -> None:
    """Issue 18: ``dkst users set-password``; the user's tokens end with the old password."""
    data = tmp_path / "data"
    env = server_env(data, None)
    d = ["--data-dir", str(data)]
    dkst("units", "import", "--source", "legacy", "--under", "662", *d, env=env)
    dkst("users", "add", "lan", "--role", "field_officer", "--unit", "24643", *d, env=env,
         input="mật khẩu cũ của Lan\n")  # fmt: skip
    again = dkst("users", "add", "lan", "--role", "field_officer", "--unit", "24643", *d,
                 env=env, input="whatever long\n", check=False)  # fmt: skip
    assert again.returncode == 2 and "dkst users set-password lan" in again.stderr
    srv = start_server(data, None, env)
    try:
        login = {"username": "lan", "device_id": "phone-lan"}
        tok = httpx.post(srv.api + "/auth/token", data={**login, "password": "mật khẩu cũ của Lan"})
        auth = {"Authorization": "Bearer " + tok.json()["access_token"]}
        out = dkst("users", "set-password", "lan", *d, env=env, input="mật khẩu mới của Lan\n")
        assert "new password set for lan" in out.stdout
        assert httpx.get(srv.api + "/units", headers=auth).status_code == 401
        old = httpx.post(srv.api + "/auth/token", data={**login, "password": "mật khẩu cũ của Lan"})
        assert old.status_code == 401
        new = httpx.post(
            srv.api + "/auth/token", data={**login, "password": "mật khẩu mới của Lan"}
        )
        assert new.status_code == 200
    finally:
        stop_server(srv)
    for args, needle in (
        (["users", "set-password", "nobody"], "no user 'nobody'"),
        (["users", "set-password", "lan"], "8 characters"),
    ):
        r = dkst(*args, *d, env=env, input="short\n" if args[-1] == "lan" else "long enough pw\n",
                 check=False)  # fmt: skip
        assert r.returncode == 2 and needle in r.stderr, r.stderr
