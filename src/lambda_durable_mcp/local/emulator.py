"""The embedded durable-execution emulator, started lazily, stopped at exit.

Two loopback HTTP servers in this process:
- the durable execution service of ``aws-durable-execution-sdk-python-testing`` (its
  ``WebRunner``, the engine behind ``dex-local-runner``), serving the real Lambda durable API
  routes (``/2025-12-01/...``), with time skipping on;
- a Lambda endpoint (``local.endpoint``) where that service invokes handlers, each invocation in
  a subprocess whose SDK checkpoints back to the service through ``AWS_ENDPOINT_URL_LAMBDA``.
Every execution tool then uses the same boto3 code as against AWS, pointed at the service.
"""

from __future__ import annotations

import atexit
import json
import logging
import socket
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lambda_durable_mcp.local.endpoint import PARENT_HEADER, LambdaEndpoint, split_function_identifier
from lambda_durable_mcp.local.handlers import FUNCTION_NAME_RE, HandlerError, HandlerSpec
from lambda_durable_mcp.local.process import DUMMY_CREDENTIALS, PreparedHandler, handler_environment, prepare

log = logging.getLogger(__name__)

REGION = "us-west-2"
ACCOUNT_ID = "123456789012"
DEFAULT_INVOCATION_TIMEOUT_S = 300
EXECUTION_TIMEOUT_S = 86_400
SETTLE_S = 0.6
TERMINAL = {"SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"}


@dataclass(frozen=True)
class WaitOutcome:
    status: str  # a terminal status, "SUSPENDED" or "RUNNING" (the wait timed out)
    invocation_failures: tuple[str, ...] = ()



def dummy_session(region: str) -> Any:
    """A boto3 session with the emulator's dummy credentials, whatever AWS_PROFILE says."""
    from lambda_durable_mcp.aws.session import static_session

    return static_session(region, DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"], DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])


def _install_dummy_credentials() -> None:
    """The emulator's own Lambda clients (the Invokes it sends to our endpoint) read credentials
    from the default chain: the user's real ones, or none at all (then every invocation fails
    with "Unable to locate credentials"). Give them dummy credentials instead. The testing
    package creates them all through ``invoker.create_lambda_client``; wrap it, same signature.
    """
    from aws_durable_execution_sdk_python_testing import invoker, runner

    original = invoker.create_lambda_client
    if getattr(original, "_ldm_dummy_credentials", False):
        return

    def create_lambda_client(
        endpoint_url: str | None,
        region_name: str,
        read_timeout_seconds: int = invoker.DEFAULT_LAMBDA_READ_TIMEOUT_SECONDS,
        *,
        mark_invocations: bool = True,
    ) -> Any:
        from botocore.config import Config

        client = dummy_session(region_name).client(
            "lambda",
            endpoint_url=endpoint_url,
            config=Config(read_timeout=read_timeout_seconds, retries={"max_attempts": 0}),
        )
        if mark_invocations:
            client.meta.events.register("before-call.lambda.Invoke", invoker._add_invocation_marker)
        return client

    create_lambda_client._ldm_dummy_credentials = True  # type: ignore[attr-defined]
    invoker.create_lambda_client = create_lambda_client
    runner.create_lambda_client = create_lambda_client  # imported by name there


_INVOKING = threading.local()


def _add_parent_header(params: dict[str, Any], **_kwargs: Any) -> None:
    """botocore ``before-call`` hook: name the execution a plain chained invoke comes from."""
    parent = getattr(_INVOKING, "parent", None)
    if parent:
        params.setdefault("headers", {})[PARENT_HEADER] = parent


class _ParentTaggedClient:
    """The Lambda client a plain chained-invoke target is invoked with, for one parent execution:
    its Invoke carries the parent's ARN, so the target's output joins the parent's."""

    def __init__(self, client: Any, parent_arn: str) -> None:
        self._client = client
        self._parent_arn = parent_arn
        if not getattr(client, "_ldm_parent_header", False):
            client.meta.events.register("before-call.lambda.Invoke", _add_parent_header)
            client._ldm_parent_header = True

    def invoke(self, **kwargs: Any) -> Any:
        _INVOKING.parent = self._parent_arn
        try:
            return self._client.invoke(**kwargs)
        finally:
            _INVOKING.parent = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def _tag_plain_invokes(dispatcher: Any) -> None:
    """The testing package invokes plain targets with a client per endpoint, which knows no parent."""
    provider = getattr(dispatcher, "_client_provider", None)
    if provider is None or getattr(provider, "_ldm_tagged", False):
        return

    def tagged(parent_arn: str) -> Any:
        return _ParentTaggedClient(provider(parent_arn), parent_arn)

    tagged._ldm_tagged = True  # type: ignore[attr-defined]
    dispatcher._client_provider = tagged


def _keep_callback_timeouts(executor: Any) -> None:
    """The testing package's history drops a callback's timeouts: it builds the CallbackStarted event
    without the checkpoint update that carried them, so `waiting_on` would show no deadline. Put
    them back from that update (the AWS service records them; aws-durable-execution-sdk-python-testing
    1.4.0 passes the update only for retries, failures and chained invokes)."""
    original = getattr(executor, "get_execution_history", None)
    if original is None or getattr(original, "_ldm_callback_timeouts", False):
        return
    import dataclasses

    def get_execution_history(execution_arn: str, *args: Any, **kwargs: Any) -> Any:
        response = original(execution_arn, *args, **kwargs)
        try:
            updates = executor.get_execution(execution_arn).updates or []
            options = {u.operation_id: u.callback_options for u in updates
                       if getattr(u, "callback_options", None) is not None}
            if not options:
                return response
            events = []
            for event in response.events:
                details = getattr(event, "callback_started_details", None)
                found = options.get(getattr(event, "operation_id", None))
                if details is not None and found is not None and details.timeout is None:
                    details = dataclasses.replace(
                        details,
                        timeout=found.timeout_seconds or None,  # 0 means none
                        heartbeat_timeout=details.heartbeat_timeout or found.heartbeat_timeout_seconds or None)
                    event = dataclasses.replace(event, callback_started_details=details)
                events.append(event)
            return dataclasses.replace(response, events=events)
        except Exception:  # a shape this patch does not know: the history as the package made it
            log.debug("could not restore callback timeouts", exc_info=True)
            return response

    get_execution_history._ldm_callback_timeouts = True  # type: ignore[attr-defined]
    executor.get_execution_history = get_execution_history


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalEmulator:
    """One emulator per server process, started on first use. Thread-safe."""

    def __init__(self, workspace_root: Path, *, invocation_timeout_s: int = DEFAULT_INVOCATION_TIMEOUT_S) -> None:
        self.workspace_root = workspace_root
        self.invocation_timeout_s = invocation_timeout_s
        self._lock = threading.RLock()
        self._runner: Any = None
        self._runner_thread: threading.Thread | None = None
        self._endpoint: LambdaEndpoint | None = None
        self._function_configs: dict[str, Any] = {}
        self._build_dir: Path | None = None
        self._client: Any = None
        self.api_url: str | None = None
        self.lambda_url: str | None = None
        self._atexit_registered = False

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._runner is not None

    def ensure_started(self) -> str:
        """Start both servers if needed; returns the durable API URL."""
        with self._lock:
            if self._runner is not None and self.api_url:
                return self.api_url
            from aws_durable_execution_sdk_python_testing.child_dispatcher import FunctionConfigs
            from aws_durable_execution_sdk_python_testing.runner import WebRunner, WebRunnerConfig
            from aws_durable_execution_sdk_python_testing.web.server import WebServiceConfig

            logging.getLogger("aws_durable_execution_sdk_python_testing").setLevel(logging.CRITICAL)
            _install_dummy_credentials()
            self._build_dir = Path(tempfile.mkdtemp(prefix="ldm-local-build-"))
            endpoint = LambdaEndpoint(
                environment=self._environment,
                start_execution=self._start_from_invoke,
                execution_outcome=self._execution_outcome,
                invocation_timeout_s=self.invocation_timeout_s,
                context_values=self._context_values,
            )
            self.lambda_url = endpoint.start()
            self._endpoint = endpoint
            last_error: Exception | None = None
            for _ in range(5):
                port = _free_port()
                config = WebRunnerConfig(
                    web_service=WebServiceConfig(host="127.0.0.1", port=port, log_level=logging.WARNING),
                    lambda_endpoint=self.lambda_url,
                    local_runner_endpoint=f"http://127.0.0.1:{port}",
                    local_runner_region=REGION,
                    invocation_timeout_seconds=self.invocation_timeout_s,
                    skip_time=True,
                    # A live mapping: functions registered later become chained-invoke targets.
                    function_configs=FunctionConfigs(self._function_configs),
                )
                runner = WebRunner(config)
                try:
                    runner.start()
                except OSError as exc:  # the port was taken between probe and bind
                    last_error = exc
                    runner.stop()
                    continue
                break
            else:
                endpoint.stop()
                self._endpoint = None
                raise RuntimeError(f"could not start the local durable emulator: {last_error}")
            # Fail a crashing handler's execution in seconds, not the default 5 x 5 s of backoff.
            executor = getattr(runner, "_executor", None)
            _tag_plain_invokes(getattr(executor, "_child_dispatcher", None))
            if executor is not None:
                _keep_callback_timeouts(executor)
            if executor is not None and hasattr(executor, "RETRY_BACKOFF_SECONDS"):
                executor.RETRY_BACKOFF_SECONDS = 1
                executor.MAX_CONSECUTIVE_FAILED_ATTEMPTS = 3
            self._runner = runner
            self._runner_thread = threading.Thread(target=runner.serve_forever, name="ldm-durable-emulator", daemon=True)
            self._runner_thread.start()
            self.api_url = f"http://127.0.0.1:{port}"
            if not self._atexit_registered:
                atexit.register(self.stop)
                self._atexit_registered = True
            log.info("local durable emulator on %s, Lambda endpoint on %s", self.api_url, self.lambda_url)
            return self.api_url

    def stop(self) -> None:
        with self._lock:
            if self._endpoint is not None:
                self._endpoint.tracker.kill()
            runner, self._runner = self._runner, None
            if runner is not None:
                server = getattr(runner, "_server", None)
                if server is not None:
                    try:
                        server.shutdown()
                    except Exception:  # noqa: BLE001
                        log.debug("emulator shutdown", exc_info=True)
                try:
                    runner.stop()
                except Exception:  # noqa: BLE001
                    log.debug("emulator stop", exc_info=True)
            if self._endpoint is not None:
                self._endpoint.stop()
                self._endpoint = None
            if self._build_dir is not None:
                import shutil

                shutil.rmtree(self._build_dir, ignore_errors=True)
                self._build_dir = None
            self.api_url = None
            self.lambda_url = None
            self._client = None

    # -- functions ---------------------------------------------------------------------------
    def register(self, spec: HandlerSpec, function_name: str | None = None) -> PreparedHandler:
        """Make ``spec`` invokable by name (its own name, or one given for chained invokes)."""
        from aws_durable_execution_sdk_python_testing.child_dispatcher import FunctionConfig

        self.ensure_started()
        assert self._endpoint is not None and self._build_dir is not None
        with self._lock:
            if function_name is None:
                function_name = self._unique_name(spec)
            else:
                # context.invoke("x", "name:prod") and ARNs reach the bare name's registration: the
                # emulator has no versions or aliases, the bare name serves every qualifier.
                given, function_name = function_name, split_function_identifier(function_name)[0]
                if not FUNCTION_NAME_RE.match(function_name):
                    raise HandlerError(
                        f"function name {given!r} must be 1-64 letters, digits, '-' or '_' "
                        "(or name:qualifier, or a function ARN)"
                    )
            prepared = prepare(spec, self.workspace_root, function_name, self._build_dir)
            self._endpoint.functions[function_name] = prepared
            self._function_configs[function_name] = (
                FunctionConfig(is_durable=True, execution_timeout_seconds=EXECUTION_TIMEOUT_S)
                if prepared.durable
                else FunctionConfig(is_durable=False)
            )
            return prepared

    def _unique_name(self, spec: HandlerSpec) -> str:
        assert self._endpoint is not None
        base = spec.default_function_name()
        name, n = base, 1
        while name in self._endpoint.functions and self._endpoint.functions[name].spec.key != spec.key:
            n += 1
            name = f"{base[:60]}-{n}"
        return name

    def functions(self) -> dict[str, PreparedHandler]:
        return dict(self._endpoint.functions) if self._endpoint else {}

    # -- executions --------------------------------------------------------------------------
    def client(self) -> Any:
        """A boto3 Lambda client for the emulator's durable API (dummy credentials)."""
        with self._lock:
            if self._client is None:
                from botocore.config import Config

                self._client = dummy_session(REGION).client(
                    "lambda",
                    endpoint_url=self.ensure_started(),
                    config=Config(connect_timeout=5, read_timeout=30, retries={"mode": "standard", "max_attempts": 2}),
                )
            return self._client

    def start_execution(self, function_name: str, input_text: str, execution_name: str | None = None, qualifier: str = "$LATEST") -> str:
        """``POST /start-durable-execution`` (the emulator's own route; AWS starts with Invoke)."""
        import urllib.request

        api = self.ensure_started()
        body = {
            "AccountId": ACCOUNT_ID,
            "FunctionName": function_name,
            "FunctionQualifier": qualifier,
            "ExecutionName": execution_name or f"run-{uuid.uuid4().hex[:12]}",
            "ExecutionTimeoutSeconds": EXECUTION_TIMEOUT_S,
            "ExecutionRetentionPeriodDays": 1,
            "Input": input_text,
        }
        request = urllib.request.Request(  # noqa: S310 - loopback URL built here
            f"{api}/start-durable-execution",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                data = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", errors="replace")
            raise RuntimeError(f"the local emulator refused to start the execution: {detail}") from exc
        arn = data.get("ExecutionArn")
        if not arn:
            raise RuntimeError(f"the local emulator returned no execution ARN: {data}")
        return str(arn)

    def _start_from_invoke(self, function_name: str, qualifier: str | None, execution_name: str | None, payload: str) -> str:
        return self.start_execution(function_name, payload, execution_name, qualifier or "$LATEST")

    def _execution_outcome(self, arn: str, timeout_s: float) -> tuple[str, Any]:
        outcome = self.wait(arn, timeout_s)
        client = self.client()
        execution = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=True)
        if outcome.status == "SUCCEEDED":
            try:
                return "SUCCEEDED", json.loads(execution.get("Result") or "null")
            except ValueError:
                return "SUCCEEDED", execution.get("Result")
        if outcome.status in TERMINAL:
            error = execution.get("Error") or {}
            return "FAILED", {"errorType": error.get("ErrorType"), "errorMessage": error.get("ErrorMessage")}
        return outcome.status, None

    def invocation_count(self, arn: str) -> int:
        return self._endpoint.activity(arn).invocations if self._endpoint else 0

    def wait(self, arn: str, timeout_s: float, *, min_invocations: int = 1) -> WaitOutcome:
        """Until the execution ends, suspends (waits on something outside it) or time runs out.

        Suspended: the handler returned PENDING, nothing has run for a moment, and at least
        ``min_invocations`` invocations happened (after a callback: one more than before it).
        """
        client = self.client()
        assert self._endpoint is not None
        deadline = time.monotonic() + timeout_s
        delay = 0.05
        while True:
            status = client.get_durable_execution(DurableExecutionArn=arn, IncludeExecutionData=False)["Status"]
            activity = self._endpoint.activity(arn)
            failures = tuple(activity.failures)
            if status in TERMINAL:
                return WaitOutcome(status, failures)
            if (
                activity.in_flight == 0
                and activity.invocations >= min_invocations
                and activity.last_status == "PENDING"
                and time.monotonic() - activity.last_change >= SETTLE_S
            ):
                pending = self._pending_types(client, arn)
                # Only a callback holds an execution while time is skipped; a chained invoke holds
                # it while its child runs elsewhere: then wait for quiet everywhere.
                if "CALLBACK" in pending or ("CHAINED_INVOKE" in pending and self._endpoint.idle_for() >= SETTLE_S):
                    return WaitOutcome("SUSPENDED", failures)
            if time.monotonic() >= deadline:
                return WaitOutcome("RUNNING", failures)
            time.sleep(delay)
            delay = min(delay * 1.5, 0.25)

    @staticmethod
    def _pending_types(client: Any, arn: str) -> set[str]:
        """Operation types with a STARTED operation: what the execution is waiting on."""
        from lambda_durable_mcp.executions.history import build_history

        events: list[dict[str, Any]] = []
        for page in client.get_paginator("get_durable_execution_history").paginate(
            DurableExecutionArn=arn, IncludeExecutionData=False
        ):
            events.extend(page.get("Events") or [])
        return {op.type for op in build_history(events).operations if op.status == "STARTED"}

    def kill_invocations(self, arn: str) -> int:
        return self._endpoint.tracker.kill(arn) if self._endpoint else 0

    def logs(self, arn: str) -> list[str]:
        return self._endpoint.logs(arn) if self._endpoint else []

    # -- what each invocation sees -----------------------------------------------------------
    def _environment(self, function_name: str) -> dict[str, str]:
        assert self.api_url is not None
        return handler_environment(function_name, self.api_url, REGION)

    def _context_values(self, function_name: str, qualifier: str | None, request_id: str) -> dict[str, Any]:
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name}"
        if qualifier and qualifier != "$LATEST":
            arn += f":{qualifier}"
        return {
            "function_name": function_name,
            "function_version": "$LATEST",
            "invoked_function_arn": arn,
            "aws_request_id": request_id,
            "log_group_name": f"/aws/lambda/{function_name}",
            "log_stream_name": "local",
        }
