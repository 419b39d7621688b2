"""Each failure shape of the issue: run the failing handler locally, then diagnose it."""

import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import call_ok, make_settings

from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools.executions import executions_context

FIXTURES = Path(__file__).parent / "fixtures" / "handlers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    workspace = tmp_path_factory.mktemp("shapes-ws")
    shutil.copytree(FIXTURES, workspace, dirs_exist_ok=True)
    srv = build_server(make_settings(workspace_root=workspace, local=True, allow_write=True, allow_sensitive_data_access=True))
    yield srv
    executions_context(srv).shutdown()




async def run_and_diagnose(server: Any, handler: str, **extra: Any) -> dict[str, Any]:
    run = await call_ok(server, "run_durable_function_locally", handler=handler, **extra)
    assert run["status"] == "FAILED", run
    return await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])


@pytest.mark.parametrize(
    ("handler", "name", "op_type", "error_type", "message"),
    [
        ("child_context_fail.py:handler", "reserve-stock", "STEP", "OutOfStock", "sku-123 has 0 units left"),
        ("map_fail.py:handler", "ship-1", "STEP", "InvalidAddress", "item 1: no street"),
        ("parallel_fail.py:handler", "check-fraud", "STEP", "FraudSuspected", "score 0.97 above 0.9"),
        ("wait_condition_exhausted.py:handler", "await-export-ready", "STEP", "WaitForConditionError", "exhausted 3 attempts"),
    ],
)
async def test_innermost_failed_operation_not_its_wrapper(
    server: Any, handler: str, name: str, op_type: str, error_type: str, message: str
) -> None:
    diagnosis = await run_and_diagnose(server, handler)
    cause = diagnosis["root_cause"]
    assert (cause["operation_name"], cause["operation_type"]) == (name, op_type)
    assert cause["error_type"].endswith(error_type)
    assert message in cause["error_message"]
    assert name in diagnosis["summary"]
    failed = [row["name"] for row in diagnosis["timeline"] if row["status"] == "FAILED"]
    assert name in failed


async def test_failed_chained_invoke_points_at_the_child_execution(server: Any) -> None:
    diagnosis = await run_and_diagnose(server, "invoke_fail.py:handler", functions={"credit-check": "checks/credit.py:handler"})
    cause = diagnosis["root_cause"]
    assert (cause["operation_name"], cause["operation_type"]) == ("run-credit-check", "CHAINED_INVOKE")
    assert "credit bureau returned 503" in cause["error_message"]
    child_step = next(s for s in diagnosis["next_steps"] if "diagnose_durable_execution(" in s)
    child_arn = child_step.split('execution_arn="')[1].split('"')[0]
    child = await call_ok(server, "diagnose_durable_execution", execution_arn=child_arn)
    assert child["root_cause"]["operation_name"] == "query-bureau"
    assert child["root_cause"]["error_type"].endswith("BureauUnavailable")


async def test_non_determinism_points_to_the_replay_rules(server: Any) -> None:
    diagnosis = await run_and_diagnose(server, "nondeterministic.py:handler")
    assert diagnosis["guide"] == "replay-model-rules"
    assert "replay" in diagnosis["summary"]
    assert diagnosis["root_cause"]["operation_name"].startswith("work-")
    assert "Non-deterministic" in diagnosis["root_cause"]["error_message"]


async def test_callback_failed_from_outside(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="approval.py:handler", input={"order_id": "o-3"})
    waiting = (await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"]))["waiting_on"]
    sent = await call_ok(
        server, "send_durable_callback", callback_id=waiting[0]["callback_id"], outcome="failure",
        error_type="Rejected", error_message="manager said no",
    )
    assert sent["status"] == "FAILED"
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    cause = diagnosis["root_cause"]
    assert (cause["operation_name"], cause["operation_type"]) == ("manager-approval", "CALLBACK")
    assert cause["error_type"] == "Rejected" and cause["error_message"] == "manager said no"
    assert "failed by the callback sender" in diagnosis["summary"]


async def test_callback_that_timed_out(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="callback_timeout.py:handler")
    arn = run["execution_arn"]
    if run["status"] == "SUSPENDED":  # the emulator times callbacks out in real time (2 s here)
        for _ in range(40):
            await asyncio.sleep(0.25)
            if (await call_ok(server, "diagnose_durable_execution", execution_arn=arn))["status"] != "RUNNING":
                break
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=arn)
    assert diagnosis["status"] == "FAILED"
    cause = diagnosis["root_cause"]
    assert (cause["operation_name"], cause["operation_type"]) == ("vendor-confirmation", "CALLBACK")
    assert "timed out" in diagnosis["summary"]
    assert "create callback id" not in diagnosis["summary"]  # the SDK's internal name is no user's
    assert diagnosis["guide"] == "wait-operations"
