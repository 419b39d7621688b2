"""The AWS path: request parameters, pagination and error mapping, with botocore's Stubber."""

from datetime import UTC, datetime
from typing import Any

import boto3
import mcp
import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.stub import Stubber
from conftest import make_settings, tool_text

from lambda_durable_mcp.aws.durable import DurableApi, check_execution_arn
from lambda_durable_mcp.aws.errors import AwsCallError, explain
from lambda_durable_mcp.server import build_server
from lambda_durable_mcp.tools.executions import executions_context

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:3/durable-execution/order-42/1a2b3c4d"
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def lambda_client() -> Any:
    return boto3.session.Session(region_name="us-east-1").client("lambda")


def server_with(client: Any, **flags: Any) -> Any:
    srv = build_server(make_settings(allow_write=True, **flags))
    ctx = executions_context(srv)
    ctx._apis["remote|None"] = DurableApi(client)
    return srv


async def call(srv: Any, tool: str, **args: Any) -> Any:
    async with mcp.Client(srv) as client:
        return await client.call_tool(tool, args)


def event(event_id: int, event_type: str, op_id: str, name: str | None = None, **details: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"EventId": event_id, "EventType": event_type, "Id": op_id, "EventTimestamp": T0}
    if name:
        out["Name"] = name
    if details:
        out[f"{event_type}Details"] = details
    return out


async def test_diagnose_on_aws_pages_through_history_without_execution_data() -> None:
    client = lambda_client()
    stub = Stubber(client)
    page1 = [
        event(1, "ExecutionStarted", "exec", "order-42"),
        event(2, "StepStarted", "s1", "reserve"),
        event(3, "StepFailed", "s1", "reserve", Error={"Payload": {"ErrorType": "OutOfStock"}}, RetryDetails={"CurrentAttempt": 2}),
    ]
    page2 = [event(4, "ExecutionFailed", "exec", "order-42", Error={"Payload": {"ErrorType": "StepError"}})]
    expected = {"DurableExecutionArn": ARN, "IncludeExecutionData": False, "MaxItems": 1000}
    stub.add_response("get_durable_execution_history", {"Events": page1, "NextMarker": "m1"}, expected)
    stub.add_response("get_durable_execution_history", {"Events": page2}, {**expected, "Marker": "m1"})
    with stub:
        result = await call(server_with(client), "diagnose_durable_execution", execution_arn=ARN)
    assert not result.is_error, tool_text(result)
    data = result.structured_content
    assert data["root_cause"]["operation_name"] == "reserve"
    assert data["root_cause"]["error_type"] == "OutOfStock"
    assert "--allow-sensitive-data-access" in data["note"]
    stub.assert_no_pending_responses()


@pytest.mark.parametrize(
    ("code", "status", "expect"),
    [
        ("AccessDeniedException", 403, "lambda:GetDurableExecutionHistory"),
        ("ExpiredTokenException", 400, "expired"),
        ("TooManyRequestsException", 429, "throttled even after retries"),
        ("ResourceNotFoundException", 404, "Unknown execution"),
        ("404", 404, "Unknown execution"),  # the local emulator: no X-Amzn-ErrorType, status as code
        ("KMSAccessDeniedException", 502, "KMSAccessDeniedException"),
    ],
)
async def test_aws_errors_become_tool_errors_with_the_fix(code: str, status: int, expect: str) -> None:
    client = lambda_client()
    stub = Stubber(client)
    stub.add_client_error(
        "get_durable_execution_history", service_error_code=code, service_message="Execution not found" if code == "404" else "nope",
        http_status_code=status,
    )
    with stub:
        result = await call(server_with(client), "get_durable_execution_history", execution_arn=ARN)
    assert result.is_error
    assert expect in tool_text(result)
    assert "Traceback" not in tool_text(result)


async def test_malformed_arn_is_refused_before_any_call() -> None:
    client = lambda_client()
    stub = Stubber(client)
    with stub:
        result = await call(server_with(client), "stop_durable_execution", execution_arn="arn:aws:lambda:us-east-1:123:function:x")
    assert result.is_error and "not a durable execution ARN" in tool_text(result)
    stub.assert_no_pending_responses()


async def test_unqualified_invoke_is_refused_and_qualified_invoke_returns_the_arn() -> None:
    client = lambda_client()
    stub = Stubber(client)
    stub.add_response(
        "invoke",
        {"StatusCode": 202, "DurableExecutionArn": ARN},
        {"FunctionName": "orders:3", "InvocationType": "Event", "Payload": b'{"id": 1}', "DurableExecutionName": "order-42"},
    )
    stub.add_response("get_durable_execution", {
        "DurableExecutionArn": ARN, "DurableExecutionName": "order-42", "FunctionArn": ARN.split("/")[0],
        "Status": "RUNNING", "StartTimestamp": T0,
    })
    srv = server_with(client)
    with stub:
        refused = await call(srv, "invoke_durable_function", function_name="arn:aws:lambda:us-east-1:123456789012:function:orders")
        assert refused.is_error and "version or alias" in tool_text(refused)
        result = await call(srv, "invoke_durable_function", function_name="orders:3", payload={"id": 1}, execution_name="order-42")
    assert not result.is_error, tool_text(result)
    assert result.structured_content["execution_arn"] == ARN
    assert result.structured_content["status"] == "RUNNING"


async def test_callback_outcomes_send_the_right_api_calls() -> None:
    client = lambda_client()
    stub = Stubber(client)
    stub.add_response("send_durable_execution_callback_success", {}, {"CallbackId": "Y2FsbGJhY2staWQtMDAwMQ==", "Result": b'{"ok": true}'})
    stub.add_response(
        "send_durable_execution_callback_failure", {},
        {"CallbackId": "Y2FsbGJhY2staWQtMDAwMQ==", "Error": {"ErrorType": "Rejected", "ErrorMessage": "no"}},
    )
    stub.add_response("send_durable_execution_callback_heartbeat", {}, {"CallbackId": "Y2FsbGJhY2staWQtMDAwMQ=="})
    stub.add_client_error("send_durable_execution_callback_success", "CallbackTimeoutException", "timed out", 400)
    srv = server_with(client)
    with stub:
        assert not (await call(srv, "send_durable_callback", callback_id="Y2FsbGJhY2staWQtMDAwMQ==", result={"ok": True})).is_error
        assert not (await call(srv, "send_durable_callback", callback_id="Y2FsbGJhY2staWQtMDAwMQ==", outcome="failure", error_type="Rejected", error_message="no")).is_error
        assert not (await call(srv, "send_durable_callback", callback_id="Y2FsbGJhY2staWQtMDAwMQ==", outcome="heartbeat")).is_error
        late = await call(srv, "send_durable_callback", callback_id="Y2FsbGJhY2staWQtMDAwMQ==", result="x")
    assert late.is_error and "already timed out" in tool_text(late)
    stub.assert_no_pending_responses()


async def test_list_filters_statuses_and_pages_with_a_cursor() -> None:
    client = lambda_client()
    stub = Stubber(client)
    executions = [
        {"DurableExecutionArn": ARN.replace("1a2b3c4d", f"id{i}"), "DurableExecutionName": f"e{i}", "FunctionArn": ARN.split("/")[0],
         "Status": "FAILED" if i % 2 else "SUCCEEDED", "StartTimestamp": T0}
        for i in range(6)
    ]
    stub.add_response("list_durable_executions_by_function", {"DurableExecutions": executions[:3], "NextMarker": "p2"})
    stub.add_response("list_durable_executions_by_function", {"DurableExecutions": executions[3:]})
    stub.add_response("list_durable_executions_by_function", {"DurableExecutions": executions[3:]})
    srv = server_with(client)
    with stub:
        first = await call(srv, "list_durable_executions", function_name="orders", statuses=["FAILED"], limit=2)
        assert not first.is_error, tool_text(first)
        names = [e["name"] for e in first.structured_content["executions"]]
        assert names == ["e1", "e3"]
        rest = await call(srv, "list_durable_executions", function_name="orders", statuses=["FAILED"], limit=2,
                          cursor=first.structured_content["next_cursor"])
    assert [e["name"] for e in rest.structured_content["executions"]] == ["e5"]


def test_explain_maps_credential_problems() -> None:
    assert "No AWS credentials" in str(explain(NoCredentialsError(), "GetDurableExecution"))
    denied = ClientError({"Error": {"Code": "AccessDeniedException", "Message": "not authorized"}}, "StopDurableExecution")
    error = explain(denied, "StopDurableExecution", ARN)
    assert isinstance(error, AwsCallError) and "lambda:StopDurableExecution" in str(error)


def test_execution_arn_pattern_comes_from_the_service_model() -> None:
    assert check_execution_arn(ARN, emulator=False) == ARN
    with pytest.raises(AwsCallError):
        check_execution_arn(ARN.replace(":3/", ":prod/"), emulator=False)  # aliases are not in execution ARNs
    local = "0f3c2b1a-1111-4a4a-9b9b-123456789abc/0f3c2b1a-1111-4a4a-9b9b-123456789abc"
    assert check_execution_arn(local, emulator=True) == local
    with pytest.raises(AwsCallError):
        check_execution_arn(local, emulator=False)


async def test_diagnosis_adds_the_executions_cloudwatch_lines_with_the_flag() -> None:
    client = lambda_client()
    stub = Stubber(client)
    stub.add_response("get_durable_execution_history", {"Events": [
        event(1, "ExecutionStarted", "exec", "order-42"),
        event(2, "StepStarted", "s1", "charge"),
        event(3, "StepFailed", "s1", "charge", Error={"Payload": {"ErrorType": "Declined", "ErrorMessage": "card declined"}},
              RetryDetails={"CurrentAttempt": 1}),
        event(4, "ExecutionFailed", "exec", "order-42", Error={"Payload": {"ErrorType": "StepError", "ErrorMessage": "card declined"}}),
    ]})
    stub.add_response(
        "get_function_configuration",
        {"FunctionName": "orders", "LoggingConfig": {"LogGroup": "/custom/orders"}},
        {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:orders"},
    )
    logs = boto3.session.Session(region_name="us-east-1").client("logs")
    logs_stub = Stubber(logs)
    logs_stub.add_response(
        "filter_log_events",
        {"events": [
            {"message": "1a2b3c4d INFO charging card with key AKIAIOSFODNN7EXAMPLE"},
            {"message": "1a2b3c4d ERROR Declined: card declined"},
        ]},
        {"logGroupName": "/custom/orders", "filterPattern": '"1a2b3c4d"', "limit": 50, "startTime": int(T0.timestamp() * 1000) - 60_000},
    )
    srv = server_with(client, allow_sensitive_data_access=True)
    executions_context(srv)._logs = logs
    with stub, logs_stub:
        result = await call(srv, "diagnose_durable_execution", execution_arn=ARN)
    assert not result.is_error, tool_text(result)
    lines = result.structured_content["logs"]
    assert any("ERROR Declined" in line for line in lines)
    assert not any("AKIAIOSFODNN7EXAMPLE" in line for line in lines)
    assert result.structured_content["root_cause"]["error_message"] == "card declined"


async def test_a_function_that_is_not_durable_is_explained() -> None:
    client = lambda_client()
    stub = Stubber(client)
    stub.add_client_error(
        "invoke", "InvalidParameterValueException",
        "DurableExecutionName is not supported: function orders is not a durable function", 400,
    )
    with stub:
        result = await call(server_with(client), "invoke_durable_function", function_name="orders:1", execution_name="e1")
    assert result.is_error and "DurableConfig" in tool_text(result)
