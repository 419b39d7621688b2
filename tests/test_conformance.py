"""External clients against the real server: the MCP Inspector CLI and the MCP conformance suite."""

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import REPO_ROOT, SCRIPT, http_server

BIN = REPO_ROOT / "conformance" / "node_modules" / ".bin"
NODE = BIN / "node"  # Node.js 22 from the npm registry; the Inspector needs >= 22.19
EXPECTED_FAILURES = Path(__file__).parent / "conformance-expected-failures.yaml"
SCENARIOS = [
    "server-initialize", "tools-list", "tools-call-error", "resources-list", "sep-2164-resource-not-found",
    "prompts-list", "dns-rebinding-protection", "http-header-validation", "caching", "server-stateless",
]

pytestmark = pytest.mark.skipif(not NODE.exists(), reason="run `make test` (installs conformance/node_modules)")


def node_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "MCP_CATALOG_PATH": str(tmp / "cat.json"),
            "HOME": str(tmp)}


@pytest.fixture(scope="module")
def http_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with http_server(tmp_path_factory.mktemp("ws")) as (url, _):
        yield url


def inspector(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NODE), str(BIN / "inspector"), "--cli", *args], capture_output=True, text=True,
                          timeout=120, env=node_env(tmp), stdin=subprocess.DEVNULL)


def test_inspector_lists_tools_over_stdio_with_portable_schemas(tmp_path: Path) -> None:
    out = inspector(tmp_path, str(SCRIPT), "--workspace-root", str(tmp_path), "--method", "tools/list", "--strict")
    assert out.returncode == 0, out.stderr
    names = [t["name"] for t in json.loads(out.stdout)["tools"]]
    assert "get_durable_guide" in names and "deploy_durable_function" in names
    guide = inspector(tmp_path, str(SCRIPT), "--workspace-root", str(tmp_path), "--method", "tools/call",
                      "--tool-name", "get_durable_guide", "--tool-arg", "topic=wait-operations")
    assert guide.returncode == 0, guide.stderr
    assert "waitForCallback" in json.loads(guide.stdout)["content"][0]["text"]


def test_inspector_calls_a_tool_over_http(tmp_path: Path, http_url: str) -> None:
    listed = inspector(tmp_path, http_url, "--method", "tools/list")
    assert listed.returncode == 0, listed.stderr
    called = inspector(tmp_path, http_url, "--method", "tools/call", "--tool-name", "deploy_durable_function",
                       "--tool-arg", "project_dir=.")
    result = json.loads(called.stdout)
    assert result["isError"] is True
    assert "--allow-write" in result["content"][0]["text"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_conformance_scenario(tmp_path: Path, http_url: str, scenario: str) -> None:
    out = subprocess.run(
        [str(NODE), str(BIN / "conformance"), "server", "--url", http_url, "--scenario", scenario,
         "--expected-failures", str(EXPECTED_FAILURES), "-o", str(tmp_path / "results")],
        capture_output=True, text=True, timeout=180, env=node_env(tmp_path), stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
