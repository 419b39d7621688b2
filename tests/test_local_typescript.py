"""TypeScript handlers on the embedded emulator: bundled with the project's esbuild, run by Node.js."""

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TOOLCHAIN, call_ok, make_settings

from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools.executions import executions_context

FIXTURES = Path(__file__).parent / "fixtures" / "handlers" / "ts"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or not (TOOLCHAIN / "node_modules" / "@aws" / "durable-execution-sdk-js").is_dir(),
    reason="needs Node.js and `make toolchain`",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    workspace = tmp_path_factory.mktemp("ts-ws")
    project = workspace / "orders"
    shutil.copytree(FIXTURES, project)
    (project / "node_modules").symlink_to(TOOLCHAIN / "node_modules", target_is_directory=True)
    srv = build_server(make_settings(workspace_root=workspace, local=True, allow_write=True, allow_sensitive_data_access=True))
    yield srv
    executions_context(srv).shutdown()




async def test_typescript_approval_story(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="orders/approval.ts:handler", input={"orderId": "o-5"})
    assert run["status"] == "SUSPENDED", run
    # The SDK logger's JSON lines come back short: level, operation, message, the extra fields; no ids.
    logged = next(line for line in run["output"] if "preparing order" in line)
    assert logged.startswith("INFO prepare-order: preparing order") and "o-5" in logged, logged
    assert "requestId" not in logged and "executionArn" not in logged
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    waiting = diagnosis["waiting_on"]
    assert [w["operation_name"] for w in waiting] == ["manager-approval"]
    sent = await call_ok(server, "send_durable_callback", callback_id=waiting[0]["callback_id"], result="approved")
    assert sent["status"] == "SUCCEEDED"
    history = await call_ok(server, "get_durable_execution_history", execution_arn=run["execution_arn"])
    finalize = next(op for op in history["operations"] if op.get("name") == "finalize")
    assert "O-5" in finalize["result"] and "approved" in finalize["result"]


async def test_typescript_failed_step_is_diagnosed(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="orders/approval.ts:failing")
    assert run["status"] == "FAILED", run
    assert run["function_name"] == "approval-failing"
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    cause = diagnosis["root_cause"]
    assert cause["operation_name"] == "charge-card"
    assert "card declined" in cause["error_message"]


async def test_a_missing_export_names_the_source_file_and_what_it_exports(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="orders/approval.ts:nothere")
    assert run["status"] == "FAILED", run
    assert "orders/approval.ts" in run["error"] and "failing, handler" in run["error"], run["error"]


async def test_typescript_invokes_plain_and_durable_functions(server: Any) -> None:
    workspace = executions_context(server).settings.workspace_root
    checks = workspace / "checks"
    checks.mkdir(exist_ok=True)
    for name in ("rates.py", "auto_approve.py"):
        shutil.copy(FIXTURES.parent / "checks" / name, checks / name)
    run = await call_ok(
        server, "run_durable_function_locally", handler="orders/quote.ts:handler", input={"amount": 8},
        functions={"fx-rates": "checks/rates.py:handler", "auto-approve": "checks/auto_approve.py:handler"},
    )
    assert run["status"] == "SUCCEEDED", run
    assert run["result"] == {"total": 10, "approval": "approved"}


async def test_javascript_module_handler_with_a_skipped_wait(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="orders/greet.mjs:handler", input={"name": " ada "},
                     timeout_seconds=20)
    assert run["status"] == "SUCCEEDED", run
    assert run["result"] == {"greeting": "hello ada"}


@pytest.mark.parametrize(
    ("export", "operation", "rule", "call", "guide"),
    [
        ("nestedWait", "deploy-canary", "DUR010", "context.wait()", "step-operations"),
        ("nestedStep", "outer", "DUR010", "context.step()", "step-operations"),
        ("parentInChild", "fulfil-order", "DUR011", "context.step()", "concurrent-operations"),
        ("parentInMap", "map-item-0", "DUR011", "context.step()", "concurrent-operations"),
    ],
)
async def test_a_context_usage_error_names_the_open_operation_and_the_rule(
    server: Any, export: str, operation: str, rule: str, call: str, guide: str
) -> None:
    """The JS SDK's "Context usage error ... parent or sibling context" is a durable operation inside a
    step or a parent context in a child body, not an error "outside any durable operation"."""
    run = await call_ok(server, "run_durable_function_locally", handler=f"orders/misuse.ts:{export}")
    assert run["status"] == "FAILED" and "Context usage error" in run["error"], run
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    assert diagnosis["root_cause"]["operation_name"] == operation, diagnosis
    summary = diagnosis["summary"]
    assert "outside any durable operation" not in summary
    assert f"{call} was called" in summary and repr(operation) in summary and rule in summary, summary
    assert diagnosis["guide"] == guide
    fix = diagnosis["next_steps"][0]
    assert ("runInChildContext" in fix) if rule == "DUR010" else ("context that body receives" in fix), fix


def _without_payloads(value: Any) -> Any:
    """Events as AWS returns them without IncludeExecutionData: no error messages (the emulator keeps them)."""
    if isinstance(value, dict):
        return {k: _without_payloads(v) for k, v in value.items() if k != "ErrorMessage"}
    if isinstance(value, list):
        return [_without_payloads(v) for v in value]
    return value


async def test_without_error_messages_an_open_step_is_named_as_a_possible_nesting(server: Any) -> None:
    from lambda_durable_mcp.executions.diagnose import diagnose
    from lambda_durable_mcp.executions.history import build_history

    run = await call_ok(server, "run_durable_function_locally", handler="orders/misuse.ts:nestedWait")
    assert run["status"] == "FAILED", run
    api = executions_context(server).api_for_arn(run["execution_arn"])
    events, _ = api.all_events(run["execution_arn"], include_data=False)
    result = diagnose(build_history(_without_payloads(events)), data_included=False)
    assert "outside any durable operation" in result.summary and "withheld" in result.summary, result
    assert any("'deploy-canary' was still in progress" in s and "DUR010" in s for s in result.next_steps), result


async def test_the_local_emulator_replays_at_every_wait(server: Any) -> None:
    """testing-patterns says so: unlike Jest with skipTime, where a wait no longer than an earlier one
    completes inside the invocation, each wait here ends the invocation and the next one replays."""
    run = await call_ok(server, "run_durable_function_locally", handler="orders/replay.ts:handler")
    assert run["status"] == "SUCCEEDED", run
    assert sum("handler starts" in line for line in run["output"]) == 4, run["output"]


async def test_each_local_invocation_is_a_fresh_process_on_the_real_clock(server: Any) -> None:
    """docs/executions.md: module state never survives to the next invocation, and a skipped wait does
    not move the handler's clock, so warm-container and time-of-day bugs do not show locally."""
    run = await call_ok(server, "run_durable_function_locally", handler="orders/replay.ts:warm")
    assert run["status"] == "SUCCEEDED", run
    lines = [line for line in run["output"] if "in this process" in line]
    assert len(lines) == 2 and all(line.startswith("invocation 1 in this process") for line in lines), lines
    clocks = [int(line.rsplit(" ", 1)[1]) for line in lines]
    assert 0 <= clocks[1] - clocks[0] < 60_000, clocks  # not 12 hours later
