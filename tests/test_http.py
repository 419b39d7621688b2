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


def test_healthcheck_answers_for_a_live_server_only(http: tuple[str, subprocess.Popen[bytes]],
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    url, _ = http
    assert healthcheck.main(["--url", url]) == 0
    assert healthcheck.main(["--url", f"http://127.0.0.1:{free_port()}/mcp", "--timeout", "3"]) == 1
    assert "ConnectError" in capsys.readouterr().err
    # what an operator reads in `docker inspect`: the status, not "unhandled errors in a TaskGroup"
    assert healthcheck.main(["--url", url.replace("/mcp", "/wrong")]) == 1
    err = capsys.readouterr().err
    assert "/wrong: MCPError: Not Found" in err and "TaskGroup" not in err


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


SLOW_HANDLER = """\
import time
from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    return context.step(lambda _: time.sleep(120) or "late", name="slow")
"""


async def test_stop_during_a_long_call_is_bounded_and_logs_stay_off_stdout(tmp_path: Path) -> None:
    """`docker stop` kills after 10 s: a stop must not wait for a local run of minutes. Access logs go
    to stderr like every other log line."""
    import os
    import time

    import anyio
    from conftest import SCRIPT, wait_for_port

    from lambda_durable_mcp.server import SHUTDOWN_GRACE_SECONDS

    (tmp_path / "app.py").write_text(SLOW_HANDLER)
    port = free_port()
    out, err = tmp_path / "stdout.log", tmp_path / "stderr.log"
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen(
            [str(SCRIPT), "--transport", "streamable-http", "--port", str(port), "--workspace-root", str(tmp_path),
             "--local", "--allow-write", "--log-level", "INFO"],
            stdin=subprocess.DEVNULL, stdout=o, stderr=e, start_new_session=True)
    try:
        wait_for_port(port, proc)
        url = f"http://127.0.0.1:{port}/mcp"
        async with mcp.Client(url) as client:
            await client.list_tools()

        async def long_call() -> None:
            try:
                async with mcp.Client(url) as client:
                    await client.call_tool("run_durable_function_locally",
                                           {"handler": "app.py:handler", "timeout_seconds": 300})
            except Exception:  # the server goes away under it
                pass

        async with anyio.create_task_group() as tg:
            tg.start_soon(long_call)
            await anyio.sleep(6)  # the emulator is up and the step sleeps
            stopped = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            rc = await anyio.to_thread.run_sync(lambda: proc.wait(timeout=SHUTDOWN_GRACE_SECONDS + 10))
            took = time.monotonic() - stopped
            tg.cancel_scope.cancel()
        assert rc == 0 and took < SHUTDOWN_GRACE_SECONDS + 5, (rc, took)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # no handler process (they run in the workspace) is left behind
    time.sleep(0.5)
    leftover = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink(f"/proc/{pid}/cwd") == str(tmp_path.resolve()):
                leftover.append(pid)
        except OSError:
            continue
    assert leftover == []
    assert out.read_bytes() == b""
    assert b"POST /mcp" in err.read_bytes()


async def test_a_call_in_flight_at_the_stop_signal_still_gets_its_answer(tmp_path: Path) -> None:
    """The stop waits for answers being streamed (a raw POST, as a proxy or curl sends it: the SDK
    client also reopens its event stream, which a stopping server refuses)."""
    import json

    import anyio
    from conftest import SCRIPT, wait_for_port

    (tmp_path / "app.py").write_text(SLOW_HANDLER.replace("time.sleep(120)", "time.sleep(2)"))
    port = free_port()
    proc = subprocess.Popen(
        [str(SCRIPT), "--transport", "streamable-http", "--port", str(port), "--workspace-root", str(tmp_path),
         "--local", "--allow-write"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for_port(port, proc)
        call = {"jsonrpc": "2.0", "id": 7, "method": "tools/call",
                "params": {"name": "run_durable_function_locally", "arguments": {"handler": "app.py:handler"}}}
        bodies: list[str] = []

        async def post() -> None:
            async with httpx.AsyncClient(timeout=30) as http:
                response = await http.post(f"http://127.0.0.1:{port}/mcp", json=call,
                                           headers={**HEADERS, "MCP-Protocol-Version": "2025-06-18"})
                bodies.append(response.text)

        async with anyio.create_task_group() as tg:
            tg.start_soon(post)
            await anyio.sleep(1)
            proc.send_signal(signal.SIGTERM)
        data = [json.loads(line[5:]) for line in bodies[0].splitlines() if line.startswith("data:")]
        result = next(d["result"] for d in data if d.get("id") == 7)
        assert not result.get("isError") and result["structuredContent"]["status"] == "SUCCEEDED", result
        assert await anyio.to_thread.run_sync(lambda: proc.wait(timeout=15)) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
