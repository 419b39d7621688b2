"""A loopback Lambda endpoint: ``POST /2015-03-31/functions/{name}/invocations``.

The emulator invokes handlers here (with the ``X-Dex-Handler-Invoke`` marker): each invocation
runs the registered handler once, in a subprocess. An Invoke without the marker is a caller's
Invoke: for a durable function it starts a durable execution on the emulator (that is what
``invoke_durable_function`` reaches under --local), for a plain function it runs the handler.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from lambda_durable_mcp.local.process import (
    InvocationOutcome,
    PreparedHandler,
    ProcessTracker,
    run_invocation,
)

log = logging.getLogger(__name__)

MARKER_HEADER = "X-Dex-Handler-Invoke"
# Set on the Invoke of a plain chained-invoke target (local.emulator): the parent execution's ARN.
PARENT_HEADER = "X-Ldm-Parent-Execution"
INVOKE_PREFIX = "/2015-03-31/functions/"
LOG_LINES_PER_EXECUTION = 400


def split_function_identifier(identifier: str, qualifier: str | None = None) -> tuple[str, str | None]:
    """``name``, ``name:q``, ``123456789012:function:name[:q]`` or a function ARN -> (name, q)."""
    parts = identifier.split(":")
    if identifier.startswith("arn:") and len(parts) >= 7:
        name, q = parts[6], (parts[7] if len(parts) > 7 else None)
    elif len(parts) >= 3 and parts[1] == "function":
        name, q = parts[2], (parts[3] if len(parts) > 3 else None)
    elif len(parts) == 2:
        name, q = parts
    else:
        name, q = identifier, None
    return name, qualifier or q


@dataclass
class ExecutionActivity:
    in_flight: int = 0
    invocations: int = 0
    last_change: float = field(default_factory=time.monotonic)
    last_status: str | None = None  # the Status the handler last returned (PENDING, ...)
    failures: list[str] = field(default_factory=list)  # invocation-level failures (crash, timeout)
    logs: deque[str] = field(default_factory=lambda: deque(maxlen=LOG_LINES_PER_EXECUTION))


class LambdaEndpoint:
    def __init__(
        self,
        *,
        environment: Callable[[str], dict[str, str]],
        start_execution: Callable[[str, str | None, str | None, str], str],
        execution_outcome: Callable[[str, float], tuple[str, Any]],
        invocation_timeout_s: float,
        context_values: Callable[[str, str | None, str], dict[str, Any]],
    ) -> None:
        self.functions: dict[str, PreparedHandler] = {}
        self.tracker = ProcessTracker()
        self._environment = environment
        self._start_execution = start_execution
        self._execution_outcome = execution_outcome
        self._context_values = context_values
        self.invocation_timeout_s = invocation_timeout_s
        self._lock = threading.Lock()
        self._activity: dict[str, ExecutionActivity] = {}
        self._global_in_flight = 0
        self._global_last_change = time.monotonic()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> str:
        endpoint = self

        class Handler(_InvokeRequestHandler):
            owner = endpoint

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="ldm-lambda-endpoint", daemon=True)
        self._thread.start()
        host, port = server.server_address[:2]
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        self.tracker.kill()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- activity, for "finished or suspended" -----------------------------------------------
    def activity(self, arn: str) -> ExecutionActivity:
        with self._lock:
            return self._activity.setdefault(arn, ExecutionActivity())

    def idle_for(self) -> float:
        """Seconds since the last invocation anywhere started or ended; 0 while one runs."""
        with self._lock:
            if self._global_in_flight:
                return 0.0
            return time.monotonic() - self._global_last_change

    def _begin(self, arn: str | None) -> None:
        with self._lock:
            self._global_in_flight += 1
            self._global_last_change = time.monotonic()
            if arn:
                act = self._activity.setdefault(arn, ExecutionActivity())
                act.in_flight += 1
                act.invocations += 1
                act.last_change = time.monotonic()

    def _end(self, arn: str | None, outcome: InvocationOutcome, log_to: str | None = None, label: str = "") -> None:
        with self._lock:
            if arn is None and log_to and outcome.output:  # a plain target's output, in its caller's
                lines = outcome.output.splitlines()[-LOG_LINES_PER_EXECUTION:]
                self._activity.setdefault(log_to, ExecutionActivity()).logs.extend(f"[{label}] {line}" for line in lines)
            self._global_in_flight -= 1
            self._global_last_change = time.monotonic()
            if arn:
                act = self._activity.setdefault(arn, ExecutionActivity())
                act.in_flight -= 1
                act.last_change = time.monotonic()
                if outcome.ok and isinstance(outcome.result, dict):
                    act.last_status = str(outcome.result.get("Status"))
                else:
                    act.last_status = None
                    reason = "timed out" if outcome.timed_out else "crashed" if outcome.crashed else "failed"
                    act.failures.append(f"invocation {reason}: {outcome.error_type}: {outcome.error_message}")
                    del act.failures[:-5]
                if outcome.output:
                    act.logs.extend(outcome.output.splitlines()[-LOG_LINES_PER_EXECUTION:])

    def logs(self, arn: str) -> list[str]:
        with self._lock:
            act = self._activity.get(arn)
            return list(act.logs) if act else []

    # -- invocation ------------------------------------------------------------------------
    def invoke_handler(
        self, handler: PreparedHandler, event: Any, arn: str | None, qualifier: str | None, log_to: str | None = None
    ) -> InvocationOutcome:
        request_id = str(uuid.uuid4())
        self._begin(arn)
        outcome = InvocationOutcome(ok=False, error_type="Runtime.Unknown")
        try:
            outcome = run_invocation(
                handler,
                event,
                env=self._environment(handler.function_name),
                timeout_s=self.invocation_timeout_s,
                context=self._context_values(handler.function_name, qualifier, request_id),
                tracker=self.tracker,
                track_key=arn,
            )
            return outcome
        finally:
            self._end(arn, outcome, log_to, handler.function_name)

    def handle_invoke(self, identifier: str, query: dict[str, list[str]], headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        name, qualifier = split_function_identifier(unquote(identifier), (query.get("Qualifier") or [None])[0])
        handler = self.functions.get(name)
        if handler is None:
            return _error(404, "ResourceNotFoundException", f"Function not found: {name} (the local emulator knows: {', '.join(sorted(self.functions)) or 'none yet'})")
        invocation_type = headers.get("X-Amz-Invocation-Type") or "RequestResponse"
        text = body.decode("utf-8") if body else ""
        marked = (headers.get(MARKER_HEADER) or "").lower() == "true"
        if marked or not handler.durable:
            try:
                event = json.loads(text) if text.strip() else {}
            except ValueError:
                return _error(400, "InvalidRequestContentException", "Could not parse request body into json")
            arn = event.get("DurableExecutionArn") if marked and isinstance(event, dict) else None
            if invocation_type == "Event" and not marked:
                threading.Thread(target=self.invoke_handler, args=(handler, event, None, qualifier), daemon=True).start()
                return 202, {}, b""
            parent = headers.get(PARENT_HEADER) if not marked else None
            outcome = self.invoke_handler(handler, event, arn, qualifier, log_to=parent)
            if outcome.ok:
                return 200, {"X-Amz-Executed-Version": "$LATEST"}, json.dumps(outcome.result).encode()
            return 200, {"X-Amz-Function-Error": "Unhandled", "X-Amz-Executed-Version": "$LATEST"}, json.dumps(outcome.error_payload()).encode()
        # A caller's Invoke of a durable function starts an execution.
        execution_name = headers.get("X-Amz-Durable-Execution-Name")
        try:
            arn = self._start_execution(name, qualifier, execution_name, text or "{}")
        except Exception as exc:  # noqa: BLE001 - reported to the caller as the service would
            return _error(409 if "already" in str(exc).lower() else 400, "DurableExecutionAlreadyStartedException" if "already" in str(exc).lower() else "InvalidParameterValueException", str(exc))
        headers_out = {"X-Amz-Durable-Execution-Arn": arn, "X-Amz-Executed-Version": qualifier or "$LATEST"}
        if invocation_type == "Event":
            return 202, headers_out, b""
        status, payload = self._execution_outcome(arn, 25.0)
        if status == "FAILED":
            headers_out["X-Amz-Function-Error"] = "Unhandled"
        return 200, headers_out, json.dumps(payload).encode()


def _error(status: int, error_type: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"Type": "User", "message": message}).encode()
    return status, {"X-Amzn-ErrorType": error_type}, body


class _InvokeRequestHandler(BaseHTTPRequestHandler):
    owner: LambdaEndpoint
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802
        parsed = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = parsed.path
        if path.startswith(INVOKE_PREFIX) and path.endswith("/invocations"):
            identifier = path[len(INVOKE_PREFIX) : -len("/invocations")]
            try:
                status, headers, payload = self.owner.handle_invoke(identifier, parse_qs(parsed.query), self.headers, body)
            except Exception as exc:  # noqa: BLE001 - never let a request kill the endpoint
                log.exception("local Lambda endpoint failed")
                status, headers, payload = _error(500, "ServiceException", str(exc))
        else:
            status, headers, payload = _error(404, "UnknownOperationException", f"no route for POST {path}")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("X-Amzn-RequestId", str(uuid.uuid4()))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        log.debug("lambda endpoint: " + format, *args)
