"""Diagnosis and timelines from hand-made histories: missing optional fields, huge histories."""

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import mcp
from botocore.stub import Stubber
from conftest import make_settings, tool_text

from lambda_durable_mcp.aws.durable import DurableApi
from lambda_durable_mcp.executions.diagnose import diagnose
from lambda_durable_mcp.executions.history import build_history
from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools.executions import executions_context

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/big/0001"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def ev(i: int, kind: str, op: str, name: str | None = None, parent: str | None = None, **details: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"EventId": i, "EventType": kind, "Id": op, "EventTimestamp": T0 + timedelta(seconds=i)}
    if name:
        out["Name"] = name
    if parent:
        out["ParentId"] = parent
    if details:
        out[f"{kind}Details"] = details
    return out


def test_minimal_events_without_optional_fields() -> None:
    """No details at all on most events, no RetryDetails, no InvocationCompletedDetails."""
    events = [
        ev(1, "ExecutionStarted", "x"),
        ev(2, "StepStarted", "a", "fetch"),
        ev(3, "StepFailed", "a", "fetch"),
        {"EventType": "InvocationCompleted", "EventId": 4},
        ev(5, "StepStarted", "a", "fetch"),
        ev(6, "StepFailed", "a", "fetch", Error={"Payload": {"ErrorType": "Timeout"}}),
        ev(7, "ExecutionFailed", "x"),
    ]
    history = build_history(events)
    assert history.by_id["a"].attempts == 2
    result = diagnose(history, data_included=False)
    assert result.root_cause is not None
    assert (result.root_cause.operation_name, result.root_cause.error_type) == ("fetch", "Timeout")


def test_caught_step_failure_is_not_the_root_cause() -> None:
    events = [
        ev(1, "ExecutionStarted", "x", "run"),
        ev(2, "StepStarted", "a", "optional-enrich"),
        ev(3, "StepFailed", "a", "optional-enrich", Error={"Payload": {"ErrorType": "Flaky", "ErrorMessage": "503"}}),
        ev(4, "StepStarted", "b", "save"),
        ev(5, "StepSucceeded", "b", "save"),
        ev(6, "ExecutionFailed", "x", "run", Error={"Payload": {"ErrorType": "KeyError", "ErrorMessage": "'total'"}}),
    ]
    result = diagnose(build_history(events), data_included=True)
    assert result.root_cause is not None and result.root_cause.operation_type == "EXECUTION"
    assert result.root_cause.error_type == "KeyError"
    assert "outside any durable operation" in result.summary


def test_running_execution_says_what_it_waits_on() -> None:
    events = [
        ev(1, "ExecutionStarted", "x", "run"),
        ev(2, "WaitStarted", "w", "cool-off", Duration=3600, ScheduledEndTimestamp=T0 + timedelta(hours=1)),
        ev(3, "ContextStarted", "c", "approve"),
        ev(4, "CallbackStarted", "cb", "approve create callback id", "c", CallbackId="Q0I=", Timeout=600),
    ]
    history = build_history(events)
    history.by_id["c"].sub_type = "WaitForCallback"
    result = diagnose(history, data_included=False)
    assert result.status == "RUNNING"
    kinds = {w.operation_type: w for w in result.waiting_on}
    assert kinds["WAIT"].timeout == "2026-11-27T10:00:00.000Z"
    assert kinds["CALLBACK"].operation_name == "approve" and kinds["CALLBACK"].callback_id == "Q0I="
    assert kinds["CALLBACK"].timeout == "2026-11-27T09:10:04.000Z"
    assert any("send_durable_callback" in step and "waiting_on" in step for step in result.next_steps)
    assert [w.callback_id for w in result.waiting_on if w.callback_id] == ["Q0I="]


async def test_ten_thousand_events_stay_under_the_response_budget() -> None:
    events = [ev(1, "ExecutionStarted", "x", "big")]
    for n in range(5_000):
        op = f"op{n:05d}"
        events.append(ev(len(events) + 1, "StepStarted", op, f"process-item-{n:05d}"))
        events.append(ev(len(events) + 1, "StepSucceeded", op, f"process-item-{n:05d}", Result={"Payload": "\"x\"" * 200}, RetryDetails={}))
    events = events[:10_000]
    client = boto3.session.Session(region_name="us-east-1").client("lambda")
    stub = Stubber(client)
    for _round in range(3):
        for page in range(10):
            chunk = events[page * 1000 : (page + 1) * 1000]
            response: dict[str, Any] = {"Events": chunk}
            if page < 9:
                response["NextMarker"] = f"m{page}"
            stub.add_response("get_durable_execution_history", response)
    server = build_server(make_settings(allow_sensitive_data_access=True))
    executions_context(server)._apis["remote|None"] = DurableApi(client)
    with stub:
        async with mcp.Client(server) as c:
            for args in ({"limit": 200}, {"limit": 200, "reverse": True}):
                result = await c.call_tool("get_durable_execution_history", {"execution_arn": ARN, **args})
                assert not result.is_error, tool_text(result)
                assert len(tool_text(result)) < 32_000
                assert result.structured_content["total"] == 5_000
                assert result.structured_content["next_cursor"]
            diagnosis = await c.call_tool("diagnose_durable_execution", {"execution_arn": ARN})
            assert len(tool_text(diagnosis)) < 32_000
            assert diagnosis.structured_content["status"] == "RUNNING"


def test_timed_out_execution_names_what_was_pending() -> None:
    events = [
        ev(1, "ExecutionStarted", "x", "slow", ExecutionTimeout=60),
        ev(2, "ContextStarted", "c", "sign-off"),
        ev(3, "CallbackStarted", "cb", None, "c", CallbackId="c2lnbi1vZmYtY2FsbGJhY2s="),
        ev(4, "ExecutionTimedOut", "x", "slow"),
    ]
    history = build_history(events)
    history.by_id["c"].sub_type = "WaitForCallback"
    result = diagnose(history, data_included=False)
    assert result.status == "TIMED_OUT"
    assert result.root_cause is None
    assert "60s" in result.summary and "sign-off" in result.summary
    assert result.guide == "troubleshooting-executions"


def test_a_step_between_attempts_is_waiting_for_its_retry() -> None:
    events = [
        ev(1, "ExecutionStarted", "x", "run"),
        ev(2, "StepStarted", "a", "call-partner"),
        ev(3, "StepFailed", "a", "call-partner", Error={"Payload": {"ErrorType": "Timeout"}},
           RetryDetails={"CurrentAttempt": 1, "NextAttemptDelaySeconds": 30}),
    ]
    result = diagnose(build_history(events), data_included=False)
    assert result.status == "RUNNING" and result.root_cause is None
    (waiting,) = result.waiting_on
    assert (waiting.operation_name, waiting.operation_type) == ("call-partner", "STEP")
    assert waiting.timeout == "2026-11-27T09:00:33.000Z"
    assert "retry of step 'call-partner'" in result.summary


def test_js_non_determinism_messages_name_the_operation() -> None:
    base = [
        ev(1, "ExecutionStarted", "x", "run"),
        ev(2, "WaitStarted", "a", "pause", Duration=1),
        ev(3, "WaitSucceeded", "a", "pause"),
        ev(4, "StepStarted", "b", "work-111"),
        ev(5, "StepSucceeded", "b", "work-111"),
    ]
    by_name = 'Operation name mismatch for step "2". Expected name "work-111", but got "work-222".'
    by_position = 'Operation type mismatch for step "2". Expected type "STEP", but got "WAIT".'
    for message in (by_name, by_position):
        failed = ev(6, "ExecutionFailed", "x", "run", Error={"Payload": {"ErrorType": "NonDeterministicExecutionError", "ErrorMessage": message}})
        result = diagnose(build_history([*base, failed]), data_included=True)
        assert result.kind == "non-determinism" and result.guide == "replay-model-rules"
        assert result.root_cause is not None and result.root_cause.operation_name == "work-111"
