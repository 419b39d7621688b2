"""The troubleshooting guide's commands, run against the durable execution API served by the testing
SDK's local emulator (the real routes under /2025-12-01/...), with real executions behind them.

Each `aws lambda <durable operation>` command of the guide is turned into the botocore call the
AWS CLI makes (flags -> members of the installed service model, --query applied with JMESPath)
and sent to the emulator; the boto3 snippet runs as written, pointed at the emulator."""

import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from conftest import free_port
from guide_blocks import blocks
from test_guides_code import cli_commands, lambda_model, paginators, xform

FUNCTION = "order-workflow"


def make_handler() -> Any:
    from aws_durable_execution_sdk_python import DurableContext, durable_execution
    from aws_durable_execution_sdk_python.config import Duration, StepConfig, WaitForCallbackConfig
    from aws_durable_execution_sdk_python.retries import RetryPresets

    def charge(_step: Any) -> None:
        raise RuntimeError("card declined")

    @durable_execution
    def handler(event: dict, context: DurableContext) -> dict:
        context.step(lambda _: {"ok": True}, name="load-order")
        if event.get("fail"):
            context.step(charge, name="charge-card", config=StepConfig(retry_strategy=RetryPresets.none()))
        raw = context.wait_for_callback(lambda cid, ctx: None, name="approval",
                                        config=WaitForCallbackConfig(timeout=Duration.from_hours(1)))
        return {"approval": raw}

    return handler


class Emulator:
    def __init__(self, url: str) -> None:
        self.url = url

    def start_execution(self, name: str, event: dict) -> str:
        body = {"AccountId": "123456789012", "FunctionName": FUNCTION, "FunctionQualifier": "live",
                "ExecutionName": name, "ExecutionTimeoutSeconds": 3600, "ExecutionRetentionPeriodDays": 7,
                "Input": json.dumps(event)}
        req = urllib.request.Request(self.url + "/start-durable-execution", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310 - localhost emulator
            return str(json.loads(resp.read())["ExecutionArn"])


@pytest.fixture(scope="module")
def emulator() -> Iterator[Emulator]:
    from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
    from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

    emu_port, lambda_port = free_port(), free_port()
    url = f"http://127.0.0.1:{emu_port}"
    saved = os.environ.get("AWS_ENDPOINT_URL_LAMBDA")
    os.environ["AWS_ENDPOINT_URL_LAMBDA"] = url  # the SDK inside the handler checkpoints here
    handler = make_handler()

    class LambdaEndpoint(BaseHTTPRequestHandler):
        """Lambda's Invoke API, as far as the emulator needs it: run the handler."""

        def do_POST(self) -> None:  # noqa: N802
            event = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            ctx = SimpleNamespace(aws_request_id="req-1", function_name=FUNCTION, function_version="1",
                                  invoked_function_arn=f"arn:aws:lambda:us-east-1:123456789012:function:{FUNCTION}:live",
                                  memory_limit_in_mb="128", log_group_name=f"/aws/lambda/{FUNCTION}",
                                  log_stream_name="s", tenant_id=None, client_context=None, identity=None,
                                  get_remaining_time_in_millis=lambda: 600_000)
            body = json.dumps(handler(event, ctx)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    lam = ThreadingHTTPServer(("127.0.0.1", lambda_port), LambdaEndpoint)
    threading.Thread(target=lam.serve_forever, daemon=True).start()
    runner = WebRunner(WebRunnerConfig(web_service=WebServiceConfig(host="127.0.0.1", port=emu_port),
                                       lambda_endpoint=f"http://127.0.0.1:{lambda_port}",
                                       local_runner_region="us-east-1", skip_time=True))
    runner.start()
    threading.Thread(target=runner.serve_forever, daemon=True).start()
    try:
        yield Emulator(url)
    finally:
        runner.stop()
        lam.shutdown()
        if saved is None:
            os.environ.pop("AWS_ENDPOINT_URL_LAMBDA", None)
        else:
            os.environ["AWS_ENDPOINT_URL_LAMBDA"] = saved


def client(url: str) -> Any:
    import boto3

    return boto3.client("lambda", endpoint_url=url, region_name="us-east-1")


def history(lam: Any, arn: str) -> list[dict]:
    return list(lam.get_durable_execution_history(DurableExecutionArn=arn)["Events"])


def wait_for(lam: Any, arn: str, event_type: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for e in history(lam, arn):
            if e["EventType"] == event_type:
                return e
        time.sleep(0.1)
    raise AssertionError(f"{arn}: no {event_type} within {timeout}s: {[e['EventType'] for e in history(lam, arn)]}")


def cli_to_call(words: list[str]) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """What `aws lambda <op> ...` sends: (operation, parameters, CLI options like --query/--max-items)."""
    model = lambda_model()
    op = next(o for o in model.operation_names if xform(o) == words[2].replace("-", "_"))
    members = model.operation_model(op).input_shape.members
    by_flag = {"--" + xform(m).replace("_", "-"): m for m in members}
    params: dict[str, Any] = {}
    options: dict[str, Any] = {}
    i = 3
    while i < len(words):
        flag = words[i]
        values = []
        while i + 1 < len(words) and not words[i + 1].startswith("--"):
            i += 1
            values.append(words[i])
        i += 1
        if flag in ("--query", "--max-items", "--output", "--cli-binary-format", "--starting-token"):
            options[flag] = values[0]
            continue
        negated = flag.startswith("--no-") and "--" + flag[5:] in by_flag
        name = by_flag["--" + flag[5:]] if negated else by_flag[flag]
        shape = members[name]
        if shape.type_name == "boolean":
            params[name] = not negated
        elif shape.type_name == "list":
            params[name] = values
        elif shape.type_name == "integer":
            params[name] = int(values[0])
        elif shape.type_name == "structure":  # CLI shorthand: Key=Value,Key=Value
            params[name] = dict(pair.split("=", 1) for pair in values[0].split(","))
        else:
            params[name] = values[0]
    return op, params, options


def run_cli(lam: Any, words: list[str]) -> Any:
    import jmespath
    from botocore.utils import parse_timestamp

    op, params, options = cli_to_call(words)
    for name in [n for n in params if n in ("StartedAfter", "StartedBefore")]:
        # botocore sends ISO 8601 as the model says; the emulator only filters on epoch seconds and
        # drops every execution otherwise. The value must still be a valid timestamp.
        parse_timestamp(params.pop(name))
    if op in paginators() and "--max-items" in options:
        pages = lam.get_paginator(xform(op)).paginate(
            **params, PaginationConfig={"MaxItems": int(options["--max-items"])})
        result: Any = pages.build_full_result()
    else:
        result = getattr(lam, xform(op))(**params)
    if "--query" in options:
        result = jmespath.search(options["--query"], result)
    return result


def guide_commands() -> list[list[str]]:
    out = []
    durable = {xform(o).replace("_", "-") for o in lambda_model().operation_names if "Durable" in o}
    for b in blocks("troubleshooting-executions"):
        if b.lang == "bash":
            out += [w for w in cli_commands(b) if w[1] == "lambda" and w[2] in durable]
    return out


def test_troubleshooting_commands_run_against_the_durable_api(emulator: Emulator) -> None:
    lam = client(emulator.url)
    failed = emulator.start_execution("order-1234", {"orderId": "1234", "fail": True})
    waiting = emulator.start_execution("order-5678", {"orderId": "5678"})
    to_stop = emulator.start_execution("order-9999", {"orderId": "9999"})
    wait_for(lam, failed, "ExecutionFailed")
    callback_id = wait_for(lam, waiting, "CallbackStarted")["CallbackStartedDetails"]["CallbackId"]
    wait_for(lam, to_stop, "CallbackStarted")

    commands = guide_commands()
    ran = set()
    for words in commands:
        op = words[2]
        target = to_stop if op == "stop-durable-execution" else failed
        words = [w.replace("$EXECUTION_ARN", target).replace("$CALLBACK_ID", callback_id) for w in words]
        result = run_cli(lam, words)
        ran.add(op)
        if op == "list-durable-executions-by-function":
            names = {e["DurableExecutionName"] for e in result["DurableExecutions"]}
            assert "order-1234" in names
        elif op == "get-durable-execution":
            assert result["Status"] == "FAILED"
        elif op == "get-durable-execution-history" and "--query" in words:
            assert [e["EventType"] for e in result] == ["ExecutionFailed", "StepFailed"]
            assert result[1]["StepFailedDetails"]["Error"]["Payload"]["ErrorMessage"] == "card declined"
        elif op == "get-durable-execution-history":
            assert result["Events"][0]["EventType"] == "ExecutionStarted"
    assert ran >= {"list-durable-executions-by-function", "get-durable-execution", "get-durable-execution-history",
                   "send-durable-execution-callback-success", "stop-durable-execution"}, ran

    wait_for(lam, waiting, "ExecutionSucceeded")
    wait_for(lam, to_stop, "ExecutionStopped")
    done = lam.get_durable_execution(DurableExecutionArn=waiting, IncludeExecutionData=True)
    assert json.loads(done["Result"]) == {"approval": '{"approved": false}'}


def test_troubleshooting_boto3_snippet_runs_as_written(emulator: Emulator, monkeypatch: Any,
                                                        capsys: Any) -> None:
    import boto3

    lam = client(emulator.url)
    arn = emulator.start_execution("order-4321", {"orderId": "4321", "fail": True})
    wait_for(lam, arn, "ExecutionFailed")
    snippet = next(b for b in blocks("troubleshooting-executions") if b.lang == "python" and "boto3" in b.code)
    real_client = boto3.client
    monkeypatch.setattr(boto3, "client", lambda name, **kw: real_client(name, endpoint_url=emulator.url,
                                                                          region_name="us-east-1", **kw))
    code = snippet.code.replace('execution_arn = "', f'execution_arn = "{arn}"  # was "', 1)
    exec(compile(code, snippet.where, "exec"), {"__name__": "__guide__"})  # noqa: S102
    out = capsys.readouterr().out
    assert out.startswith("FAILED")
    assert "StepFailed charge-card Step" in out


def open_callback(emulator: Emulator, lam: Any, name: str) -> tuple[str, str]:
    arn = emulator.start_execution(name, {"orderId": name})
    return arn, wait_for(lam, arn, "CallbackStarted")["CallbackStartedDetails"]["CallbackId"]


def test_callback_commands_of_the_wait_guide_complete_real_callbacks(emulator: Emulator, monkeypatch: Any) -> None:
    import boto3

    lam = client(emulator.url)
    outcome = {"send-durable-execution-callback-success": "ExecutionSucceeded",
               "send-durable-execution-callback-failure": "ExecutionFailed"}
    commands = [w for b in blocks("wait-operations") if b.lang == "bash" for w in cli_commands(b)]
    assert {w[2] for w in commands} == {*outcome, "send-durable-execution-callback-heartbeat"}
    for n, words in enumerate(commands):
        arn, callback_id = open_callback(emulator, lam, f"cli-{n}")
        run_cli(lam, [w.replace("$CALLBACK_ID", callback_id) for w in words])
        if words[2] in outcome:
            wait_for(lam, arn, outcome[words[2]])
        else:
            assert lam.get_durable_execution(DurableExecutionArn=arn)["Status"] == "RUNNING"

    snippet = next(b for b in blocks("wait-operations") if b.lang == "python" and "boto3" in b.code)
    real_client = boto3.client
    monkeypatch.setattr(boto3, "client", lambda name, **kw: real_client(name, endpoint_url=emulator.url,
                                                                          region_name="us-east-1", **kw))
    ns: dict[str, Any] = {"__name__": "__guide__"}
    exec(compile(snippet.code, snippet.where, "exec"), ns)  # noqa: S102
    approved, approved_id = open_callback(emulator, lam, "sdk-approve")
    rejected, rejected_id = open_callback(emulator, lam, "sdk-reject")
    ns["still_working"](approved_id)
    ns["approve"](approved_id)
    ns["reject"](rejected_id, "Budget exceeded")
    wait_for(lam, approved, "ExecutionSucceeded")
    failed = wait_for(lam, rejected, "ExecutionFailed")
    assert failed["ExecutionFailedDetails"]["Error"]["Payload"]["ErrorMessage"] == "Budget exceeded"
