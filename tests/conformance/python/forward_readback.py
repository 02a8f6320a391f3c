"""Reads back every reading of one user from a Vital-compatible server through the official
Vital Python SDK (PyPI `vital` 2.x, unchanged) and prints a canonical digest as JSON.

    python forward_readback.py BASE_URL API_KEY CLIENT_USER_ID START_DATE END_DATE

Used by tests/forward_e2e.rs to check that the server a Vital Link machine forwards to answers
with exactly the readings of the machine itself. Ids, creation times and logo URLs differ from
server to server and are left out; everything else (values, units, times, sources, stages) is in.
"""
import hashlib
import json
import sys

from vital import Vital


def plain(model):
    d = model.dict() if hasattr(model, "dict") else dict(model)
    return json.loads(json.dumps(d, default=str, sort_keys=True))


def main():
    base, key, cuid, start, end = sys.argv[1:6]
    c = Vital(api_key=key, base_url=base, timeout=120)
    user = c.user.get_by_client_user_id(cuid)
    uid = user.user_id
    out = {"counts": {}, "digests": {}}
    for name, get in (("sleep", c.sleep.get), ("activity", c.activity.get), ("workouts", c.workouts.get)):
        items = getattr(get(uid, start_date=start, end_date=end), name)
        docs = []
        for it in items:
            d = plain(it)
            assert d["user_id"] == uid, "documents belong to the user asked for"
            for k in ("id", "user_id", "created_at", "updated_at"):
                d.pop(k, None)
            if isinstance(d.get("source"), dict):
                d["source"].pop("logo", None)
            docs.append(json.dumps(d, sort_keys=True))
        docs.sort()
        out["counts"][name] = len(docs)
        out["digests"][name] = hashlib.sha256("\n".join(docs).encode()).hexdigest()
    profile = plain(c.profile.get(uid))
    for k in ("id", "user_id", "created_at", "updated_at"):
        profile.pop(k, None)
    profile.get("source", {}).pop("logo", None)
    out["digests"]["profile"] = hashlib.sha256(json.dumps(profile, sort_keys=True).encode()).hexdigest()
    for metric in ("heartrate", "hrv"):
        grouped = getattr(c.vitals, f"{metric}_grouped")
        rows, cursor = [], None
        while True:
            kw = {"start_date": start, "end_date": end}
            if cursor:
                kw["next_cursor"] = cursor
            page = grouped(uid, **kw)
            for provider, groups in page.groups.items():
                for g in groups:
                    for s in g.data:
                        rows.append(json.dumps([provider, str(s.timestamp), getattr(s, "end", None) and str(s.end),
                                                s.value, s.unit, s.type, s.timezone_offset], default=str))
            cursor = page.next_cursor
            if not cursor:
                break
        assert len(rows) == len(set(rows)), f"{metric}: a sample came back twice"
        rows.sort()
        out["counts"][metric] = len(rows)
        out["digests"][metric] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
