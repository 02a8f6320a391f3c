"""Runs the Python blocks of docs/vital-sdks.md, in order, as one program against a fresh sandbox
`vital-link serve` (unpinned clock, its own data directory), exactly as a reader would."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[4] / "docs" / "vital-sdks.md"
BIN = os.environ.get("VITAL_LINK_BIN", "")


def blocks(lang: str) -> list[str]:
    return re.findall(rf"^```{lang}\n(.*?)^```$", DOC.read_text(), flags=re.S | re.M)


@pytest.fixture
def fresh_server():
    if not (BIN and os.access(BIN, os.X_OK)):
        pytest.fail(f"VITAL_LINK_BIN={BIN!r} is not an executable (see tests/conformance/run.sh)")
    with tempfile.TemporaryDirectory() as data, socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("VITAL_")}
        env["VITAL_LINK_DATA_DIR"] = data
        server = subprocess.Popen([BIN, "serve", "--port", str(port)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            key = subprocess.run([BIN, "api-key"], env=env, capture_output=True, text=True, check=True).stdout.strip()
            yield {**env, "VITAL_API_KEY": key, "VITAL_BASE_URL": base}
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_every_python_block_of_the_doc_runs(fresh_server):
    code = blocks("python")
    assert len(code) >= 6, f"only {len(code)} python blocks in {DOC}"
    run = subprocess.run([sys.executable, "-c", "\n".join(code)], env=fresh_server,
                         capture_output=True, text=True, timeout=180)
    assert run.returncode == 0, f"the doc's Python failed:\n{run.stderr}"
    nights = re.search(r"^(\d+) nights, (\d+) days, (\d+) heart-rate samples$", run.stdout, re.M)
    assert nights and all(int(n) > 0 for n in nights.groups()), run.stdout
    assert "['oura']" in run.stdout, run.stdout
