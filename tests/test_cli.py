"""The console script as a user runs it: flags, refusals and exit codes."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SCRIPT

from lambda_durable_mcp.cli import serve_parser, settings_from_args


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def test_console_script_is_installed() -> None:
    assert SCRIPT.exists(), "make install puts the console script into the venv"


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.startswith("lambda-durable-mcp ")


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (["--allow", "write"], "did you mean --allow-write"),
        (["--allow-writ"], "did you mean --allow-write"),
        (["--allow-sensitive"], "did you mean --allow-sensitive-data-access"),
        (["--transport", "http"], "invalid choice"),
        (["--port", "70000"], "--port must be"),
        (["--workspace-root", "/definitely/not/here"], "is not a directory"),
        # entries that can never match a Host header would only ever give 421
        (["--transport", "streamable-http", "--allowed-hosts", "https://mcp.example.com"], "is no host name"),
        (["--transport", "streamable-http", "--allowed-hosts", "*.example.com"], "is no host name"),
    ],
)
def test_bad_flags_refuse_to_start(argv: list[str], hint: str) -> None:
    out = run(*argv)
    assert out.returncode == 2
    assert hint in out.stderr
    assert out.stdout == "", "nothing may reach stdout, which belongs to the protocol"


def test_module_entry_point_matches_script() -> None:
    out = subprocess.run([sys.executable, "-m", "lambda_durable_mcp", "--allow", "write"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "--allow-write" in out.stderr


def test_flags_build_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_PROFILE", "dev")
    args = serve_parser().parse(["--allow-write", "--workspace-root", str(tmp_path),
                                 "--allowed-hosts", "mcp.example.com, other.example.com",
                                 "--endpoint-url", "http://127.0.0.1:9000"])
    settings = settings_from_args(args)
    assert settings.allow_write and not settings.allow_sensitive_data_access
    assert settings.workspace_root == tmp_path.resolve()
    assert settings.region == "eu-west-1" and settings.profile == "dev"
    assert settings.allowed_hosts == ("mcp.example.com", "other.example.com")
    assert settings.endpoint_url == "http://127.0.0.1:9000"
    explicit = settings_from_args(serve_parser().parse(["--region", "ap-south-1", "--profile", "p"]))
    assert explicit.region == "ap-south-1" and explicit.profile == "p"
    with pytest.raises(dataclasses.FrozenInstanceError):  # one immutable object
        settings.allow_write = False  # type: ignore[misc]


def test_allowed_hosts_are_lowercased_and_split_on_commas_or_spaces() -> None:
    args = serve_parser().parse(["--allowed-hosts", "MCP.Example.com, b.example.com:8443 c.example.com;[::1]:9"])
    assert settings_from_args(args).allowed_hosts == ("mcp.example.com", "b.example.com:8443", "c.example.com",
                                                      "[::1]:9")
