"""scaffold_durable_project through the MCP client: preview, refusals, confinement, overwrite.

Fast (no npm, no pip): the generated projects are run for real in test_scaffold_projects.py.
"""

import gzip
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import botocore
import pytest
from conftest import REPO_ROOT, TOOLCHAIN, call_ok, make_settings, tool_text

from lambda_durable_mcp.scaffold import IACS, LANGUAGES, PATTERNS, ScaffoldError, plan
from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools.executions import executions_context

TOOL = "scaffold_durable_project"


async def call(client: Any, **args: Any) -> Any:
    return await client.call_tool(TOOL, args)


async def test_default_preview_writes_nothing_and_shows_the_handler(client_for: Any, workspace: Path) -> None:
    async with client_for() as client:
        result = await call(client, name="orders", directory="orders")
    assert not result.is_error, tool_text(result)
    data = result.structured_content
    assert data["written"] is False
    assert not (workspace / "orders").exists()
    assert {"package.json", "cdk.json", "infra/app.ts", "src/handler.ts", "test/handler.test.ts",
            "tsconfig.json", "eslint.config.mjs", "README.md"} <= set(data["files"])
    assert all(size > 0 for size in data["files"].values())
    assert "withDurableExecution" in data["handler"]
    assert "--allow-write" in data["note"] and ".mcp.json" in data["note"]
    assert data["next"] == "npm install && npm test && npx cdk synth"


def test_every_project_has_a_sample_event_for_its_pattern() -> None:
    from lambda_durable_mcp.scaffold.readme import SAMPLE_EVENTS

    for pattern, event in SAMPLE_EVENTS.items():
        project = plan("orders", language="python", iac="sam", pattern=pattern)
        assert json.loads(project.file("events/event.json").content) == event
        assert json.dumps(event) in project.file("README.md").content  # the README invokes with the same event


async def test_next_commands_run_in_a_folder_named_like_an_option(client_for: Any, workspace: Path) -> None:
    async with client_for(allow_write=True) as client:
        result = await call(client, name="dash", directory="-rf")
    assert not result.is_error, tool_text(result)
    command = result.structured_content["next"]
    assert command.startswith("cd ./-rf && ")
    subprocess.run(["bash", "-c", command.split(" && ")[0]], cwd=workspace, check=True)  # a real shell takes it


async def test_write_creates_the_project_and_refuses_to_overwrite(client_for: Any, workspace: Path) -> None:
    async with client_for(allow_write=True) as client:
        first = await call(client, name="orders", directory="apps/orders")
        assert not first.is_error, tool_text(first)
        assert first.structured_content["written"] is True
        assert first.structured_content["next"] == "cd apps/orders && npm install && npm test && npx cdk synth"
        # once written, the result gives the local-run spec instead of the handler's text
        assert first.structured_content["local_run"] == "apps/orders/src/handler.ts:handler"
        assert "handler" not in first.structured_content
        handler = workspace / "apps" / "orders" / "src" / "handler.ts"
        assert handler.read_text() == plan("orders").file("src/handler.ts").content

        handler.write_text("// my edits\n")
        again = await call(client, name="orders", directory="apps/orders")
        assert again.is_error
        assert "overwrite=true" in tool_text(again) and "src/handler.ts" in tool_text(again)
        assert handler.read_text() == "// my edits\n", "a refused call must not write anything"

        forced = await call(client, name="orders", directory="apps/orders", overwrite=True)
        assert not forced.is_error, tool_text(forced)
        assert "src/handler.ts" in forced.structured_content["replaced"]
        assert handler.read_text() != "// my edits\n"


async def test_preview_reports_files_that_would_need_overwrite(client_for: Any, workspace: Path) -> None:
    (workspace / "orders").mkdir()
    (workspace / "orders" / "README.md").write_text("mine\n")
    async with client_for() as client:
        result = await call(client, name="orders", directory="orders")
    assert "README.md" in result.structured_content["note"]
    assert (workspace / "orders" / "README.md").read_text() == "mine\n"


@pytest.mark.parametrize("directory", ["../outside", "/etc/durable", "a/../../outside"])
async def test_paths_outside_the_workspace_are_refused(client_for: Any, workspace: Path, directory: str) -> None:
    async with client_for(allow_write=True) as client:
        result = await call(client, name="orders", directory=directory)
    assert result.is_error
    assert "outside the workspace root" in tool_text(result)
    assert not (workspace.parent / "outside").exists()


async def test_symlinks_that_lead_out_are_refused(client_for: Any, workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (workspace / "link").symlink_to(outside, target_is_directory=True)
    (workspace / "proj").mkdir()
    (workspace / "proj" / "src").symlink_to(outside, target_is_directory=True)
    async with client_for(allow_write=True) as client:
        via_dir = await call(client, name="orders", directory="link")
        via_child = await call(client, name="orders", directory="proj")
    assert via_dir.is_error and "outside the workspace root" in tool_text(via_dir)
    assert via_child.is_error and "outside the workspace root" in tool_text(via_child)
    assert list(outside.iterdir()) == []
    assert [p.name for p in (workspace / "proj").iterdir()] == ["src"], "a refusal must write nothing"


@pytest.mark.parametrize("language", ["go", "java", "rust", "csharp"])
async def test_unsupported_language_is_named(client_for: Any, language: str) -> None:
    async with client_for() as client:
        result = await call(client, name="orders", directory="orders", language=language)
    text = tool_text(result)
    assert result.is_error
    assert repr(language) in text and "Durable Execution SDK is not offered" in text
    assert all(lang in text for lang in LANGUAGES)


@pytest.mark.parametrize("iac", ["terraform", "pulumi", "serverless"])
async def test_unsupported_iac_is_refused(client_for: Any, iac: str) -> None:
    async with client_for() as client:
        result = await call(client, name="orders", directory="orders", iac=iac)
    text = tool_text(result)
    assert result.is_error
    assert repr(iac) in text and "may not support Lambda durable functions" in text
    assert all(i in text for i in IACS)


@pytest.mark.parametrize("name", ["-rf", "--help", "my project", "a/b", "x" * 41, "9lives", "ends-", "", "ü"])
async def test_unsafe_names_are_refused(client_for: Any, workspace: Path, name: str) -> None:
    async with client_for(allow_write=True) as client:
        result = await call(client, name=name, directory="proj")
    assert result.is_error, name
    assert not (workspace / "proj").exists()


def test_every_combination_renders_completely() -> None:
    for language in LANGUAGES:
        for iac in IACS:
            for pattern in PATTERNS:
                project = plan("demo-app", language=language, iac=iac, pattern=pattern)
                for f in project.files:
                    assert "{{" not in f.content and "«" not in f.content, (language, iac, pattern, f.path)
                    assert not re.search(r"^/\*(ts|js|node|python)\*/", f.content, re.M), f.path
                handler = project.file(project.handler_path).content
                assert ("withDurableExecution" in handler) or ("@durable_execution" in handler)


def test_unknown_pattern_lists_the_patterns() -> None:
    with pytest.raises(ScaffoldError) as err:
        plan("demo", pattern="fan-out")
    assert all(p in str(err.value) for p in PATTERNS)


def _lambda_model() -> dict[str, Any]:
    path = Path(botocore.__file__).parent / "data" / "lambda" / "2015-03-31" / "service-2.json.gz"
    return json.loads(gzip.decompress(path.read_bytes()))


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _member_names(model: dict[str, Any], shape_name: str) -> set[str]:
    """Every member name reachable from an output shape (for checking --query expressions)."""
    names: set[str] = set()
    seen: set[str] = set()
    stack = [shape_name]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        shape = model["shapes"][name]
        for member_name, member in shape.get("members", {}).items():
            names.add(member_name)
            stack.append(member["shape"])
        if "member" in shape:
            stack.append(shape["member"]["shape"])
    return names


CLI_GLOBAL = {"--cli-binary-format", "--query", "--output", "--region", "--profile"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_readme_aws_lambda_commands_match_the_botocore_model(language: str) -> None:
    model = _lambda_model()
    operations = {_kebab(op): op for op in model["operations"]}
    seen: set[str] = set()
    for iac in IACS:
        for pattern in PATTERNS:
            readme = plan("demo-app", language=language, iac=iac, pattern=pattern).file("README.md").content
            for command in re.findall(r"aws lambda [^\n]+", readme):
                command = command[:-1] if command.endswith(")") else command
                words = shlex.split(command)
                op_name = operations.get(words[2])
                assert op_name, f"no Lambda operation {words[2]!r}: {command}"
                shape = model["shapes"][model["operations"][op_name]["input"]["shape"]]
                params = {"--" + _kebab(m) for m in shape["members"]}
                flags = [w for w in words if w.startswith("--")]
                for flag in flags:
                    assert flag in params or flag in CLI_GLOBAL, f"{flag} is not a parameter of {op_name}"
                for required in shape.get("required", []):
                    assert "--" + _kebab(required) in flags, f"{command} lacks --{_kebab(required)}"
                if "--payload" in flags or "--result" in flags:
                    assert "--cli-binary-format" in flags, command
                if "--query" in flags:
                    query = words[words.index("--query") + 1]
                    names = _member_names(model, model["operations"][op_name]["output"]["shape"])
                    for ident in re.findall(r"[A-Z][A-Za-z]+", query):
                        assert ident in names, f"{ident} in --query is not in the {op_name} output"
                if op_name == "Invoke":
                    function = words[words.index("--function-name") + 1]
                    assert "ALIAS_ARN" in function or ":live" in function, "invoke must use a qualified ARN"
                seen.add(op_name)
    assert {"Invoke", "GetDurableExecutionHistory", "ListDurableExecutionsByFunction",
            "SendDurableExecutionCallbackSuccess", "SendDurableExecutionCallbackFailure"} <= seen


def test_node_pins_match_the_toolchain_so_the_npm_cache_serves_them() -> None:
    toolchain = json.loads((REPO_ROOT / "toolchain" / "package.json").read_text())["dependencies"]
    for language in ("typescript", "javascript"):
        for iac in IACS:
            package = json.loads(plan("demo-app", language=language, iac=iac).file("package.json").content)
            pins = {**package["dependencies"], **package["devDependencies"]}
            for dep, version in pins.items():
                if dep in toolchain:
                    assert version == toolchain[dep], (language, iac, dep)
                else:
                    assert "lint" in dep, f"{dep} is neither in toolchain/package.json nor an ESLint package"


def test_readmes_name_the_tool_versions_and_need_no_git() -> None:
    ts = plan("orders").file("README.md").content
    assert "Node.js 22 or later" in ts
    sam = plan("orders", language="python", iac="sam").file("README.md").content
    assert "SAM CLI 1.153.1 or later" in sam and "Python 3.11 or later" in sam
    cfn = plan("orders", language="javascript", iac="cloudformation").file("README.md").content
    assert "git rev-parse" not in cfn and "CodeVersion=" in cfn  # a scaffold is not a git repository yet


async def test_overwrite_replaces_links_instead_of_writing_through_them(client_for: Any, workspace: Path) -> None:
    (workspace / "app").mkdir()
    (workspace / "app" / "main.py").write_text("my code\n")
    outside = workspace.parent / "outside-victim.txt"
    outside.write_text("not yours\n")
    project = workspace / "linked"
    project.mkdir()
    (project / "README.md").symlink_to(workspace / "app" / "main.py")
    os.link(outside, project / ".gitignore")  # a hard link to a file outside the workspace
    async with client_for(allow_write=True) as client:
        result = await call(client, name="linked", directory="linked", overwrite=True)
    assert not result.is_error, tool_text(result)
    assert (workspace / "app" / "main.py").read_text() == "my code\n"
    assert outside.read_text() == "not yours\n"
    assert not (project / "README.md").is_symlink() and "linked" in (project / "README.md").read_text()


async def test_a_file_where_a_folder_must_go_is_refused_before_anything_is_written(
    client_for: Any, workspace: Path
) -> None:
    project = workspace / "blocked"
    project.mkdir()
    (project / "src").write_text("a file, not a folder\n")
    async with client_for(allow_write=True) as client:
        result = await call(client, name="blocked", directory="blocked", overwrite=True)
    assert result.is_error and "'src'" in tool_text(result) and "Nothing was written" in tool_text(result)
    assert sorted(p.name for p in project.iterdir()) == ["src"]


def test_a_name_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ScaffoldError):
        plan("demo\n")


SAGA_RUNS = [
    ("typescript", "src/handler.ts:handler"),
    ("javascript", "src/handler.js:handler"),
    ("python", "src/handler.py:lambda_handler"),
]


@pytest.mark.parametrize(("language", "spec"), SAGA_RUNS, ids=[lang for lang, _ in SAGA_RUNS])
async def test_saga_compensates_in_reverse_and_fails_naming_the_failed_step(
    workspace: Path, language: str, spec: str
) -> None:
    """The scaffolded saga, run on the emulator with a failing shipment: refund, then release, then the
    execution fails and diagnose names ship-order (it used to release only and succeed)."""
    if language != "python" and (shutil.which("node") is None or not (TOOLCHAIN / "node_modules").is_dir()):
        pytest.skip("needs Node.js and `make toolchain`")
    server = build_server(make_settings(workspace_root=workspace, local=True, allow_write=True,
                                        allow_sensitive_data_access=True))
    try:
        await call_ok(server, TOOL, name="shop", directory="shop", language=language, pattern="saga")
        if language != "python":
            (workspace / "shop" / "node_modules").symlink_to(TOOLCHAIN / "node_modules", target_is_directory=True)
        event = {"orderId": "o-1", "amount": 10, "simulateShippingFailure": True}
        run = await call_ok(server, "run_durable_function_locally", handler=f"shop/{spec}", input=event)
        assert run["status"] == "FAILED", run
        diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    finally:
        executions_context(server).shutdown()
    assert diagnosis["root_cause"]["operation_name"] == "ship-order"
    assert diagnosis["root_cause"]["error_message"] == "carrier rejected order o-1"
    assert [(op["name"], op["status"]) for op in diagnosis["timeline"]] == [
        ("reserve-inventory", "SUCCEEDED"),
        ("charge-payment", "SUCCEEDED"),
        ("ship-order", "FAILED"),
        ("refund-payment", "SUCCEEDED"),
        ("release-inventory", "SUCCEEDED"),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_saga_handler_has_no_catch_all(language: str) -> None:
    project = plan("shop", language=language, pattern="saga")
    handler = project.file(project.handler_path).content
    assert not re.search(r"catch\s*\{|except\s*:|except Exception", handler), handler
    assert "refund-payment" in handler and "release-inventory" in handler
