"""Exports read back with real readers: Parquet with pyarrow, CSV with the csv module. Row counts
must equal what the local API serves for the same participant and range, and no secret may
appear in any exported file.
"""
from __future__ import annotations

import csv
import json
import os
import pathlib
import subprocess
import tempfile
import uuid

import pyarrow.parquet as pq
from vital import Vital

BASE = os.environ["VITAL_BASE_URL"]
KEY = os.environ["VITAL_API_KEY"]
BIN = os.environ["VITAL_LINK_BIN"]
NOW = os.environ.get("VITAL_LINK_SANDBOX_NOW", "")[:10]


def test_parquet_and_csv_exports_match_the_api():
    client = Vital(api_key=KEY, base_url=BASE)
    user = client.user.create(client_user_id=f"export-{uuid.uuid4().hex[:8]}")
    try:
        client.link.connect_demo_provider(user_id=user.user_id, provider="oura")
        # The demo connection's backfill runs in the server; wait for it through introspection.
        import time
        for _ in range(120):
            h = client.introspect.get_user_historical_pulls(user_id=user.user_id)
            pulled = h.data[0].provider["oura"].pulled if h.data and "oura" in h.data[0].provider else {}
            if pulled and all(v.status == "success" for v in pulled.values()):
                break
            time.sleep(0.5)
        end = NOW or None
        sleep = client.sleep.get(user_id=user.user_id, start_date="2000-01-01", end_date=end).sleep
        hr = client.vitals.heartrate(user_id=user.user_id, start_date="2000-01-01", end_date=end)
        with tempfile.TemporaryDirectory() as out:
            for fmt in ["parquet", "csv"]:
                d = pathlib.Path(out) / fmt
                args = [BIN, "export", "--format", fmt, "--out", str(d), "--participant", user.client_user_id, "--from", "2000-01-01"]
                if end:
                    args += ["--to", end]
                subprocess.run(args, check=True, capture_output=True)
                if fmt == "parquet":
                    t = pq.read_table(d / "sleep.parquet")
                    assert t.num_rows == len(sleep)
                    assert set(t.column("participant_id").to_pylist()) == {user.client_user_id}
                    assert str(t.schema.field("bedtime_start").type).startswith("timestamp[ms")
                    h = pq.read_table(d / "heartrate.parquet")
                    assert h.num_rows == len(hr)
                    assert h.column("value").to_pylist()[:5] == [s.value for s in hr[:5]]
                else:
                    with open(d / "sleep.csv") as f:
                        rows = list(csv.DictReader(f))
                    assert len(rows) == len(sleep)
                    assert sorted(r["id"] for r in rows) == sorted(s.id for s in sleep)
                    with open(d / "data_dictionary.csv") as f:
                        dd = list(csv.DictReader(f))
                    assert any(r["file"] == "sleep" and r["column"] == "deep" and r["unit"] == "s" for r in dd)
                manifest = json.loads((d / "manifest.json").read_text())
                assert manifest["participants"] == [user.client_user_id]
                # No secret in any exported file: not the API key, not a token-like value.
                for p in d.rglob("*"):
                    if p.is_file():
                        data = p.read_bytes()
                        assert KEY.encode() not in data, p
                        assert b"sandbox-oura-secret" not in data, p
    finally:
        client.user.delete(user.user_id)
