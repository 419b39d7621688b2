"""The container's own commands, run here as the image runs them (no Docker engine on this machine):
the ENTRYPOINT's shell line with the image's environment, and the HEALTHCHECK command."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from conftest import REPO_ROOT, free_port, wait_for_port

DOCKERFILE = (REPO_ROOT / "Dockerfile").read_text()
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def instruction(name: str) -> list[str]:
    match = re.search(rf"^{name} (?:.*?CMD )?(\[.*\])\s*$", DOCKERFILE.replace("\\\n", " "), re.M)
    assert match, f"no exec-form {name} in the Dockerfile"
    return list(json.loads(match.group(1)))


def test_entrypoint_serves_behind_its_allowed_host_and_healthcheck_sees_it(tmp_path: Path) -> None:
    entrypoint = instruction("ENTRYPOINT")
    # tini is PID 1 in the image (it reaps orphaned handler processes); it is not installed here
    assert entrypoint[:4] == ["tini", "--", "sh", "-c"]
    script = entrypoint[4].replace("/workspace", str(tmp_path))
    port = free_port()
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "MCP_ALLOWED_HOSTS": "mcp.example.com", "MCP_FLAGS": "", "MCP_PORT": str(port)}
    # "$@" after the image's flags, as `docker run IMAGE --log-level INFO` would add them
    proc = subprocess.Popen(["sh", "-c", script, "--", "--log-level", "INFO"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        url = f"http://127.0.0.1:{port}/mcp"
        ok = httpx.post(url, json=INIT, headers={**HEADERS, "Host": "mcp.example.com"}, timeout=10)
        assert ok.status_code == 200, ok.text
        foreign = httpx.post(url, json=INIT, headers={**HEADERS, "Host": "attacker.example.net"}, timeout=10)
        assert foreign.status_code == 421
        health = [sys.executable if part == "python" else part for part in instruction("HEALTHCHECK")]
        assert subprocess.run(health, capture_output=True, timeout=60, env=env).returncode == 0
        proc.send_signal(signal.SIGTERM)  # `docker stop`
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
