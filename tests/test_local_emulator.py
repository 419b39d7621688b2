"""run_durable_function_locally and the execution tools against the real embedded emulator.

One emulator for the module; Python handlers from tests/fixtures/handlers run in subprocesses.
"""

import json
import shutil
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import mcp
import pytest
from conftest import call_ok, make_settings, tool_text

from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools.executions import executions_context

FIXTURES = Path(__file__).parent / "fixtures" / "handlers"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    workspace = tmp_path_factory.mktemp("local-ws")
    shutil.copytree(FIXTURES, workspace, dirs_exist_ok=True)
    srv = build_server(
        make_settings(workspace_root=workspace, local=True, allow_write=True, allow_sensitive_data_access=True)
    )
    yield srv
    executions_context(srv).shutdown()




async def call_error(server: Any, tool: str, **args: Any) -> str:
    async with mcp.Client(server) as client:
        result = await client.call_tool(tool, args)
    assert result.is_error, tool_text(result)
    return tool_text(result)


async def test_approval_story_without_aws(server: Any) -> None:
    """The issue's done-criterion: wait for approval, find the callback id, complete it."""
    run = await call_ok(server, "run_durable_function_locally", handler="approval.py:handler", input={"order_id": "o-7"})
    assert run["status"] == "SUSPENDED"
    arn = run["execution_arn"]

    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=arn)
    assert diagnosis["status"] == "RUNNING"
    waiting = diagnosis["waiting_on"]
    assert [w["operation_name"] for w in waiting] == ["manager-approval"]
    # the handler's 24-hour timeout gives the deadline (the emulator's own history leaves it out)
    deadline = datetime.fromisoformat(waiting[0]["timeout"]) - datetime.fromisoformat(waiting[0]["started"])
    assert deadline == timedelta(hours=24)
    callback_id = waiting[0]["callback_id"]
    assert callback_id and "waiting_on" in " ".join(diagnosis["next_steps"])
    # a long id, given once (the handler's own log line may print it too)
    assert json.dumps({k: v for k, v in diagnosis.items() if k != "logs"}).count(callback_id) == 1
    assert diagnosis["guide"] == "wait-operations"

    sent = await call_ok(server, "send_durable_callback", callback_id=callback_id, result={"approved": True})
    assert sent["sent"] == "success"
    assert sent["status"] == "SUCCEEDED"

    history = await call_ok(server, "get_durable_execution_history", execution_arn=arn)
    assert history["status"] == "SUCCEEDED"
    by_name = {(op["name"], op["type"]): op for op in history["operations"]}
    assert by_name[("finalize", "Step")]["status"] == "SUCCEEDED"
    assert by_name[("manager-approval", "Callback")]["status"] == "SUCCEEDED"
    assert "approved" in by_name[("finalize", "Step")]["result"]

    listed = await call_ok(server, "list_durable_executions", function_name="approval")
    assert arn in [e["execution_arn"] for e in listed["executions"]]
    only_failed = await call_ok(server, "list_durable_executions", function_name="approval", statuses=["FAILED"])
    assert arn not in [e["execution_arn"] for e in only_failed["executions"]]
    assert "note" not in only_failed  # the function exists; it just has no failed execution
    wrong = await call_ok(server, "list_durable_executions", function_name="aproval")
    assert wrong["executions"] == [] and "No local function 'aproval'" in wrong["note"] and "approval" in wrong["note"]


async def test_failed_step_is_named_with_its_error_type_in_one_call(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="failing_step.py:handler")
    assert run["status"] == "FAILED"
    assert run["error"].startswith("StepError: card 4242 declined")
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    cause = diagnosis["root_cause"]
    assert cause["operation_name"] == "charge-card"
    assert cause["operation_type"] == "STEP"
    assert cause["error_type"].endswith("PaymentDeclined")
    assert cause["attempts"] == 3
    assert "charge-card" in diagnosis["summary"] and "PaymentDeclined" in diagnosis["summary"]
    assert diagnosis["guide"] == "error-handling"
    assert any("PaymentDeclined" in line for line in diagnosis["logs"])
    # Stack traces keep the handler's frames and drop the SDK's (installed packages)
    assert any('failing_step.py"' in line for line in run["output"]), run["output"]
    assert not any("site-packages" in line for line in run["output"] + diagnosis["logs"])


async def test_history_pages_with_a_cursor_and_raw_events(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="child_context_fail.py:handler")
    arn = run["execution_arn"]
    first = await call_ok(server, "get_durable_execution_history", execution_arn=arn, limit=2)
    assert len(first["operations"]) == 2 and first["total"] == 4
    second = await call_ok(server, "get_durable_execution_history", execution_arn=arn, limit=2, cursor=first["next_cursor"])
    assert "next_cursor" not in second
    names = [op["name"] for op in first["operations"] + second["operations"]]
    assert names == ["load-order", "fulfil-order", "pick-items", "reserve-stock"]
    newest_first = await call_ok(server, "get_durable_execution_history", execution_arn=arn, reverse=True, limit=1)
    assert newest_first["operations"][0]["name"] == "reserve-stock"
    raw = await call_ok(server, "get_durable_execution_history", execution_arn=arn, raw=True, limit=3)
    assert [e["EventType"] for e in raw["events"]] == ["ExecutionStarted", "StepStarted", "StepSucceeded"]
    rest = await call_ok(server, "get_durable_execution_history", execution_arn=arn, raw=True, limit=50, cursor=raw["next_cursor"])
    assert rest["events"][0]["EventId"] == 4 and rest["events"][-1]["EventType"] == "ExecutionFailed"
    assert "bad cursor" not in await call_error(server, "get_durable_execution_history", execution_arn=arn, cursor="%%%")


async def test_misbehaving_handlers_never_take_the_server_down(server: Any) -> None:
    noisy = await call_ok(server, "run_durable_function_locally", handler="misbehaving.py:noisy")
    assert noisy["status"] == "SUCCEEDED" and noisy["result"] == {"printed": 2000}
    assert noisy["output"][-1].startswith('{"jsonrpc"')

    started = time.monotonic()
    hung = await call_ok(server, "run_durable_function_locally", handler="misbehaving.py:hang", timeout_seconds=3)
    assert time.monotonic() - started < 15
    assert hung["status"] == "TIMED_OUT" and "hang" in hung["note"]
    history = await call_ok(server, "get_durable_execution_history", execution_arn=hung["execution_arn"])
    assert history["status"] == "STOPPED"

    crashed = await call_ok(server, "run_durable_function_locally", handler="misbehaving.py:crash", timeout_seconds=60)
    assert crashed["status"] == "FAILED"
    assert "exited with code 3" in crashed["error"]
    late = await call_ok(server, "stop_durable_execution", execution_arn=crashed["execution_arn"])
    assert late["status"] == "FAILED" and "nothing was stopped" in late["note"] and "stopped_at" not in late

    # Still serving after all of that.
    ok = await call_ok(server, "run_durable_function_locally", handler="failing_step.py:handler")
    assert ok["status"] == "FAILED"


async def test_diagnose_keeps_the_parents_of_the_rows_it_shows_and_says_what_it_left_out(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="fanout.py:handler")
    assert run["status"] == "SUCCEEDED"
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    names = [row["name"] for row in diagnosis["timeline"]]
    assert "squares" in names  # the map every kept row sits in
    assert "square-7" in names and "square-0" not in names
    assert f"shows {len(names)} of 17 operations" in diagnosis["note"]
    assert "get_durable_execution_history" in diagnosis["note"]


async def test_stop_a_suspended_execution(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="approval.py:handler", input={"order_id": "o-8"})
    waiting = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    callback_id = waiting["waiting_on"][0]["callback_id"]
    beat = await call_ok(server, "send_durable_callback", callback_id=callback_id, outcome="heartbeat")
    assert beat["sent"] == "heartbeat" and "keeps waiting" in beat["note"]
    stopped = await call_ok(server, "stop_durable_execution", execution_arn=run["execution_arn"], error_message="cancelled by test")
    assert stopped["status"] == "STOPPED"
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    assert diagnosis["status"] == "STOPPED"
    # A callback for an execution that has ended is refused, and the history stays as it was.
    refused = await call_error(server, "send_durable_callback", callback_id=callback_id, outcome="failure")
    assert "already ended (STOPPED)" in refused and "nothing was sent" in refused
    raw = await call_ok(server, "get_durable_execution_history", execution_arn=run["execution_arn"], raw=True)
    assert raw["events"][-1]["EventType"] == "ExecutionStopped"


async def test_invoke_needs_a_qualifier_and_returns_the_execution_arn(server: Any) -> None:
    await call_ok(server, "run_durable_function_locally", handler="approval.py:handler", input={"order_id": "o-1"})
    refused = await call_error(server, "invoke_durable_function", function_name="approval", payload={"order_id": "o-2"})
    assert "unqualified" in refused and "name:$LATEST" in refused
    invoked = await call_ok(
        server, "invoke_durable_function", function_name="approval:$LATEST", payload={"order_id": "o-2"}, execution_name="invoked-1"
    )
    assert invoked["status_code"] == 202 and invoked["execution_arn"]
    listed = await call_ok(server, "list_durable_executions", function_name="approval")
    assert "invoked-1" in [e["name"] for e in listed["executions"]]
    unknown = await call_error(server, "invoke_durable_function", function_name="nope:1")
    assert "not found" in unknown


async def test_bad_inputs_are_refused_with_the_fix(server: Any) -> None:
    outside = await call_error(server, "run_durable_function_locally", handler="../../etc/passwd.py:handler")
    assert "outside the workspace" in outside
    plain = await call_error(server, "run_durable_function_locally", handler="checks/plain.py:handler")
    assert "does not exist" in plain
    malformed = await call_error(server, "diagnose_durable_execution", execution_arn="not an arn")
    assert "not a durable execution ARN" in malformed
    unknown = await call_error(
        server, "diagnose_durable_execution", execution_arn="00000000-0000-0000-0000-000000000000/00000000-0000-0000-0000-000000000000"
    )
    assert "Unknown execution" in unknown and "as long as this server process" in unknown
    truncated = await call_error(server, "send_durable_callback", callback_id="bm9wZQ==")
    assert "truncated" in truncated
    unknown_callback = await call_error(server, "send_durable_callback", callback_id="bm9wZSBub3BlIG5vcGUgbm9wZQ==")
    assert "callback" in unknown_callback.lower()


async def test_names_with_a_trailing_newline_are_refused(server: Any) -> None:
    bad_name = await call_error(server, "run_durable_function_locally", handler="convert.py:handler",
                                functions={"fx-rates\n": "checks/rates.py:handler"})
    assert "fx-rates" in bad_name


async def test_a_python_handler_that_cannot_load_is_refused_before_it_runs(server: Any) -> None:
    workspace = executions_context(server).settings.workspace_root
    (workspace / "typo.py").write_text(
        "from aws_durable_execution_sdk_python import durable_execution\n\n\n"
        "@durable_execution\ndef handler(event, context):\n    return context.step(lambda _: 1, name='one'\n"
    )
    started = time.monotonic()
    syntax = await call_error(server, "run_durable_function_locally", handler="typo.py:handler")
    assert "typo.py:" in syntax and "syntax error" in syntax
    missing = await call_error(server, "run_durable_function_locally", handler="approval.py:nothere")
    assert "defines no 'nothere'" in missing and "handler" in missing
    assert time.monotonic() - started < 5  # no emulator retries
    # Python 3.12+ syntax is what Lambda's 3.13 runtime reads: not refused on an older server
    (workspace / "modern.py").write_text(
        "from aws_durable_execution_sdk_python import durable_execution\n\n"
        "type Order = dict[str, int]\n\n\n"
        "def first[T](items: list[T]) -> T:\n    return items[0]\n\n\n"
        "@durable_execution\ndef handler(event, context):\n    return context.step(lambda _: 1, name='one')\n"
    )
    from lambda_durable_mcp.local.handlers import parse_handler

    assert parse_handler(workspace, "modern.py:handler").python_problem() is None


async def test_functions_make_plain_invoke_targets_available(server: Any) -> None:
    run = await call_ok(
        server, "run_durable_function_locally", handler="convert.py:handler", input={"currency": "EUR", "amount": 8},
        functions={"fx-rates": "checks/rates.py:handler"},
    )
    assert run["status"] == "SUCCEEDED", run
    assert run["result"] == {"amount": 10.0}


async def test_local_runs_work_without_the_local_flag(tmp_path: Path) -> None:
    """Without --local the emulator starts on demand, and local ARNs and callback ids route to it."""
    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    srv = build_server(make_settings(workspace_root=tmp_path, allow_write=True))
    try:
        run = await call_ok(srv, "run_durable_function_locally", handler="approval.py:handler", input={"order_id": "o-4"})
        assert run["status"] == "SUSPENDED"
        diagnosis = await call_ok(srv, "diagnose_durable_execution", execution_arn=run["execution_arn"])
        sent = await call_ok(srv, "send_durable_callback", callback_id=diagnosis["waiting_on"][0]["callback_id"], result="yes")
        assert sent["status"] == "SUCCEEDED"
        listed = await call_ok(srv, "list_durable_executions", function_name="approval")
        assert [e["execution_arn"] for e in listed["executions"]] == [run["execution_arn"]]
    finally:
        executions_context(srv).shutdown()


async def test_request_response_invoke_waits_for_the_outcome(server: Any) -> None:
    await call_ok(server, "run_durable_function_locally", handler="failing_step.py:handler")
    failed = await call_ok(server, "invoke_durable_function", function_name="failing_step:$LATEST", invocation_type="RequestResponse")
    assert failed["status_code"] == 200 and failed["status"] == "FAILED"
    assert failed["error"]["error_type"] == "StepError"
    assert "card 4242" in failed["error"]["error_message"]


async def test_a_handler_that_cannot_start_is_named_with_its_error(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="broken_import.py:handler")
    assert run["status"] == "FAILED"
    assert run["error"].startswith("ModuleNotFoundError: No module named 'not_installed_anywhere'")
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    assert diagnosis["root_cause"]["error_type"] == "ModuleNotFoundError"
    assert "every invocation" in diagnosis["summary"]


async def test_a_succeeded_execution_diagnoses_with_every_key(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="convert.py:handler", input={"currency": "USD", "amount": 2},
                     functions={"fx-rates": "checks/rates.py:handler"})
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    assert diagnosis["status"] == "SUCCEEDED" and diagnosis["root_cause"] is None
    assert set(diagnosis) >= {"status", "summary", "root_cause", "waiting_on", "timeline", "next_steps", "guide"}


async def test_endpoint_url_points_the_tools_at_another_emulator(tmp_path: Path) -> None:
    """--endpoint-url: the same boto3 code, against an emulator this server did not start."""
    from lambda_durable_mcp.local.emulator import LocalEmulator
    from lambda_durable_mcp.local.handlers import parse_handler

    shutil.copytree(FIXTURES, tmp_path, dirs_exist_ok=True)
    other = LocalEmulator(tmp_path)
    try:
        url = other.ensure_started()
        prepared = other.register(parse_handler(tmp_path, "failing_step.py:handler"))
        arn = other.start_execution(prepared.function_name, "{}")
        assert other.wait(arn, 30).status == "FAILED"
        srv = build_server(make_settings(workspace_root=tmp_path, endpoint_url=url))
        diagnosis = await call_ok(srv, "diagnose_durable_execution", execution_arn=arn)
        assert diagnosis["root_cause"]["operation_name"] == "charge-card"
        listed = await call_ok(srv, "list_durable_executions", function_name=prepared.function_name)
        assert [e["execution_arn"] for e in listed["executions"]] == [arn]
        assert executions_context(srv).local_started() is False
    finally:
        other.stop()


async def test_a_hanging_execution_elsewhere_does_not_block_a_suspension(server: Any) -> None:
    await call_ok(server, "run_durable_function_locally", handler="misbehaving.py:hang", timeout_seconds=1)
    hanging = await call_ok(server, "invoke_durable_function", function_name="misbehaving-hang:$LATEST", execution_name="hangs-on")
    try:
        started = time.monotonic()
        run = await call_ok(server, "run_durable_function_locally", handler="approval.py:handler", input={"order_id": "o-2"},
                         timeout_seconds=20)
        assert run["status"] == "SUSPENDED" and time.monotonic() - started < 10
    finally:
        await call_ok(server, "stop_durable_execution", execution_arn=hanging["execution_arn"])


async def test_functions_accept_qualified_names_and_arns_and_show_the_targets_output(server: Any) -> None:
    """DUR032 asks for qualified invokes: functions={"fx-rates:prod": ...} serves context.invoke("fx-rates:prod"),
    and the plain target's own output comes back in the caller's output."""
    workspace = executions_context(server).settings.workspace_root
    (workspace / "convert_prod.py").write_text(
        "from aws_durable_execution_sdk_python import DurableContext, durable_execution\n\n\n"
        "@durable_execution\ndef handler(event, context: DurableContext):\n"
        "    rate = context.invoke('fx-rates:prod', {'currency': 'EUR'}, name='get-rate')\n"
        "    fee = context.invoke('arn:aws:lambda:us-west-2:123456789012:function:fx-fees:live', {}, name='get-fee')\n"
        "    return {'amount': 8 * rate['rate'] + fee['fee']}\n"
    )
    (workspace / "checks" / "fees.py").write_text(
        "def handler(event, context):\n    print('fee lookup from', context.invoked_function_arn)\n    return {'fee': 1}\n"
    )
    (workspace / "checks" / "rates_logged.py").write_text(
        "def handler(event, context):\n    print('rate lookup for', event['currency'])\n    return {'rate': 1.25}\n"
    )
    run = await call_ok(
        server, "run_durable_function_locally", handler="convert_prod.py:handler",
        functions={
            "fx-rates:prod": "checks/rates_logged.py:handler",
            "arn:aws:lambda:us-west-2:123456789012:function:fx-fees:live": "checks/fees.py:handler",
        },
    )
    assert run["status"] == "SUCCEEDED", run
    assert run["result"] == {"amount": 11.0}
    assert "[fx-rates] rate lookup for EUR" in run["output"], run["output"]
    assert any(line.startswith("[fx-fees] fee lookup from") and line.endswith("function:fx-fees:live") for line in run["output"]), run


async def test_a_malformed_function_name_says_what_forms_are_accepted(server: Any) -> None:
    refused = await call_error(server, "run_durable_function_locally", handler="convert.py:handler",
                               functions={"fx rates": "checks/rates.py:handler"})
    assert "'fx rates'" in refused and "name:qualifier" in refused
    two = await call_error(server, "run_durable_function_locally", handler="convert.py:handler",
                           functions={"fx-rates:prod": "checks/rates.py:handler", "fx-rates:dev": "checks/credit.py:handler"})
    assert "'fx-rates' two handlers" in two and "give it once" in two


async def test_diagnose_explains_a_success_that_left_a_callback_open(server: Any) -> None:
    """A catch-all except swallowed the suspension: the execution 'succeeded' without its answer."""
    run = await call_ok(server, "run_durable_function_locally", handler="swallowed.py:handler")
    assert run["status"] == "SUCCEEDED"
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    assert "still open" in diagnosis["summary"] and "warehouse-confirmation" in diagnosis["summary"]
    assert "DUR016" in " ".join(diagnosis["next_steps"]) and diagnosis["guide"] == "error-handling"


async def test_diagnose_of_a_rejected_callback_gives_no_timeout_advice(server: Any) -> None:
    run = await call_ok(server, "run_durable_function_locally", handler="approval.py:handler", input={"order_id": "o-9"})
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    callback_id = diagnosis["waiting_on"][0]["callback_id"]
    await call_ok(server, "send_durable_callback", callback_id=callback_id, outcome="failure",
                  error_type="Rejected", error_message="manager rejected")
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    assert "was failed by the callback sender" in diagnosis["summary"]
    steps = " ".join(diagnosis["next_steps"])
    assert "timeout" not in steps and "catch the callback error" in steps


@pytest.mark.parametrize(("handler", "rule", "where"), [
    ("nested_step.py:handler", "DUR010", "while step 'send-all' was running"),
    ("map_parent_context.py:handler", "DUR011", "on an outer context while"),
])
async def test_diagnose_names_an_operation_started_inside_a_step_or_body(
        server: Any, handler: str, rule: str, where: str) -> None:
    """The Python SDK records these without an error; replay then diverges. The diagnosis names the
    structural cause instead of advising to move a non-deterministic value."""
    run = await call_ok(server, "run_durable_function_locally", handler=handler)
    diagnosis = await call_ok(server, "diagnose_durable_execution", execution_arn=run["execution_arn"])
    assert diagnosis["status"] == "FAILED", diagnosis
    assert where in diagnosis["summary"] and rule in diagnosis["summary"], diagnosis["summary"]
    assert "non-deterministic value" not in diagnosis["next_steps"][0]
