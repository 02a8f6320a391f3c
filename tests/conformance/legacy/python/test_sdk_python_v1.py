"""Conformance of the local API with the seed-era Python SDK of Vital's Link guide (PyPI `vital` 1.4.11).

The 1.x SDK sends what the current one does not: `POST /v2/user/key`, `GET /v2/user/key/{id}`, an
empty `provider=` on every data call, and `str(datetime)` (`2026-11-14 00:00:00`, no offset) for
date-times. Each data call is made with date-times and with dates; both must answer the same data,
and that data must be what the sandbox's fake Oura served (its raw payloads).

Environment: VITAL_BASE_URL, VITAL_API_KEY (required); VITAL_LINK_SANDBOX_NOW, VITAL_CONFORMANCE_TIMEOUT.
The steps run in file order and share state; a step whose prerequisite failed is skipped, naming it.
"""
from __future__ import annotations

import datetime as dt
import os
import time
import uuid

import pytest
from vital import Client
from vital.errors import VitalError

BASE_URL = os.environ.get("VITAL_BASE_URL", "").rstrip("/")
API_KEY = os.environ.get("VITAL_API_KEY", "")
BACKFILL_TIMEOUT = float(os.environ.get("VITAL_CONFORMANCE_TIMEOUT", "180"))
PROVIDER = "oura"
RUN = uuid.uuid4().hex[:8]


def _today() -> dt.date:
    pinned = os.environ.get("VITAL_LINK_SANDBOX_NOW", "")
    if pinned:
        return dt.datetime.fromisoformat(pinned.replace("Z", "+00:00")).astimezone(dt.timezone.utc).date()
    return dt.datetime.now(dt.timezone.utc).date()


END = _today()
START = END - dt.timedelta(days=6)
# What a guide reader passes: naive datetimes, which the SDK sends as `str(datetime)`.
FROM = dt.datetime.combine(START, dt.time.min)
TO = dt.datetime.combine(END, dt.time(23, 59, 59))

S: dict = {}


def need(*keys: str) -> None:
    missing = [k for k in keys if k not in S]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} from an earlier step that failed")


def client() -> Client:
    # The one line that differs from Vital's guide: the local key and the local server.
    c = Client(api_key=API_KEY, environment="sandbox")
    c.base_url = BASE_URL
    return c


def both(fetch):
    """The answer with date-times and with dates, which must be the same."""
    by_time, by_day = fetch(FROM, TO), fetch(START, END)
    assert by_time == by_day, "date-times and dates answer different data"
    return by_time


@pytest.fixture(scope="session", autouse=True)
def server():
    missing = [n for n, v in (("VITAL_BASE_URL", BASE_URL), ("VITAL_API_KEY", API_KEY)) if not v]
    if missing:
        pytest.exit(f"conformance: set {', '.join(missing)} (see tests/conformance/run.sh)", returncode=2)
    yield
    if S.get("user_id") and not S.get("deleted"):
        try:
            client().User.delete(S["user_id"])
        except Exception:  # noqa: BLE001 - best-effort cleanup
            pass


def test_user_create_and_resolve():
    c = client()
    cid = f"conformance-py1-{RUN}"
    u = c.User.create(cid)
    assert u["client_user_id"] == cid and len(u["user_id"]) == 36, u
    S["user_id"], S["cid"] = u["user_id"], cid
    assert c.User.resolve(cid)["user_id"] == u["user_id"]
    assert c.User.get(u["user_id"])["client_user_id"] == cid
    assert u["user_id"] in [x["user_id"] for x in c.User.get_all()["users"]]


def test_profile_before_any_data_is_404():
    need("user_id")
    with pytest.raises(VitalError) as e:
        client().Profile.get(S["user_id"])
    assert e.value.code == 404, f"{e.value.code}: {e.value.message}"
    assert "profile" in e.value.message


def test_link_token_and_oauth_link():
    need("user_id")
    c = client()
    t = c.Link.create(S["user_id"], PROVIDER)
    assert t["link_token"] and t["link_web_url"].startswith(BASE_URL), t
    src = c.Link.oauth_provider(t["link_token"], PROVIDER)
    assert src["slug"] == PROVIDER and src["oauth_url"].startswith("http"), src


def test_demo_connect_then_backfill():
    need("user_id")
    c = client()
    r = c.Link.demo_provider(S["user_id"], PROVIDER)
    assert r["success"] is True, r
    deadline = time.monotonic() + BACKFILL_TIMEOUT
    while True:
        pulls = c.get("/introspect/historical_pull", params={"user_id": S["user_id"]})
        pulled = pulls["data"][0]["provider"].get(PROVIDER, {}).get("pulled", {})
        statuses = {res: p["status"] for res, p in pulled.items()}
        assert "failure" not in statuses.values(), statuses
        if pulled and all(s == "success" for s in statuses.values()):
            break
        assert time.monotonic() < deadline, f"backfill not done after {BACKFILL_TIMEOUT:.0f}s: {statuses}"
        time.sleep(1)
    S["backfilled"] = True


def test_providers():
    need("backfilled")
    providers = client().User.providers(S["user_id"])["providers"]
    assert [(p["slug"], p["status"]) for p in providers] == [(PROVIDER, "connected")]


def test_sleep_is_what_the_fake_served():
    need("backfilled")
    c, uid = client(), S["user_id"]
    sleep = both(lambda a, b: c.Sleep.get(uid, a, b)["sleep"])
    assert len(sleep) >= 6, f"{len(sleep)} nights in 7 days"
    raw = both(lambda a, b: c.Sleep.get_raw(uid, a, b)["sleep"])
    served = {r["provider_id"]: r["data"] for r in raw if r["provider_collection"] == "sleep"}
    for s in sleep:
        doc = served[s["provider_id"]]
        assert (s["total"], s["calendar_date"]) == (doc["total_sleep_duration"], doc["day"]), s["id"]
    stream = c.Sleep.get_stream(sleep[0]["id"])
    assert stream["hypnogram"], "the sleep has no hypnogram"


def test_activity_is_what_the_fake_served():
    need("backfilled")
    c, uid = client(), S["user_id"]
    activity = both(lambda a, b: c.Activity.get(uid, a, b)["activity"])
    assert activity, "no activity"
    raw = both(lambda a, b: c.Activity.get_raw(uid, a, b)["activity"])
    steps = {r["data"]["day"]: r["data"]["steps"] for r in raw if "steps" in r["data"]}
    for a in activity:
        assert a["steps"] == steps[a["calendar_date"]], a["calendar_date"]


def test_workouts_and_body():
    need("backfilled")
    c, uid = client(), S["user_id"]
    workouts = both(lambda a, b: c.Workouts.get(uid, a, b)["workouts"])
    for w in workouts:
        assert START.isoformat() <= w["calendar_date"] <= END.isoformat()
    body = both(lambda a, b: c.Body.get(uid, a, b)["body"])
    assert all(b["user_id"] == uid for b in body)


def test_heartrate():
    need("backfilled")
    c, uid = client(), S["user_id"]
    hr = both(lambda a, b: c.Vitals.heartrate(uid, a, b))
    assert hr, "no heart rate"
    assert all(20 <= x["value"] <= 250 and x["unit"] == "bpm" for x in hr)
    # A narrower window by date-time holds exactly the samples inside it.
    noon = dt.datetime.combine(END - dt.timedelta(days=1), dt.time(12))
    window = c.Vitals.heartrate(uid, noon, noon + dt.timedelta(hours=1))
    stamps = [dt.datetime.fromisoformat(x["timestamp"].replace("Z", "+00:00")) for x in window]
    utc = noon.replace(tzinfo=dt.timezone.utc)
    assert stamps and all(utc <= t <= utc + dt.timedelta(hours=1) for t in stamps)


def test_profile_after_backfill():
    need("backfilled")
    p = client().Profile.get(S["user_id"])
    assert p["user_id"] == S["user_id"] and p["height"] > 100, p


def test_deregister_and_delete():
    need("user_id")
    c, uid = client(), S["user_id"]
    if "backfilled" in S:
        assert c.User.deregister_provider(uid, PROVIDER)["success"] is True
        assert c.User.providers(uid)["providers"] == []
    assert c.User.delete(uid)["success"] is True
    S["deleted"] = True
    with pytest.raises(VitalError) as e:
        c.User.get(uid)
    assert e.value.code == 404
