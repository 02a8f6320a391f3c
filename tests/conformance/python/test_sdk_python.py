"""Conformance of the local Vital-compatible API with the official Python SDK (PyPI `vital` 2.x).

Drives every route the way an app developer would, through `vital.Vital` and its typed models: a
test passes only if the SDK parsed the response into its own model, and the values add up.

Environment:
  VITAL_BASE_URL   e.g. http://127.0.0.1:8750 (required)
  VITAL_API_KEY    the team API key the server accepts (required)
  VITAL_LINK_BIN   path to the `vital-link` binary (required: `sandbox-browser` approves the consent page)
  VITAL_LINK_SANDBOX_NOW   optional RFC 3339 "now" the server is pinned to; the data window ends on its day
  VITAL_CONFORMANCE_TIMEOUT  optional seconds to wait for a backfill (default 180)

The steps run in file order and share state; a step whose prerequisite failed is skipped, naming it.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import time
import uuid
import warnings
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

warnings.filterwarnings("ignore", message="Valid config keys have changed in V2")

from vital import BadRequestError, UnprocessableEntityError, Vital  # noqa: E402
from vital.core.api_error import ApiError  # noqa: E402
from vital.types import (  # noqa: E402
    ClientActivityResponse,
    ClientBodyResponse,
    ClientFacingProfile,
    ClientFacingProviderDetailed,
    ClientFacingProviderWithStatus,
    ClientFacingSleepStream,
    ClientFacingStream,
    ClientFacingUser,
    ClientFacingUserKey,
    ClientSleepResponse,
    ClientWorkoutResponse,
    DemoConnectionStatus,
    LinkTokenExchangeResponse,
    PaginatedUsersResponse,
    RawActivity,
    RawBody,
    RawProfile,
    RawSleep,
    RawWorkout,
    Source,
    SourceLink,
    UserHistoricalPullsResponse,
    UserRefreshSuccessResponse,
    UserResourcesResponse,
    UserSuccessResponse,
)

BASE_URL = os.environ.get("VITAL_BASE_URL", "").rstrip("/")
API_KEY = os.environ.get("VITAL_API_KEY", "")
LINK_BIN = os.environ.get("VITAL_LINK_BIN", "")
BACKFILL_TIMEOUT = float(os.environ.get("VITAL_CONFORMANCE_TIMEOUT", "180"))
PROVIDER = "oura"
REDIRECT_URL = "http://127.0.0.1:9/conformance/callback"
RUN = uuid.uuid4().hex[:8]
UNKNOWN_USER = "00000000-0000-4000-8000-000000000000"


def _today() -> dt.date:
    pinned = os.environ.get("VITAL_LINK_SANDBOX_NOW", "")
    if pinned:
        return dt.datetime.fromisoformat(pinned.replace("Z", "+00:00")).astimezone(dt.timezone.utc).date()
    return dt.datetime.now(dt.timezone.utc).date()


DAYS = 7
END = _today()
START = END - dt.timedelta(days=DAYS - 1)
RANGE_FROM = dt.datetime.combine(START, dt.time.min, tzinfo=dt.timezone.utc)
RANGE_TO = dt.datetime.combine(END, dt.time.max, tzinfo=dt.timezone.utc)

# Shared state of the scenario: user handles, tokens, ids.
S: dict = {}


def need(*keys: str) -> None:
    missing = [k for k in keys if k not in S]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} from an earlier step that failed")


def client(api_key: str | None = None) -> Vital:
    return Vital(api_key=api_key or API_KEY, base_url=BASE_URL, timeout=60)


def aware(t: dt.datetime, what: str) -> dt.datetime:
    assert isinstance(t, dt.datetime), f"{what} is not a date-time: {t!r}"
    assert t.tzinfo is not None, f"{what}={t.isoformat()} has no UTC offset (node SDK would read it as local time)"
    return t


def in_range(t: dt.datetime, what: str) -> None:
    aware(t, what)
    assert RANGE_FROM <= t <= RANGE_TO, f"{what}={t.isoformat()} outside the requested {START}..{END}"


def day_in_range(d: str, what: str) -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", d), f"{what}={d!r} is not YYYY-MM-DD"
    assert START <= dt.date.fromisoformat(d) <= END, f"{what}={d} outside the requested {START}..{END}"


def api_status(exc: BaseException) -> int | None:
    return getattr(exc, "status_code", None)


def expect_status(fn, statuses: set[int], what: str) -> ApiError:
    try:
        fn()
    except ApiError as e:
        assert e.status_code in statuses, f"{what}: expected HTTP {sorted(statuses)}, got {e.status_code}: {e.body}"
        return e
    pytest.fail(f"{what}: expected HTTP {sorted(statuses)}, but the call succeeded")


@pytest.fixture(scope="session", autouse=True)
def server():
    """Fails the run at once, with one clear line, when the configuration or the server is missing."""
    missing = [n for n, v in (("VITAL_BASE_URL", BASE_URL), ("VITAL_API_KEY", API_KEY), ("VITAL_LINK_BIN", LINK_BIN)) if not v]
    if missing:
        pytest.exit(f"conformance: set {', '.join(missing)} (see tests/conformance/run.sh)", returncode=2)
    if not (os.path.isfile(LINK_BIN) and os.access(LINK_BIN, os.X_OK)):
        pytest.exit(f"conformance: VITAL_LINK_BIN={LINK_BIN!r} is not an executable file", returncode=2)
    try:
        httpx.get(BASE_URL + "/v2/providers", headers={"x-vital-api-key": API_KEY}, timeout=5)
    except httpx.HTTPError as e:
        pytest.exit(f"conformance: no Vital-compatible server at VITAL_BASE_URL={BASE_URL} ({type(e).__name__}: {e})", returncode=2)
    yield
    # Leave nothing behind even when a step failed half-way.
    c = client()
    for key in ("A", "B", "C"):
        uid = S.get(key)
        if uid and not S.get(f"deleted_{key}"):
            try:
                c.user.delete(uid)
            except Exception:  # noqa: BLE001 - best-effort cleanup
                pass


# ---------------------------------------------------------------- providers, users


def test_providers_get_all():
    providers = client().providers.get_all()
    assert all(isinstance(p, ClientFacingProviderDetailed) for p in providers)
    oura = [p for p in providers if p.slug == PROVIDER]
    assert len(oura) == 1, f"/v2/providers lists {[p.slug for p in providers]}, no single {PROVIDER}"
    assert oura[0].name and oura[0].description
    if oura[0].supported_resources is not None:
        assert "sleep" in [str(getattr(r, "value", r)) for r in oura[0].supported_resources]


def test_create_users():
    c = client()
    for key in ("A", "B", "C"):
        cid = f"conformance-py-{RUN}-{key.lower()}"
        u = c.user.create(client_user_id=cid)
        assert isinstance(u, ClientFacingUserKey)
        assert u.client_user_id == cid
        assert re.fullmatch(r"[0-9a-fA-F-]{36}", u.user_id), f"user_id {u.user_id!r} is not a uuid"
        S[key], S[f"cid_{key}"] = u.user_id, cid
    assert len({S["A"], S["B"], S["C"]}) == 3


def test_duplicate_user_is_400_naming_the_existing_user():
    need("A")
    with pytest.raises(BadRequestError) as e:
        client().user.create(client_user_id=S["cid_A"])
    assert e.value.status_code == 400
    body = e.value.body
    assert isinstance(body, dict) and isinstance(body.get("detail"), dict), f"400 body is not {{detail: {{…}}}}: {body!r}"
    assert body["detail"].get("user_id") == S["A"], f"detail does not name the existing user_id {S['A']}: {body}"


def test_get_and_resolve_user():
    need("A")
    c = client()
    u = c.user.get(S["A"])
    assert isinstance(u, ClientFacingUser)
    assert (u.user_id, u.client_user_id) == (S["A"], S["cid_A"])
    assert u.team_id
    created = aware(u.created_on, "created_on")
    assert abs(dt.datetime.now(dt.timezone.utc) - created) < dt.timedelta(days=1), f"created_on {created} is not now"
    assert u.connected_sources == []
    r = c.user.get_by_client_user_id(S["cid_A"])
    assert isinstance(r, ClientFacingUser) and r.user_id == S["A"]


def test_patch_user():
    need("A")
    c = client()
    assert c.user.patch(S["A"], fallback_time_zone="Europe/London") is None
    u = c.user.get(S["A"])
    assert u.fallback_time_zone is not None, "PATCH fallback_time_zone was not stored"
    assert u.fallback_time_zone.id == "Europe/London"
    aware(u.fallback_time_zone.updated_at, "fallback_time_zone.updated_at")


def test_list_users_paged():
    need("A", "B", "C")
    c = client()
    seen: list[str] = []
    offset, total = 0, None
    for _ in range(1000):
        page = c.user.get_all(offset=offset, limit=2)
        assert isinstance(page, PaginatedUsersResponse)
        assert (page.offset, page.limit) == (offset, 2)
        assert len(page.users) <= 2
        total = page.total
        seen += [u.user_id for u in page.users]
        offset += 2
        if offset >= page.total:
            break
    assert len(seen) == len(set(seen)), "a user appeared on two pages"
    assert len(seen) == total, f"paging collected {len(seen)} users, total says {total}"
    assert {S["A"], S["B"], S["C"]} <= set(seen)


# ---------------------------------------------------------------- link


def test_link_token():
    need("B")
    t = client().link.token(user_id=S["B"], redirect_url=REDIRECT_URL, filter_on_providers=[PROVIDER])
    assert isinstance(t, LinkTokenExchangeResponse)
    assert t.link_token
    u = urlparse(t.link_web_url)
    assert u.scheme in ("http", "https") and u.netloc, f"link_web_url {t.link_web_url!r} is not an absolute URL"
    assert t.link_token in parse_qs(u.query).get("token", []), "link_web_url does not carry the token"
    S["tokB"] = t.link_token


def test_is_token_valid():
    need("tokB")
    c = client()
    v = c.link.is_token_valid(token=S["tokB"])
    assert isinstance(v, dict) and v.get("valid") is True, f"isValid for a fresh token: {v}"
    try:
        bad = c.link.is_token_valid(token="vlt_not_a_real_token")
    except ApiError as e:
        assert 400 <= e.status_code < 500, f"isValid on a bogus token: HTTP {e.status_code}"
    else:
        assert bad.get("valid") is False, f"isValid on a bogus token: {bad}"


def test_token_state_before_connect():
    need("tokB")
    st = client().link.token_state(vital_link_token=S["tokB"])
    assert isinstance(st, dict) and isinstance(st.get("state"), str), f"/v2/link/state: {st}"
    assert st["state"] not in ("success", "error"), f"fresh token already settled: {st}"
    if "user_id" in st:
        assert st["user_id"] == S["B"]


def test_link_providers_for_token():
    need("tokB")
    ps = client().link.get_all_providers(vital_link_token=S["tokB"])
    assert all(isinstance(p, SourceLink) for p in ps)
    assert [p.slug for p in ps] == [PROVIDER], f"filter_on_providers=[{PROVIDER}] but offered {[p.slug for p in ps]}"
    assert ps[0].name and ps[0].description and ps[0].logo and isinstance(ps[0].id, int)


def test_connect_demo_user_a():
    need("A")
    r = client().link.connect_demo_provider(user_id=S["A"], provider=PROVIDER)
    assert isinstance(r, DemoConnectionStatus)
    assert r.success is True, f"demo connection failed: {r.detail}"
    S["connected_A"] = True


def test_start_connect():
    need("C")
    c = client()
    tok = c.link.token(user_id=S["C"], filter_on_providers=[PROVIDER]).link_token
    r = c.link.start_connect(link_token=tok, provider=PROVIDER)
    assert isinstance(r, dict), f"/v2/link/start: {r!r}"
    if "provider" in r:
        assert r["provider"] == PROVIDER
    if r.get("oauth_url"):
        assert urlparse(r["oauth_url"]).scheme in ("http", "https")
    st = c.link.token_state(vital_link_token=tok)
    assert st.get("state") not in (None, "created"), f"state after /v2/link/start: {st}"


def test_oauth_connect_user_b():
    need("B", "tokB")
    c = client()
    src = c.link.generate_oauth_link(PROVIDER, vital_link_token=S["tokB"])
    assert isinstance(src, Source)
    assert src.slug == PROVIDER and src.name and isinstance(src.id, int)
    assert src.oauth_url, "generate_oauth_link returned no oauth_url"
    p = subprocess.run([LINK_BIN, "sandbox-browser", src.oauth_url], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"sandbox-browser exited {p.returncode}: {p.stderr.strip()}"
    deadline = time.monotonic() + 60
    st: dict = {}
    while time.monotonic() < deadline:
        st = c.link.token_state(vital_link_token=S["tokB"])
        if st.get("state") in ("success", "error", "exited"):
            break
        time.sleep(0.5)
    assert st.get("state") == "success", f"link state never reached success: {st}"
    if st.get("provider") is not None:
        assert st["provider"] == PROVIDER
    consumed = None
    try:
        consumed = c.link.is_token_valid(token=S["tokB"])
    except ApiError as e:
        assert 400 <= e.status_code < 500
    if consumed is not None:
        assert consumed.get("valid") is False, f"a consumed token is still valid: {consumed}"
    S["connected_B"] = True


@pytest.mark.parametrize("who", ["A", "B"])
def test_connected_providers(who):
    need(f"connected_{who}")
    c = client()
    resp = c.user.get_connected_providers(S[who])
    assert isinstance(resp, dict) and set(resp) == {"providers"}, f"expected {{providers: [...]}}, got keys {list(resp)}"
    ps = resp["providers"]
    assert all(isinstance(p, ClientFacingProviderWithStatus) for p in ps)
    assert [p.slug for p in ps] == [PROVIDER]
    p = ps[0]
    assert p.status == "connected" and p.name and p.logo
    aware(p.created_on, "created_on")
    assert p.error_details is None
    u = c.user.get(S[who])
    assert [s.provider.slug for s in u.connected_sources] == [PROVIDER]


@pytest.mark.parametrize("who", ["A", "B"])
def test_refresh_then_backfill_done(who):
    need(f"connected_{who}")
    c = client()
    uid = S[who]
    r = c.user.refresh(uid)
    assert isinstance(r, UserRefreshSuccessResponse)
    assert r.success is True and r.user_id == uid
    assert r.failed_sources == [], f"refresh failed for {r.failed_sources}"
    assert any(s.split("/")[0] == PROVIDER for s in r.refreshed_sources + r.in_progress_sources), (
        f"refresh names no {PROVIDER} source: {r}")
    deadline = time.monotonic() + BACKFILL_TIMEOUT
    statuses: dict = {}
    while True:
        h = c.introspect.get_user_historical_pulls(user_id=uid)
        assert isinstance(h, UserHistoricalPullsResponse)
        mine = [d for d in h.data if d.user_id == uid]
        assert len(mine) == 1, f"historical_pull has {len(mine)} entries for the user"
        assert PROVIDER in mine[0].provider, f"historical_pull providers: {list(mine[0].provider)}"
        pulled = mine[0].provider[PROVIDER].pulled
        statuses = {res: str(s.status.value) for res, s in pulled.items()}
        assert "failure" not in statuses.values(), f"backfill failed: {statuses}"
        if pulled and all(v == "success" for v in statuses.values()):
            break
        assert time.monotonic() < deadline, f"backfill not done after {BACKFILL_TIMEOUT:.0f}s: {statuses}"
        time.sleep(1)
    assert "sleep" in statuses and "heartrate" in statuses, f"backfill did not cover sleep and heartrate: {statuses}"
    for res, s in pulled.items():
        aware(s.timeline.scheduled_at, f"{res}.timeline.scheduled_at")
        assert s.release
    res = c.introspect.get_user_resources(user_id=uid)
    assert isinstance(res, UserResourcesResponse)
    mine = [d for d in res.data if d.user_id == uid]
    assert len(mine) == 1 and PROVIDER in mine[0].provider, f"resources: {res.data}"
    stats = mine[0].provider[PROVIDER]
    assert "sleep" in stats, f"introspect/resources lists {list(stats)} for {PROVIDER}"
    for name, st in stats.items():
        if st.oldest_data and st.newest_data:
            assert aware(st.oldest_data, "oldest_data") <= aware(st.newest_data, "newest_data"), name
        if st.last_attempt:
            aware(st.last_attempt.timestamp, f"{name}.last_attempt.timestamp")
    S[f"backfilled_{who}"] = True


# ---------------------------------------------------------------- data


@pytest.mark.parametrize("who", ["A", "B"])
def test_sleep_summaries(who):
    need(f"backfilled_{who}")
    r = client().sleep.get(S[who], start_date=str(START), end_date=str(END))
    assert isinstance(r, ClientSleepResponse)
    assert r.sleep, f"no sleep in {START}..{END}"
    assert len({s.id for s in r.sleep}) == len(r.sleep), "duplicate sleep ids"
    for s in r.sleep:
        assert s.user_id == S[who]
        day_in_range(s.calendar_date, "calendar_date")
        start, stop = aware(s.bedtime_start, "bedtime_start"), aware(s.bedtime_stop, "bedtime_stop")
        assert start < stop
        assert s.total == s.light + s.rem + s.deep, f"sleep {s.id}: total {s.total} != light+rem+deep"
        assert abs(s.duration - (stop - start).total_seconds()) <= 60, f"sleep {s.id}: duration != stop-start"
        assert min(s.light, s.rem, s.deep, s.awake) >= 0 and s.total <= s.duration
        assert s.source.provider == PROVIDER
        assert str(s.type.value) in ("long_sleep", "short_sleep", "acknowledged_nap", "unknown")
        if s.score is not None:
            assert 1 <= s.score <= 100
        aware(s.created_at, "created_at"), aware(s.updated_at, "updated_at")
    nights = {s.calendar_date for s in r.sleep}
    assert len(nights) >= DAYS - 1, f"only {len(nights)} nights in {DAYS} days: {sorted(nights)}"
    S[f"sleep_{who}"] = r.sleep


@pytest.mark.parametrize("who", ["A", "B"])
def test_activity_summaries(who):
    need(f"backfilled_{who}")
    r = client().activity.get(S[who], start_date=str(START), end_date=str(END))
    assert isinstance(r, ClientActivityResponse)
    for a in r.activity:
        assert a.user_id == S[who] and a.source.provider == PROVIDER
        day_in_range(a.calendar_date, "calendar_date")
        if a.steps is not None:
            assert 0 <= a.steps < 200_000
        if a.calories_total is not None and a.calories_active is not None:
            assert a.calories_total >= a.calories_active >= 0
    days = {a.calendar_date for a in r.activity}
    assert len(days) == len(r.activity), "two activity summaries for one day"
    assert len(days) >= DAYS - 1, f"only {len(days)} activity days in {DAYS}: {sorted(days)}"
    S[f"activity_{who}"] = r.activity


@pytest.mark.parametrize("who", ["A", "B"])
def test_workouts_and_stream(who):
    need(f"backfilled_{who}")
    c = client()
    r = c.workouts.get(S[who], start_date=str(START), end_date=str(END))
    assert isinstance(r, ClientWorkoutResponse)
    for w in r.workouts:
        assert w.user_id == S[who] and w.source.provider == PROVIDER and w.provider_id
        day_in_range(w.calendar_date, "calendar_date")
        assert aware(w.time_start, "time_start") < aware(w.time_end, "time_end")
        if w.sport is not None:
            assert w.sport.slug
    S[f"workouts_{who}"] = r.workouts
    month = c.workouts.get(S[who], start_date=str(END - dt.timedelta(days=29)), end_date=str(END))
    assert month.workouts, "no workout in 30 days of sandbox data"
    stream = c.workouts.get_by_workout_id(month.workouts[-1].id)
    assert isinstance(stream, ClientFacingStream)
    if stream.time and stream.heartrate:
        assert len(stream.time) == len(stream.heartrate)


@pytest.mark.parametrize("who", ["A", "B"])
def test_body_and_profile(who):
    need(f"backfilled_{who}")
    c = client()
    b = c.body.get(S[who], start_date=str(START), end_date=str(END))
    assert isinstance(b, ClientBodyResponse)
    for x in b.body:
        assert x.user_id == S[who]
        day_in_range(x.calendar_date, "calendar_date")
    braw = c.body.get_raw(S[who], start_date=str(START), end_date=str(END))
    assert isinstance(braw, RawBody)
    assert all(x.user_id == S[who] for x in braw.body)
    try:
        p = c.profile.get(S[who])
    except ApiError as e:
        assert e.status_code == 404, f"profile: HTTP {e.status_code} {e.body}"
    else:
        assert isinstance(p, ClientFacingProfile) and p.user_id == S[who] and p.source.provider == PROVIDER
    try:
        praw = c.profile.get_raw(S[who])
    except ApiError as e:
        assert e.status_code == 404, f"profile/raw: HTTP {e.status_code} {e.body}"
    else:
        assert isinstance(praw, RawProfile) and praw.profile.user_id == S[who]


def _collect_grouped(fn, uid, **kw):
    """Follows next_cursor to the end; returns (samples, pages)."""
    out, cursor, pages = [], None, 0
    while True:
        page = fn(uid, start_date=str(START), end_date=str(END), next_cursor=cursor, **kw)
        pages += 1
        assert set(page.groups) <= {PROVIDER}, f"groups for unexpected providers: {list(page.groups)}"
        for prov, groups in page.groups.items():
            for g in groups:
                assert g.source.provider == prov
                out += g.data
        cursor = page.next_cursor
        if cursor is None:
            return out, pages
        assert pages < 1000, "grouped paging does not end"


def _key(s):
    return (s.timestamp.astimezone(dt.timezone.utc).isoformat(), float(s.value))


@pytest.mark.parametrize("who", ["A", "B"])
def test_heartrate_flat_and_grouped(who):
    need(f"backfilled_{who}")
    c = client()
    flat = c.vitals.heartrate(S[who], start_date=str(START), end_date=str(END))
    assert flat, f"no heart rate in {START}..{END}"
    for s in flat:
        assert s.unit == "bpm", f"heartrate unit {s.unit!r}"
        in_range(s.timestamp, "heartrate timestamp")
        assert 20 <= s.value <= 250
    grouped, pages = _collect_grouped(c.vitals.heartrate_grouped, S[who])
    assert len(grouped) == len(flat), f"grouped has {len(grouped)} samples over {pages} pages, flat {len(flat)}"
    assert sorted(map(_key, grouped)) == sorted(map(_key, flat)), "grouped and flat heart rate differ"
    ts = [s.timestamp for s in flat]
    assert len(set(ts)) == len(ts), "duplicate heart rate timestamps"
    days = {t.astimezone(dt.timezone.utc).date() for t in ts}
    assert len(days) >= DAYS - 1, f"heart rate on only {len(days)} of {DAYS} days"


TIMESERIES = {
    # name: (allowed units, interval sample?, must have data from the Oura sandbox?)
    "hrv": ({"rmssd", "ms"}, False, True),
    "steps": ({"count"}, True, False),
    "calories_active": ({"kcal"}, True, False),
    "calories_basal": ({"kcal"}, False, False),
    "glucose": ({"mmol/L", "mg/dL"}, False, False),
    "blood_oxygen": ({"%"}, False, False),
    "respiratory_rate": ({"bpm", "breaths/min", "count/min"}, False, False),
}


@pytest.mark.parametrize("who", ["A", "B"])
@pytest.mark.parametrize("name", list(TIMESERIES))
def test_other_timeseries(who, name):
    need(f"backfilled_{who}")
    units, interval, required = TIMESERIES[name]
    c = client()
    flat = getattr(c.vitals, name)(S[who], start_date=str(START), end_date=str(END))
    grouped, _ = _collect_grouped(getattr(c.vitals, f"{name}_grouped"), S[who])
    if required:
        assert flat, f"no {name} samples in {START}..{END}"
    assert len(grouped) == len(flat), f"{name}: grouped {len(grouped)} vs flat {len(flat)}"
    assert sorted(map(_key, grouped)) == sorted(map(_key, flat))
    for s in flat:
        assert s.unit in units, f"{name} unit {s.unit!r} not in {units}"
        in_range(s.timestamp, f"{name} timestamp")
        if interval:
            assert aware(s.start, "start") <= aware(s.end, "end")


@pytest.mark.parametrize("who", ["A", "B"])
def test_raw_variants(who):
    need(f"sleep_{who}", f"activity_{who}", f"workouts_{who}")
    c = client()
    rs = c.sleep.get_raw(S[who], start_date=str(START), end_date=str(END))
    assert isinstance(rs, RawSleep)
    # One summary may be built from several provider records (Oura: `sleep` + `daily_sleep`), never from none.
    assert len(rs.sleep) >= len(S[f"sleep_{who}"]), f"{len(rs.sleep)} raw sleeps vs {len(S[f'sleep_{who}'])} summaries"
    for x in rs.sleep:
        assert x.user_id == S[who] and x.source.slug == PROVIDER and x.provider_id
        assert isinstance(x.data, dict) and x.data, "raw sleep has no provider payload"
        aware(x.timestamp, "timestamp")
    # Oura's own day field: the raw payloads are the provider's records for the same days.
    assert {x.data.get("day") for x in rs.sleep} == {s.calendar_date for s in S[f"sleep_{who}"]}
    ra = c.activity.get_raw(S[who], start_date=str(START), end_date=str(END))
    assert isinstance(ra, RawActivity)
    assert all(x.user_id == S[who] and x.data for x in ra.activity)
    assert {x.data.get("day") for x in ra.activity} == {a.calendar_date for a in S[f"activity_{who}"]}
    rw = c.workouts.get_raw(S[who], start_date=str(START), end_date=str(END))
    assert isinstance(rw, RawWorkout)
    assert all(x.user_id == S[who] and x.data and x.sport.slug for x in rw.workouts)
    assert sorted(x.provider_id for x in rw.workouts) == sorted(w.provider_id for w in S[f"workouts_{who}"])


@pytest.mark.parametrize("who", ["A", "B"])
def test_sleep_stream(who):
    need(f"sleep_{who}")
    night = max(S[f"sleep_{who}"], key=lambda s: s.duration)
    st = client().sleep.get_stream_by_sleep_id(night.id)
    assert isinstance(st, ClientFacingSleepStream)
    series = {k: getattr(st, k) or [] for k in ("heartrate", "hrv", "hypnogram", "respiratory_rate")}
    assert any(series.values()), f"empty stream for sleep {night.id}"
    slack = dt.timedelta(minutes=10)
    for k, samples in series.items():
        for s in samples:
            assert night.bedtime_start - slack <= aware(s.timestamp, f"{k} timestamp") <= night.bedtime_stop + slack, (
                f"{k} sample at {s.timestamp} outside the sleep {night.bedtime_start}..{night.bedtime_stop}")
    for s in series["hypnogram"]:
        assert s.value in (-1, 1, 2, 3, 4)
    for s in series["heartrate"]:
        assert s.unit == "bpm"


# ---------------------------------------------------------------- errors


def test_unknown_user_is_404():
    c = client()
    expect_status(lambda: c.user.get(UNKNOWN_USER), {404}, "GET /v2/user/{unknown}")
    expect_status(lambda: c.user.get_by_client_user_id(f"nobody-{RUN}"), {404}, "resolve unknown client_user_id")
    expect_status(lambda: c.user.get_connected_providers(UNKNOWN_USER), {404}, "providers of unknown user")
    expect_status(lambda: c.sleep.get(UNKNOWN_USER, start_date=str(START)), {404}, "sleep of unknown user")
    expect_status(lambda: c.vitals.heartrate_grouped(UNKNOWN_USER, start_date=str(START)), {404}, "heartrate of unknown user")
    e = expect_status(lambda: c.link.token(user_id=UNKNOWN_USER), {404, 400}, "link token for unknown user")
    assert isinstance(e.body, dict) and "detail" in e.body


def test_bad_dates_are_rejected():
    need("A")
    c = client()
    for bad in ("not-a-date", "2024-13-45"):
        try:
            c.sleep.get(S["A"], start_date=bad)
        except UnprocessableEntityError as e:
            assert e.status_code == 422 and e.body.detail, f"422 without detail for start_date={bad}"
        except ApiError as e:
            assert e.status_code == 400, f"start_date={bad}: HTTP {e.status_code}"
            assert isinstance(e.body, dict) and e.body.get("detail")
        else:
            pytest.fail(f"start_date={bad!r} was accepted")
    e = expect_status(lambda: c.vitals.heartrate(S["A"], start_date=str(END), end_date=str(START)), {400, 422},
                      "start_date after end_date")
    assert getattr(e.body, "detail", None) or (isinstance(e.body, dict) and e.body.get("detail"))


def test_wrong_api_key_is_401():
    need("A")
    bad = client(api_key=f"sk_wrong_{RUN}")
    e = expect_status(lambda: bad.user.get_all(), {401}, "wrong API key")
    assert isinstance(e.body, dict) and "detail" in e.body, f"401 body: {e.body!r}"
    expect_status(lambda: bad.sleep.get(S["A"], start_date=str(START)), {401}, "wrong API key on data")
    expect_status(lambda: bad.link.token(user_id=S["A"]), {401}, "wrong API key on link token")


# ---------------------------------------------------------------- teardown flow


@pytest.mark.parametrize("who", ["A", "B"])
def test_deregister_provider(who):
    need(f"connected_{who}")
    c = client()
    r = c.user.deregister_provider(S[who], PROVIDER)
    assert isinstance(r, UserSuccessResponse) and r.success is True
    assert c.user.get_connected_providers(S[who]) == {"providers": []}
    assert c.user.get(S[who]).connected_sources == []


def test_delete_users():
    need("A", "B", "C")
    c = client()
    for key in ("A", "B", "C"):
        r = c.user.delete(S[key])
        assert isinstance(r, UserSuccessResponse) and r.success is True
        S[f"deleted_{key}"] = True
        expect_status(lambda: c.user.get(S[key]), {404}, f"GET deleted user {key}")
        expect_status(lambda: c.user.get_by_client_user_id(S[f"cid_{key}"]), {404}, f"resolve deleted user {key}")
