"""Security properties across every tool: confinement to the workspace root, no flag injection,
no shell anywhere."""

import re
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO_ROOT, connect, make_settings, tool_text

# Every tool that takes a path, and how to put a path into its arguments.
PATH_TOOLS: dict[str, Any] = {
    "validate_durable_code": lambda p: {"paths": [p]},
    "scaffold_durable_project": lambda p: {"name": "demo", "directory": p},
    "run_durable_function_locally": lambda p: {"handler": f"{p}/app.py:handler", "input": "{}"},
    "deploy_durable_function": lambda p: {"project_dir": p, "method": "direct"},
}


@pytest.fixture
def layout(tmp_path: Path) -> tuple[Path, Path]:
    workspace = tmp_path / "ws"
    outside = tmp_path / "outside"
    workspace.mkdir()
    outside.mkdir()
    (outside / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (workspace / "escape").symlink_to(outside, target_is_directory=True)
    return workspace, outside


@pytest.mark.parametrize("tool", sorted(PATH_TOOLS))
@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
async def test_paths_outside_the_workspace_are_refused(layout: tuple[Path, Path], tool: str, kind: str) -> None:
    workspace, outside = layout
    bad = {"dotdot": "../outside", "absolute": str(outside), "symlink": "escape"}[kind]
    settings = make_settings(workspace, allow_write=True, allow_sensitive_data_access=True)
    async with connect(settings) as client:
        result = await client.call_tool(tool, PATH_TOOLS[tool](bad))
    text = tool_text(result)
    assert result.is_error, f"{tool} accepted {bad!r}: {text[:300]}"
    assert "outside the workspace root" in text, text
    assert not any(outside.glob("**/package.json")) and not any(outside.glob("**/*.zip")), "nothing written outside"


async def test_every_path_tool_is_covered() -> None:
    async with connect(make_settings(None)) as client:
        tools = (await client.list_tools()).tools
    path_like = {t.name for t in tools
                 if set(t.input_schema.get("properties", {})) & {"paths", "directory", "handler", "project_dir"}}
    assert path_like == set(PATH_TOOLS)


def test_no_shell_anywhere() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{n}"
        for path in (REPO_ROOT / "src").rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"shell\s*=\s*True|os\.system\(|os\.popen\(", line)
    ]
    assert offenders == []


FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.parametrize(
    ("tool", "args", "says"),
    [
        ("scaffold_durable_project", {"name": "-rf", "directory": "p"}, "starts with '-'"),
        ("run_durable_function_locally", {"handler": "app.py:--help", "input": {}}, "not an identifier"),
        ("deploy_durable_function", {"project_dir": "sam", "method": "sam", "stack_name": "--profile=evil"},
         "starts with '-'"),
    ],
)
async def test_values_that_look_like_flags_never_reach_a_command(
    workspace: Path, tool: str, args: dict[str, Any], says: str
) -> None:
    import shutil

    shutil.copytree(FIXTURES / "deploy" / "sam-python", workspace / "sam")
    (workspace / "app.py").write_text(
        "from aws_durable_execution_sdk_python import durable_execution\n\n\n"
        "@durable_execution\ndef handler(event, context):\n    return 1\n"
    )
    async with connect(make_settings(workspace, allow_write=True)) as client:
        result = await client.call_tool(tool, args)
    assert result.is_error and says in tool_text(result), tool_text(result)


def test_paths_that_cannot_be_resolved_are_refused_with_a_reason(tmp_path: Path) -> None:
    from lambda_durable_mcp.confine import ConfinementError, resolve_in_workspace

    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    outside = tmp_path.parent / "elsewhere-secret"
    (tmp_path / "out").symlink_to(outside)
    cases = {"loop/x.py": "cannot be resolved", "a" * 5000: "cannot be resolved",
             "~nosuchuser/x": "does not exist", "out": "leads outside the workspace root"}
    for path, expected in cases.items():
        with pytest.raises(ConfinementError) as refused:
            resolve_in_workspace(tmp_path, path, must_exist=True)
        assert expected in str(refused.value), (path, str(refused.value))
        assert "elsewhere-secret" not in str(refused.value)  # where a link leads stays unsaid
