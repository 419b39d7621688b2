"""Faults: AWS endpoints that hang, fail, throttle or drop the connection, played by a fake HTTP
server on 127.0.0.1 (real sockets, real boto3, the real MCP client).

Every tool must come back with a tool error that says what happened and what to do, after a
bounded number of requests (botocore's standard retry mode: MAX_ATTEMPTS attempts for 5xx,
throttling, timeouts and dropped connections; one for a request the service refuses), in bounded
time; and the same server answers the next call.
"""

import json
import os
import re
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import mcp
import pytest
from conftest import connect, make_settings, tool_text
from mcp.client.stdio import StdioServerParameters

from lambda_durable_mcp.aws.session import MAX_ATTEMPTS, READ_TIMEOUT_ENV

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:3/durable-execution/order-42/1a2b3c4d"
CALLBACK_ID = "Y2FsbGJhY2staWQtMDAwMDAwMDE="  # base64, not the local emulator's JSON form
HANG_READ_TIMEOUT_S = 1.0  # LAMBDA_DURABLE_MCP_AWS_READ_TIMEOUT for the "hang" mode only

# (tool, arguments, what the message must name: the operation or what the tool was doing)
READ_TOOLS: list[tuple[str, dict[str, Any]]] = [
    ("list_durable_executions", {"function_name": "orders"}),
    ("get_durable_execution_history", {"execution_arn": ARN}),
    ("diagnose_durable_execution", {"execution_arn": ARN}),
    ("check_durable_deployment", {"function_name": "orders", "qualifier": "live"}),
]
WRITE_TOOLS: list[tuple[str, dict[str, Any]]] = [
    ("send_durable_callback", {"callback_id": CALLBACK_ID, "result": {"approved": True}}),
    ("stop_durable_execution", {"execution_arn": ARN}),
    ("invoke_durable_function", {"function_name": "orders:live", "execution_name": "order-43", "payload": {"id": 43}}),
]
TOOLS = READ_TOOLS + WRITE_TOOLS


# -- the fake AWS endpoint ------------------------------------------------------------------------
class FakeAws(ThreadingHTTPServer):
    """Answers every request according to ``mode``; records (method, path) of each request."""

    daemon_threads = True

    def __init__(self, mode: str, answers: dict[str, Any] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = mode
        self.answers = answers or {}  # mode "ok": path regex -> JSON body
        self.requests: list[tuple[str, str]] = []
        self.execution_names: list[str | None] = []  # Invoke's X-Amz-Durable-Execution-Name, per request
        self.release = threading.Event()  # ends hanging requests at teardown
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, method: str, path: str, execution_name: str | None) -> None:
        with self._lock:
            self.requests.append((method, path))
            self.execution_names.append(execution_name)


class _Handler(BaseHTTPRequestHandler):
    server: FakeAws
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.record(self.command, self.path, self.headers.get("X-Amz-Durable-Execution-Name"))
        query_protocol = "x-www-form-urlencoded" in (self.headers.get("Content-Type") or "")  # IAM, STS
        mode = self.server.mode
        if mode == "hang":  # accept, read the request, never answer
            self.server.release.wait(30)
            self.close_connection = True
            return
        if mode == "drop":  # close the connection without a response
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if mode == "500":  # what Lambda itself answers on an internal error
            self._send(500, {"Type": "Service", "message": "An internal error occurred"}, "ServiceException")
        elif mode == "503":  # a load balancer or proxy in front: plain text, no error type
            self._send_raw(503, b"Service Unavailable", "text/plain")
        elif mode == "throttle" and query_protocol:
            xml = (
                "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>"
                "<Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>"
            )
            self._send_raw(400, xml.encode(), "text/xml")
        elif mode == "throttle":  # Lambda's restJson throttling answer
            self._send(429, {"Reason": "CallerRateLimitExceeded", "Type": "User", "message": "Rate exceeded"},
                       "TooManyRequestsException")
        elif mode == "throttle400":  # awsJson-style: 400 with __type in the body, no header
            self._send(400, {"__type": "ThrottlingException", "message": "Rate exceeded"}, None)
        elif mode == "denied" and query_protocol:
            xml = (
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::"
                "123456789012:user/dev is not authorized to perform: iam:ListAttachedRolePolicies on resource: "
                "role orders-role</Message></Error><RequestId>1</RequestId></ErrorResponse>"
            )
            self._send_raw(403, xml.encode(), "text/xml")
        elif mode == "denied":
            self._send(403, {"Type": "User", "message": "User is not authorized to perform: lambda:X"},
                       "AccessDeniedException")
        elif mode == "ok":
            for pattern, answer in self.server.answers.items():
                if re.search(pattern, self.path) or re.search(pattern, body.decode("utf-8", "replace")):
                    if isinstance(answer, str):
                        self._send_raw(200, answer.encode(), "text/xml")
                    else:
                        self._send(200, answer, None)
                    return
            self._send(404, {"message": f"fake AWS has no answer for {self.path}"}, "ResourceNotFoundException")
        else:
            raise AssertionError(f"unknown mode {mode}")

    def _send(self, status: int, body: dict[str, Any], error_type: str | None) -> None:
        headers = {"x-amzn-ErrorType": error_type} if error_type else {}
        self._send_raw(status, json.dumps(body).encode(), "application/json", headers)

    def _send_raw(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", "fake-request-id")
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class Fakes:
    """Starts fake endpoints and stops them (and their hanging requests) at teardown."""

    def __init__(self) -> None:
        self.servers: list[FakeAws] = []

    def start(self, mode: str, answers: dict[str, Any] | None = None) -> FakeAws:
        fake = FakeAws(mode, answers)
        threading.Thread(target=fake.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.servers.append(fake)
        return fake

    def close(self) -> None:
        for fake in self.servers:
            fake.release.set()
            fake.shutdown()
            fake.server_close()


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    started = Fakes()
    yield started
    started.close()


def refused_url() -> str:
    """A loopback port nobody listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# -- helpers --------------------------------------------------------------------------------------
TRACEBACK = re.compile(r"Traceback|File \"|failed unexpectedly|Unexpected failure")
OPAQUE = re.compile(r"^Error executing tool \S+$")  # what any exception but ToolError gives


async def call_then_next(workspace: Path, endpoint: str, tool: str, args: dict[str, Any]) -> tuple[Any, float, Any]:
    """(the tool's result, seconds it took, the result of the next call on the same server)."""
    settings = make_settings(workspace_root=workspace, endpoint_url=endpoint, allow_write=True)
    async with connect(settings) as client:
        started = time.monotonic()
        result = await client.call_tool(tool, args)
        elapsed = time.monotonic() - started
        following = await client.call_tool("get_durable_guide", {})
    return result, elapsed, following


def assert_clear_error(result: Any, *needles: str) -> str:
    text = tool_text(result)
    assert result.is_error, text
    assert not TRACEBACK.search(text) and not OPAQUE.match(text.strip()), text
    lowered = text.lower()
    for needle in needles:
        assert needle.lower() in lowered, f"{needle!r} not in: {text}"
    return text


def assert_next_call_answered(following: Any) -> None:
    assert not following.is_error, tool_text(following)
    assert "durable" in tool_text(following).lower()


# What each mode's message must say (what happened, what to do) and how many requests it costs.
EXPECT: dict[str, tuple[tuple[str, ...], int]] = {
    "500": (("HTTP 500", "retry", f"{MAX_ATTEMPTS} attempts"), MAX_ATTEMPTS),
    "503": (("HTTP 503", "retry", f"{MAX_ATTEMPTS} attempts"), MAX_ATTEMPTS),
    "throttle": (("throttled", "TooManyRequestsException", "quota"), MAX_ATTEMPTS),
    "drop": (("closed the connection", "network"), MAX_ATTEMPTS),
    "hang": ((f"within {HANG_READ_TIMEOUT_S:g} s", f"{MAX_ATTEMPTS} attempts", "network"), MAX_ATTEMPTS),
    "denied": (("access denied",), 1),
}


@pytest.mark.parametrize("mode", list(EXPECT))
async def test_every_aws_tool_fails_clearly_and_boundedly(
    mode: str, fakes: Fakes, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if mode == "hang":  # elsewhere the default read timeout stays, so a slow machine cannot change the fault
        monkeypatch.setenv(READ_TIMEOUT_ENV, str(HANG_READ_TIMEOUT_S))
    needles, expected_requests = EXPECT[mode]
    outcomes: dict[str, tuple[Any, float, Any, FakeAws]] = {}

    async def one(tool: str, args: dict[str, Any]) -> None:
        fake = fakes.start(mode)  # one endpoint per tool: its request count is the tool's alone
        result, elapsed, following = await call_then_next(workspace, fake.url, tool, args)
        outcomes[tool] = (result, elapsed, following, fake)

    async with anyio.create_task_group() as group:  # the tools run side by side: throttling backs off for seconds
        for tool, args in TOOLS:
            group.start_soon(one, tool, args)

    for tool, _args in TOOLS:
        result, elapsed, following, fake = outcomes[tool]
        text = assert_clear_error(result, *needles)
        assert len(fake.requests) == expected_requests, (tool, fake.requests, text)
        assert len({path for _method, path in fake.requests}) == 1, fake.requests  # one operation, retried
        # Backoff is at most 1+2+4 s for throttling, well under a second otherwise.
        bound = 8 + (MAX_ATTEMPTS * HANG_READ_TIMEOUT_S if mode == "hang" else 0)
        assert elapsed < bound + 5, (tool, elapsed)  # + slack for a busy machine
        assert_next_call_answered(following)


async def test_refused_connections_are_retried_briefly_and_explained(workspace: Path) -> None:
    url = refused_url()
    outcomes: dict[str, tuple[Any, float, Any]] = {}

    async def one(tool: str, args: dict[str, Any]) -> None:
        outcomes[tool] = await call_then_next(workspace, url, tool, args)

    async with anyio.create_task_group() as group:
        for tool, args in TOOLS:
            group.start_soon(one, tool, args)
    for tool, _args in TOOLS:
        result, elapsed, following = outcomes[tool]
        assert_clear_error(result, "could not connect", url, "network", f"{MAX_ATTEMPTS} attempts")
        assert elapsed < 8, (tool, elapsed)  # backoff of transient errors: well under a second in all
        assert_next_call_answered(following)


@pytest.mark.parametrize(
    "name",
    [
        "order-43",
        None,  # no name given: the server picks one, so that retries stay idempotent
    ],
)
async def test_retried_invokes_carry_one_execution_name(name: str | None, fakes: Fakes, workspace: Path) -> None:
    """The connection drops after Lambda got the Invoke: the execution may have started, and each
    retry must name the same execution (names are idempotency keys) rather than start another."""
    fake = fakes.start("drop")
    args: dict[str, Any] = {"function_name": "orders:live", **({"execution_name": name} if name else {})}
    result, _elapsed, _following = await call_then_next(workspace, fake.url, "invoke_durable_function", args)
    assert result.is_error
    assert len(fake.execution_names) == MAX_ATTEMPTS
    assert fake.execution_names[0] and len(set(fake.execution_names)) == 1, fake.execution_names


# A function that Lambda describes, so that check_durable_deployment goes on to the role's policies.
FUNCTION = {
    "FunctionName": "orders",
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:orders:live",
    "Runtime": "python3.13",
    "Role": "arn:aws:iam::123456789012:role/orders-role",
    "DurableConfig": {"ExecutionTimeout": 900, "RetentionPeriodInDays": 14},
}
LAMBDA_ANSWERS: dict[str, Any] = {
    r"/functions/orders/configuration": FUNCTION,
    r"/functions/orders/versions": {"Versions": [{"Version": "$LATEST"}, {"Version": "3"}]},
    r"/functions/orders/aliases": {"Aliases": [{"Name": "live", "FunctionVersion": "3"}]},
}
IAM_EXPECT: dict[str, tuple[tuple[str, ...], int]] = {
    "throttle": (("throttled", "Throttling", "retry"), MAX_ATTEMPTS),
    # A plain-text 503 page is no XML: botocore gives up parsing it at once, without retrying.
    "503": (("not an AWS response", "Service Unavailable", "retry"), 1),
    "drop": (("closed the connection", "network"), MAX_ATTEMPTS),
    "hang": ((f"within {HANG_READ_TIMEOUT_S:g} s", "retry"), MAX_ATTEMPTS),
    "denied": (("grant iam:ListAttachedRolePolicies",), 1),
}


async def test_iam_faults_during_a_deployment_check_become_problems_with_the_right_fix(
    fakes: Fakes, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """IAM calls follow the standard AWS_ENDPOINT_URL; Lambda answers, IAM fails: the check still
    reports what it found, and says to retry (not to grant a permission) when IAM only throttles."""
    lam = fakes.start("ok", LAMBDA_ANSWERS)
    for mode, (needles, expected_requests) in IAM_EXPECT.items():
        iam = fakes.start(mode)
        monkeypatch.setenv("AWS_ENDPOINT_URL", iam.url)
        if mode == "hang":
            monkeypatch.setenv(READ_TIMEOUT_ENV, str(HANG_READ_TIMEOUT_S))
        else:
            monkeypatch.delenv(READ_TIMEOUT_ENV, raising=False)
        result, elapsed, following = await call_then_next(
            workspace, lam.url, "check_durable_deployment", {"function_name": "orders", "qualifier": "live"}
        )
        assert elapsed < 8 + MAX_ATTEMPTS * HANG_READ_TIMEOUT_S + 5, (mode, elapsed)
        assert not result.is_error, tool_text(result)
        report = result.structured_content
        assert report["ok"] is False and report["role_permissions"] == "unknown", report
        assert report["durable_config"] == FUNCTION["DurableConfig"] and report["aliases"] == ["live->3"]
        problem = " ".join(p for p in report["problems"] if "role's policies" in p)
        for needle in needles:
            assert needle.lower() in problem.lower(), (mode, needle, report["problems"])
        if mode != "denied":
            assert "grant" not in problem.lower(), problem
        actions = [path for _method, path in iam.requests]
        assert len(actions) == expected_requests, (mode, actions)
        assert_next_call_answered(following)


HANDLER = """from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    return context.step(lambda _: "done", name="only-step")
"""


# throttle400: the awsJson way, a 400 whose body names ThrottlingException, no x-amzn-ErrorType header.
@pytest.mark.parametrize(("mode", "needle"), [("drop", "closed the connection"), ("throttle400", "ThrottlingException")])
async def test_a_direct_deploy_against_a_failing_endpoint_stops_with_the_reason(
    mode: str, needle: str, fakes: Fakes, workspace: Path
) -> None:
    project = workspace / "shop"
    project.mkdir()
    (project / "handler.py").write_text(HANDLER)
    fake = fakes.start(mode)
    result, elapsed, following = await call_then_next(
        workspace, fake.url, "deploy_durable_function", {"project_dir": "shop", "method": "direct", "function_name": "shop"}
    )
    assert_clear_error(result, needle, "looking up function shop", "retry")
    assert [path for _method, path in fake.requests] == ["/2015-03-31/functions/shop"] * MAX_ATTEMPTS
    assert elapsed < 20, elapsed
    assert_next_call_answered(following)


# -- local handlers over stdio ----------------------------------------------------------------------
# test_local_emulator.py and test_local_stdio.py cover a crash, a hang and 2,000 noisy lines; here:
# a crash over stdio, and a handler that writes to stdout without end.
FLOOD = """import sys

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event, context: DurableContext):
    line = "x" * 1023 + "\\n"
    while True:
        sys.stdout.write(line)
"""
SCRIPT = Path(sys.executable).with_name("lambda-durable-mcp")
HANDLERS = Path(__file__).parent / "fixtures" / "handlers"


def server_pid() -> int:
    """The lambda-durable-mcp process this test started over stdio."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == os.getpid() and b"lambda-durable-mcp" in cmdline:
            found.append(int(stat.parent.name))
    assert len(found) == 1, found
    return found[0]


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the highest resident memory the process has had so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def stdio_server(workspace: Path) -> StdioServerParameters:
    shutil.copy(HANDLERS / "misbehaving.py", workspace / "misbehaving.py")
    (workspace / "flood.py").write_text(FLOOD)
    return StdioServerParameters(
        command=str(SCRIPT),
        args=["--workspace-root", str(workspace), "--local", "--allow-write", "--allow-sensitive-data-access"],
        cwd=str(workspace),
    )


async def test_a_crashing_handler_over_stdio_is_reported_and_the_server_serves_on(tmp_path: Path) -> None:
    async with mcp.Client(stdio_server(tmp_path)) as client:
        crashed = await client.call_tool("run_durable_function_locally", {"handler": "misbehaving.py:crash"})
        assert not crashed.is_error, tool_text(crashed)
        assert crashed.structured_content["status"] == "FAILED"
        assert "exited with code 3" in crashed.structured_content["error"]
        tools = await client.list_tools()
        assert "run_durable_function_locally" in [t.name for t in tools.tools]
        assert_next_call_answered(await client.call_tool("get_durable_guide", {}))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
async def test_a_handler_flooding_stdout_is_ended_without_the_server_buffering_it(tmp_path: Path) -> None:
    async with mcp.Client(stdio_server(tmp_path)) as client:
        await client.list_tools()
        pid = server_pid()
        before = peak_rss_mb(pid)
        started = time.monotonic()
        flooded = await client.call_tool("run_durable_function_locally", {"handler": "flood.py:handler", "timeout_seconds": 1})
        assert time.monotonic() - started < 15
        assert not flooded.is_error, tool_text(flooded)
        assert flooded.structured_content["status"] == "TIMED_OUT"
        assert_next_call_answered(await client.call_tool("get_durable_guide", {}))
        grown = peak_rss_mb(pid) - before
        assert grown < 100, f"the server's memory grew by {grown:.0f} MB: it buffered the endless output"


async def test_over_stdio_a_hanging_endpoint_blocks_only_its_own_call(fakes: Fakes, tmp_path: Path) -> None:
    """The read-timeout knob works from the server's environment; while one call waits on a silent
    endpoint, the server answers others at once."""
    fake = fakes.start("hang")
    params = StdioServerParameters(
        command=str(SCRIPT),
        args=["--workspace-root", str(tmp_path), "--endpoint-url", fake.url],
        env={**os.environ, READ_TIMEOUT_ENV: "1"},
        cwd=str(tmp_path),
    )
    async with mcp.Client(params) as client:
        await client.list_tools()
        outcome: dict[str, Any] = {}

        async def hung_call() -> None:
            started = time.monotonic()
            outcome["result"] = await client.call_tool("list_durable_executions", {"function_name": "orders"})
            outcome["elapsed"] = time.monotonic() - started

        with anyio.fail_after(30):
            async with anyio.create_task_group() as group:
                group.start_soon(hung_call)
                while not fake.requests:  # the call is now waiting on the endpoint
                    await anyio.sleep(0.05)
                started = time.monotonic()
                guide = await client.call_tool("get_durable_guide", {})
                assert time.monotonic() - started < 2 and "result" not in outcome
                assert_next_call_answered(guide)
        assert_clear_error(outcome["result"], "did not answer", "within 1 s", f"{MAX_ATTEMPTS} attempts")
        assert len(fake.requests) == MAX_ATTEMPTS and outcome["elapsed"] < MAX_ATTEMPTS * 1 + 6


def test_defaults_stay_and_the_read_timeout_knob_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_durable_mcp.aws.session import READ_TIMEOUT_S, AwsClients, AwsTarget, read_timeout_s

    monkeypatch.delenv(READ_TIMEOUT_ENV, raising=False)
    config = AwsClients(AwsTarget(region="us-east-1")).client("lambda").meta.config
    assert (config.connect_timeout, config.read_timeout) == (5, 30) == (5, READ_TIMEOUT_S)
    assert config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS} and MAX_ATTEMPTS == 4
    for raw, expected in (("2.5", 2.5), ("abc", READ_TIMEOUT_S), ("0", READ_TIMEOUT_S), ("-1", READ_TIMEOUT_S)):
        monkeypatch.setenv(READ_TIMEOUT_ENV, raw)
        assert read_timeout_s() == expected, raw
