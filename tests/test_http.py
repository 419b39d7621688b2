"""Streamable HTTP mode as the container runs it: allowed hosts, health check, graceful shutdown."""

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import mcp
import pytest

from lambda_durable_mcp import healthcheck

SCRIPT = Path(sys.executable).with_name("lambda-durable-mcp")
INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "test", "version": "1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def http_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = free_port()
    root = tmp_path_factory.mktemp("ws")
    proc = subprocess.Popen(
        [str(SCRIPT), "--transport", "streamable-http", "--port", str(port), "--workspace-root", str(root),
         "--allowed-hosts", "mcp.example.com"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died") from None
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}/mcp", proc
    if proc.poll() is None:
        proc.kill()
        proc.wait()


async def test_client_lists_tools_over_http(http_server: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = http_server
    async with mcp.Client(url) as client:
        assert client.server_info.name == "lambda-durable-mcp"
        await client.list_tools()


@pytest.mark.parametrize(
    ("host", "origin", "accepted"),
    [
        ("mcp.example.com", None, True),
        ("mcp.example.com:8000", None, True),
        ("evil.example.net", None, False),
        ("mcp.example.com", "http://evil.example.net", False),
    ],
)
def test_dns_rebinding_protection(
    http_server: tuple[str, subprocess.Popen[bytes]], host: str, origin: str | None, accepted: bool
) -> None:
    url, _ = http_server
    headers = {**HEADERS, "Host": host}
    if origin:
        headers["Origin"] = origin
    response = httpx.post(url, json=INIT, headers=headers, timeout=10)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code in (403, 421), response.status_code


def test_healthcheck_answers_for_a_live_server_only(http_server: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = http_server
    assert healthcheck.main(["--url", url]) == 0
    assert healthcheck.main(["--url", f"http://127.0.0.1:{free_port()}/mcp", "--timeout", "3"]) == 1


def test_sigterm_shuts_down_gracefully(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([str(SCRIPT), "--transport", "streamable-http", "--port", str(port),
                             "--workspace-root", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
