"""The server as an MCP client sees it: instructions, tool order, annotations and the write gate."""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import connect, make_settings, tool_text

from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools._common import registered_access

# The order every issue's tools appear in tools/list; tools not yet built are simply absent.
EXPECTED_ORDER = [
    "get_durable_guide",
    "validate_durable_code",
    "scaffold_durable_project",
    "list_durable_executions",
    "get_durable_execution_history",
    "diagnose_durable_execution",
    "send_durable_callback",
    "stop_durable_execution",
    "invoke_durable_function",
    "run_durable_function_locally",
    "deploy_durable_function",
    "check_durable_deployment",
]
TOOLS_LIST_BUDGET = 12_000  # characters of the whole tools/list result, paid by agents every turn
SNAPSHOTS = Path(__file__).parent / "snapshots" / "tools"


def sample_args(schema: dict[str, Any]) -> dict[str, Any]:
    """Arguments that pass schema validation, so that a call reaches the tool's own code."""
    defs = schema.get("$defs", {})

    def value(prop: dict[str, Any]) -> Any:
        if "$ref" in prop:
            return value(defs[prop["$ref"].split("/")[-1]])
        if "enum" in prop:
            return prop["enum"][0]
        if "const" in prop:
            return prop["const"]
        if "anyOf" in prop:
            return value(next(p for p in prop["anyOf"] if p.get("type") != "null"))
        kind = prop.get("type")
        return {"string": "x", "integer": 1, "number": 1, "boolean": False,
                "array": [], "object": {}}.get(kind, "x")

    return {name: value(schema["properties"][name]) for name in schema.get("required", [])}


async def test_instructions_state_the_mode(tmp_path: Path) -> None:
    for flags, expect in [
        ({}, ["read-only", "withheld"]),
        ({"allow_write": True}, ["enabled"]),
        ({"allow_sensitive_data_access": True}, ["read-only", "shown"]),
    ]:
        async with connect(make_settings(tmp_path, **flags)) as client:
            text = client.instructions or ""
            for word in expect:
                assert word in text.lower(), (flags, text)


async def test_tools_are_listed_in_the_fixed_order(tmp_path: Path) -> None:
    async with connect(make_settings(tmp_path)) as client:
        names = [t.name for t in (await client.list_tools()).tools]
    assert set(names) <= set(EXPECTED_ORDER), f"unplanned tools: {set(names) - set(EXPECTED_ORDER)}"
    assert names == [n for n in EXPECTED_ORDER if n in names]


async def test_annotations_follow_the_access_model(tmp_path: Path) -> None:
    server = build_server(make_settings(tmp_path))
    access = registered_access(server)
    async with connect(make_settings(tmp_path)) as client:
        tools = (await client.list_tools()).tools
    for tool in tools:
        a = tool.annotations
        assert a is not None, tool.name
        spec = access[tool.name]
        assert a.read_only_hint is (not spec.writes), tool.name
        assert a.destructive_hint is (spec.writes and spec.destructive), tool.name
        assert a.idempotent_hint is not None and a.open_world_hint is not None, tool.name


@pytest.mark.parametrize("allow_write", [False, True])
@pytest.mark.parametrize("allow_sensitive", [False, True])
async def test_write_gate_holds_for_every_flag_combination(
    tmp_path: Path, allow_write: bool, allow_sensitive: bool
) -> None:
    settings = make_settings(tmp_path, allow_write=allow_write, allow_sensitive_data_access=allow_sensitive)
    access = registered_access(build_server(settings))
    async with connect(settings) as client:
        for tool in (await client.list_tools()).tools:
            spec = access[tool.name]
            if not (spec.writes and spec.gate == "refuse"):
                continue
            result = await client.call_tool(tool.name, sample_args(tool.input_schema))
            text = tool_text(result)
            if allow_write:
                assert "--allow-write" not in text, f"{tool.name} refused with --allow-write: {text}"
            else:
                assert result.is_error, tool.name
                assert "--allow-write" in text and ".mcp.json" in text, text
                # the example fits the README's .mcp.json, whose "command" is the server itself
                assert '"args": ["--allow-write"]' in text, text


def tool_snapshot(tool: Any) -> dict[str, Any]:
    return tool.model_dump(mode="json", by_alias=True, exclude_none=True)


async def test_tools_list_matches_snapshots_and_budget(tmp_path: Path) -> None:
    async with connect(make_settings(tmp_path)) as client:
        listed = await client.list_tools()
    size = len(json.dumps(listed.model_dump(mode="json", by_alias=True, exclude_none=True)["tools"]))
    assert size <= TOOLS_LIST_BUDGET, f"tools/list is {size} characters, budget {TOOLS_LIST_BUDGET}"
    update = os.environ.get("UPDATE_SNAPSHOTS") == "1"
    for tool in listed.tools:
        path = SNAPSHOTS / f"{tool.name}.json"
        current = json.dumps(tool_snapshot(tool), indent=2, sort_keys=True) + "\n"
        if update:
            path.write_text(current)
        assert path.exists(), f"no snapshot for {tool.name}: run UPDATE_SNAPSHOTS=1 pytest {__file__}"
        assert path.read_text() == current, f"{tool.name} schema changed: review, then UPDATE_SNAPSHOTS=1"
    stale = {p.stem for p in SNAPSHOTS.glob("*.json")} - {t.name for t in listed.tools}
    assert not stale, f"snapshots of tools that no longer exist: {stale}"


async def test_a_wrong_argument_is_a_short_tool_error(tmp_path: Path) -> None:
    async with connect(make_settings(tmp_path, allow_write=True)) as client:
        result = await client.call_tool("get_durable_execution_history", {"execution_arn": "x", "limit": 0})
    text = tool_text(result)
    assert result.is_error and "limit" in text and "greater than or equal to 1" in text
    assert "errors.pydantic.dev" not in text  # a link that costs tokens and adds nothing


async def test_a_hosted_server_tells_whoever_runs_it_how_to_allow_writes(tmp_path: Path) -> None:
    """Over streamable HTTP the client's .mcp.json only holds a URL: the flag is set where the server runs."""
    import mcp

    from lambda_durable_mcp.server import build_server
    from lambda_durable_mcp.settings import Settings

    server = build_server(Settings.build(workspace_root=str(tmp_path), transport="streamable-http"))
    async with mcp.Client(server) as client:
        result = await client.call_tool("run_durable_function_locally", {"handler": "app.py:handler"})
    text = tool_text(result)
    assert result.is_error and "MCP_FLAGS=--allow-write" in text and ".mcp.json" not in text
