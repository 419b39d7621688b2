"""Shared fixtures: build the real server with chosen flags and talk to it with the real MCP client."""

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
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
