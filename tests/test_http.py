"""Streamable HTTP mode as the container runs it: allowed hosts, health check, graceful shutdown."""

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import mcp
import pytest
from conftest import free_port, http_server

from lambda_durable_mcp import healthcheck

INIT = {
    "jsonrpc": "2.0", "id": 1, "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {},
               "clientInfo": {"name": "test", "version": "1"}},
}
HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    with http_server(tmp_path_factory.mktemp("ws"), "--allowed-hosts", "mcp.example.com") as served:
        yield served


async def test_client_lists_tools_over_http(http: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = http
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
    http: tuple[str, subprocess.Popen[bytes]], host: str, origin: str | None, accepted: bool
) -> None:
    url, _ = http
    headers = {**HEADERS, "Host": host}
    if origin:
        headers["Origin"] = origin
    response = httpx.post(url, json=INIT, headers=headers, timeout=10)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code in (403, 421), response.status_code


def test_healthcheck_answers_for_a_live_server_only(http: tuple[str, subprocess.Popen[bytes]]) -> None:
    url, _ = http
    assert healthcheck.main(["--url", url]) == 0
    assert healthcheck.main(["--url", f"http://127.0.0.1:{free_port()}/mcp", "--timeout", "3"]) == 1


def test_sigterm_shuts_down_gracefully(tmp_path: Path) -> None:
    with http_server(tmp_path) as (_, proc):
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5) == 0


def test_listening_beyond_loopback_warns_that_there_is_no_login(tmp_path: Path) -> None:
    from conftest import SCRIPT, wait_for_port

    port = free_port()
    proc = subprocess.Popen(
        [str(SCRIPT), "--transport", "streamable-http", "--host", "0.0.0.0", "--port", str(port),
         "--workspace-root", str(tmp_path), "--allow-write"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    text = err.decode()
    assert "without authentication" in text and "run code" in text, text
