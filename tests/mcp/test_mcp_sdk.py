"""The official MCP Python SDK as an assistant's client of `vital-link mcp` over stdio.

Each tool is called on sandbox data and its numbers are compared with what the local Vital API
(read through the official Vital SDK) returns for the same range.
"""
import asyncio
import json
import os
import statistics
import time

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from vital.client import Vital

KEY = os.environ["VITAL_API_KEY"]
BASE = os.environ["VITAL_BASE_URL"]
BIN = os.environ["VITAL_LINK_BIN"]
# The sandbox's fixed clock (with-data.sh): the 30-day backfill ends here.
FROM, TO = "2026-10-25", "2026-11-19"
HALF = "2026-11-07"


def vital():
    return Vital(api_key=KEY, base_url=BASE)


def enrol(client, who):
    users = {u.client_user_id: u for u in client.user.get_all().users}
    if who in users:
        return users[who].user_id
    user = client.user.create(client_user_id=who)
    client.link.connect_demo_provider(user_id=user.user_id, provider="oura")
    for _ in range(240):
        h = client.introspect.get_user_historical_pulls(user_id=user.user_id)
        pulled = h.data[0].provider["oura"].pulled if h.data and "oura" in h.data[0].provider else {}
        if pulled and all(v.status == "success" for v in pulled.values()):
            break
        time.sleep(0.5)
    return user.user_id


@pytest.fixture(scope="module")
def people():
    c = vital()
    return {"a": enrol(c, "mcp-a"), "b": enrol(c, "mcp-b")}


def run(args, calls):
    """Starts `vital-link <args>` as an assistant would and runs `calls(session)` against it."""

    async def go():
        params = StdioServerParameters(command=BIN, args=args, env=dict(os.environ))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await calls(session)

    return asyncio.run(asyncio.wait_for(go(), 120))


async def call(session, tool, **arguments):
    r = await session.call_tool(tool, arguments)
    return r.structured_content, bool(r.is_error)


def test_tools_answer_what_the_api_serves(people):
    a = people["a"]
    client = vital()
    api_sleep = client.sleep.get(user_id=a, start_date=FROM, end_date=TO).sleep
    api_activity = client.activity.get(user_id=a, start_date=FROM, end_date=TO).activity
    api_workouts = client.workouts.get(user_id=a, start_date=FROM, end_date=TO).workouts
    api_hr = client.vitals.heartrate(user_id=a, start_date=FROM, end_date=TO)
    api_hr_day = client.vitals.heartrate(user_id=a, start_date=TO, end_date=TO)
    assert api_sleep and api_activity and api_hr, "the sandbox backfill produced data"

    async def calls(s):
        tools = {t.name for t in (await s.list_tools()).tools}
        out = {"tools": tools}
        for name, args in {
            "participants": ("list_participants", {}),
            "sleep": ("get_sleep", {"participant": "mcp-a", "from": FROM, "to": TO}),
            "activity": ("get_activity", {"participant": "mcp-a", "from": FROM, "to": TO}),
            "workouts": ("get_workouts", {"participant": "mcp-a", "from": FROM, "to": TO}),
            "body": ("get_body", {"participant": "mcp-a", "from": FROM, "to": TO}),
            "hr": ("get_timeseries", {"participant": "mcp-a", "metric": "heartrate", "from": FROM, "to": TO}),
            "hr_day": ("get_timeseries", {"participant": "mcp-a", "metric": "heartrate", "from": TO, "to": TO, "resolution": "raw", "max_points": 5000}),
            "coverage": ("get_coverage", {"participant": "mcp-a", "from": FROM, "to": TO}),
            "compare": ("compare", {"a": {"participant": "mcp-a", "from": FROM, "to": HALF}, "b": {"participant": "mcp-a", "from": "2026-11-08", "to": TO}}),
            "bob": ("get_sleep", {"participant": "mcp-b", "from": FROM, "to": TO}),
            "bad": ("get_timeseries", {"participant": "mcp-a", "metric": "pulse", "from": FROM}),
        }.items():
            out[name] = await call(s, args[0], **args[1])
        out["prompts"] = {p.name for p in (await s.list_prompts()).prompts}
        out["resources"] = {r.uri for r in (await s.list_resources()).resources}
        return out

    out = run(["mcp", "--participant", "mcp-a"], calls)
    assert out["tools"] == {"list_participants", "get_sleep", "get_activity", "get_workouts", "get_body", "get_timeseries", "get_coverage", "compare"}
    assert {"weekly_sleep_review", "training_load_this_month"} <= out["prompts"]
    assert f"vital-link://participants/{a}/profile" in {str(u) for u in out["resources"]}

    listed, err = out["participants"]
    assert not err and [p["user_id"] for p in listed["participants"]] == [a]

    sleep, err = out["sleep"]
    assert not err and sleep["count"] == len(api_sleep)
    assert sorted((d["id"], d["total"]) for d in sleep["sleep"]) == sorted((s.id, s.total) for s in api_sleep)
    activity, _ = out["activity"]
    assert sorted((d["calendar_date"], d["steps"]) for d in activity["activity"]) == sorted((str(x.calendar_date), x.steps) for x in api_activity)
    workouts, _ = out["workouts"]
    assert sorted(d["id"] for d in workouts["workouts"]) == sorted(w.id for w in api_workouts)
    assert not out["body"][1]

    hr, err = out["hr"]
    assert not err and hr["resolution"] != "raw" and hr["points"] <= hr["budget_points"], hr["resolution_reason"]
    points = [p for s in hr["series"] for p in s["points"]]
    assert sum(p["count"] for p in points) == len(api_hr)
    assert min(p["min"] for p in points) == round(min(x.value for x in api_hr), 2)
    assert max(p["max"] for p in points) == round(max(x.value for x in api_hr), 2)
    day, err = out["hr_day"]
    assert not err and day["resolution"] == "raw"
    assert [p["mean"] for p in day["series"][0]["points"]] == [round(x.value, 2) for x in api_hr_day]

    coverage, _ = out["coverage"]
    assert coverage["resources"]["sleep"]["days"] == len({str(s.calendar_date) for s in api_sleep})

    compare, err = out["compare"]
    assert not err
    first = [s.total / 3600 for s in api_sleep if str(s.calendar_date) <= HALF]
    second = [s.total / 3600 for s in api_sleep if str(s.calendar_date) > HALF]
    row = next(m for m in compare["metrics"] if m["metric"] == "sleep_hours")
    assert row["a"] == round(statistics.mean(first), 2) and row["b"] == round(statistics.mean(second), 2)

    bob, err = out["bob"]
    assert err and bob["error"] == "user_not_found", bob
    bad, err = out["bad"]
    assert err and "heartrate" in bad["message"]

    dump = json.dumps({k: v for k, v in out.items() if k not in ("tools", "prompts", "resources")})
    assert KEY not in dump and people["b"] not in dump


def test_raw_payloads_are_offered_only_with_allow_raw(people):
    async def calls(s):
        tools = {t.name for t in (await s.list_tools()).tools}
        raw = await call(s, "get_raw", participant="mcp-b", resource="sleep", **{"from": FROM, "to": TO})
        return tools, raw

    tools, (raw, err) = run(["mcp", "--allow-raw"], calls)
    assert "get_raw" in tools
    assert not err and raw["sleep"] and "data" in raw["sleep"][0]
