"""Shared fixtures: build the real server with chosen flags and talk to it with the real MCP client."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import mcp
import pytest

from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]
TOOLCHAIN = REPO_ROOT / "toolchain"

# Nothing in the suite may reach real AWS: dummy credentials, a fixed region, no profile files.
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_SESSION_TOKEN="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    AWS_CONFIG_FILE=os.devnull,
    AWS_SHARED_CREDENTIALS_FILE=os.devnull,
)
os.environ.pop("AWS_PROFILE", None)


def make_settings(tmp_path: Path | None = None, **flags: Any) -> Settings:
    root = flags.pop("workspace_root", None) or tmp_path or Path.cwd()
    return Settings.build(workspace_root=root, env={"AWS_REGION": "us-east-1"}, **flags)


@asynccontextmanager
async def connect(settings: Settings) -> AsyncIterator[mcp.Client]:
    async with mcp.Client(build_server(settings)) as client:
        yield client


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def client_for(workspace: Path) -> Callable[..., Any]:
    """``async with client_for(allow_write=True) as c:`` -> an in-memory client of a fresh server."""

    def factory(**flags: Any) -> Any:
        flags.setdefault("workspace_root", workspace)
        return connect(make_settings(**flags))

    return factory


def tool_text(result: Any) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def call_ok(server: Any, tool: str, **args: Any) -> dict[str, Any]:
    """Call a tool on a built server with a fresh in-memory client; the call must succeed."""
    async with mcp.Client(server) as client:
        result = await client.call_tool(tool, args)
    assert not result.is_error, tool_text(result)
    return dict(result.structured_content or {})


SCRIPT = Path(sys.executable).with_name("lambda-durable-mcp")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen[Any] | None = None, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode} before listening") from None
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@contextmanager
def http_server(workspace: Path, *flags: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The installed console script serving streamable HTTP on a free loopback port."""
    port = free_port()
    proc = subprocess.Popen(
        [str(SCRIPT), "--transport", "streamable-http", "--port", str(port), "--workspace-root", str(workspace),
         *flags],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}/mcp", proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
