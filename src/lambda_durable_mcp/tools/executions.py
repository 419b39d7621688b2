"""Tool group: executions. Read, diagnose and drive durable executions, on AWS or locally.

Every tool talks to the Lambda durable APIs through boto3 (``aws.durable``): AWS by default,
``--endpoint-url`` for any emulator, and the embedded emulator (``local.emulator``) under
``--local``. ``run_durable_function_locally`` always uses the embedded emulator (it is a local
run, started on demand); execution ARNs and callback ids it produced are routed back to it by
the other tools even without ``--local``.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import CallToolResult, TextContent
from pydantic import Field

from lambda_durable_mcp.settings import Settings
from lambda_durable_mcp.tools._common import Access, Compact, add_tool, withheld_note

if TYPE_CHECKING:
    from lambda_durable_mcp.aws.durable import DurableApi
    from lambda_durable_mcp.local.emulator import LocalEmulator

log = logging.getLogger(__name__)

_LOCAL_ARN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/[0-9a-f-]{36}\Z")
_CONTEXT_ATTR = "_lambda_durable_executions"
ExecutionStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "STOPPED"]


# -- output models ------------------------------------------------------------------------------
class ErrorInfo(Compact):
    error_type: str | None = None
    error_message: str | None = None


class Waiting(Compact):
    operation_name: str | None = None
    operation_type: str
    callback_id: str | None = None
    timeout: str | None = None
    started: str | None = None


class RootCause(Compact):
    operation_name: str | None = None
    operation_type: str
    error_type: str | None = None
    error_message: str | None = None
    attempts: int | None = None


def _row(row: dict[str, Any]) -> dict[str, Any]:
    """A timeline row (name, type, status, attempts, start, duration_s, error_type, ...) minus nulls."""
    return {k: v for k, v in row.items() if v is not None}


class ExecutionItem(Compact):
    execution_arn: str
    name: str | None = None
    status: str
    started: str | None = None
    ended: str | None = None


class ExecutionList(Compact):
    executions: list[ExecutionItem]
    next_cursor: str | None = None
    note: str | None = None


class HistoryResult(Compact):
    status: str
    operations: list[dict[str, Any]] | None = None
    events: list[dict[str, Any]] | None = None
    total: int | None = None  # operations in the whole history (timeline view)
    next_cursor: str | None = None
    note: str | None = None


class DiagnosisResult(Compact):
    _keep: ClassVar[frozenset[str]] = frozenset({"root_cause", "waiting_on", "timeline", "next_steps"})
    status: str
    summary: str
    root_cause: RootCause | None = None
    waiting_on: list[Waiting] = []
    timeline: list[dict[str, Any]] = []
    next_steps: list[str] = []
    guide: str
    logs: list[str] | None = None
    note: str | None = None


class CallbackResult(Compact):
    sent: str
    execution_arn: str | None = None
    status: str | None = None
    note: str | None = None


class StopResult(Compact):
    execution_arn: str
    status: str
    stopped_at: str | None = None
    note: str | None = None


class InvokeResult(Compact):
    execution_arn: str | None = None
    status_code: int
    status: str | None = None
    result: Any = None
    error: ErrorInfo | None = None
    note: str | None = None


class RunResult(Compact):
    execution_arn: str
    function_name: str
    status: str
    result: Any = None
    error: str | None = None
    waiting_on: list[dict[str, Any]] = []
    output: list[str] | None = None
    note: str | None = None


def respond(model: Compact) -> CallToolResult:
    """Structured content plus the same JSON as compact text (not the default indent=2)."""
    data = model.model_dump(mode="json")
    text = json.dumps(data, separators=(",", ":"), default=str)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=data)


# -- per-server state ---------------------------------------------------------------------------
class ExecutionsContext:
    """Clients and the embedded emulator of one server."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._emulator: LocalEmulator | None = None
        self._apis: dict[str, DurableApi] = {}
        self._logs: Any = None

    @property
    def include_data(self) -> bool:
        return self.settings.allow_sensitive_data_access

    def emulator(self) -> LocalEmulator:
        with self._lock:
            if self._emulator is None:
                from lambda_durable_mcp.local.emulator import LocalEmulator

                self._emulator = LocalEmulator(self.settings.workspace_root)
            return self._emulator

    def local_started(self) -> bool:
        return self._emulator is not None and self._emulator.started

    def shutdown(self) -> None:
        if self._emulator is not None:
            self._emulator.stop()

    def is_local(self, arn: str | None = None) -> bool:
        if self.settings.local:
            return True
        return bool(arn and self.local_started() and _LOCAL_ARN.match(arn.strip()))

    def api(self, *, local: bool, invoke: bool = False) -> DurableApi:
        """The durable API client: the embedded emulator (its Lambda endpoint for Invoke) or AWS."""
        from lambda_durable_mcp.aws.durable import DurableApi
        from lambda_durable_mcp.aws.errors import explain
        from lambda_durable_mcp.aws.session import AwsClients, AwsTarget

        if local:
            from lambda_durable_mcp.local.emulator import REGION
            from lambda_durable_mcp.local.process import DUMMY_CREDENTIALS

            emulator = self.emulator()
            try:
                emulator.ensure_started()
            except Exception as exc:  # noqa: BLE001
                raise ToolError(f"The local durable emulator could not start: {exc}") from exc
            url = emulator.lambda_url if invoke else emulator.api_url
            target = AwsTarget(
                region=REGION,
                lambda_endpoint_url=url,
                static_credentials=(DUMMY_CREDENTIALS["AWS_ACCESS_KEY_ID"], DUMMY_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]),
            )
        else:
            url = self.settings.endpoint_url
            target = AwsTarget(region=self.settings.region, profile=self.settings.profile, lambda_endpoint_url=url)
        key = f"{'local' if local else 'remote'}|{url}"
        with self._lock:
            if key not in self._apis:
                try:
                    client = AwsClients(target).client("lambda")
                except Exception as exc:  # noqa: BLE001 - profile/region problems surface here
                    raise ToolError(str(explain(exc, "CreateClient"))) from exc
                self._apis[key] = DurableApi(client, emulator=local or bool(self.settings.endpoint_url))
            return self._apis[key]

    def logs_client(self) -> Any:
        """CloudWatch Logs (never the Lambda emulator endpoint)."""
        from lambda_durable_mcp.aws.session import AwsClients, AwsTarget

        with self._lock:
            if self._logs is None:
                target = AwsTarget(region=self.settings.region, profile=self.settings.profile)
                self._logs = AwsClients(target).client("logs")
            return self._logs

    def api_for_arn(self, arn: str) -> DurableApi:
        return self.api(local=self.is_local(arn))


def executions_context(server: MCPServer) -> ExecutionsContext | None:
    """The executions state of a built server (tests stop its emulator with ``.shutdown()``)."""
    return getattr(server, _CONTEXT_ATTR, None)


def _tool_error(exc: Exception) -> ToolError:
    return ToolError(str(exc))


def _guarded(fn: Any) -> Any:
    """Known failures become ToolErrors with their fix; anything else too, without a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from lambda_durable_mcp.aws.errors import AwsCallError
        from lambda_durable_mcp.local.handlers import HandlerError

        try:
            return fn(*args, **kwargs)
        except ToolError:
            raise
        except (AwsCallError, HandlerError, ValueError) as exc:
            raise ToolError(str(exc)) from exc
        except Exception as exc:  # noqa: BLE001
            log.exception("%s failed", fn.__name__)
            raise ToolError(f"{fn.__name__} failed unexpectedly: {type(exc).__name__}: {exc}") from exc

    return wrapper


def _iso(value: Any) -> str | None:
    from lambda_durable_mcp.executions.history import iso

    return iso(value) if isinstance(value, datetime) else (str(value) if value else None)


def _parse_time(value: str | None, what: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ToolError(f"{what} {value!r} is not an ISO 8601 time, e.g. 2026-11-27T09:00:00Z") from exc
    if parsed.tzinfo is None:
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _encode_cursor(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> dict[str, Any]:
    if not cursor:
        return {}
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(data, dict):
            return data
    except (ValueError, TypeError):
        pass
    raise ToolError("cursor is not one this tool returned: pass next_cursor unchanged, or omit it to start over")


def _payload_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _loads_maybe(text: Any) -> Any:
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _callback_execution(callback_id: str) -> str | None:
    """The local emulator's callback ids are base64 JSON naming their execution ARN."""
    try:
        data = json.loads(base64.b64decode(callback_id + "=" * (-len(callback_id) % 4)))
    except (ValueError, TypeError):
        return None
    arn = data.get("arn") if isinstance(data, dict) else None
    return arn if isinstance(arn, str) else None


def _waiting_models(items: list[Any]) -> list[Waiting]:
    return [
        Waiting(
            operation_name=w.operation_name,
            operation_type=w.operation_type,
            callback_id=w.callback_id,
            timeout=w.timeout,
            started=w.started,
        )
        for w in items
    ]


# -- the tools ------------------------------------------------------------------------------------
def register(server: MCPServer, settings: Settings) -> None:
    """Register this group's tools."""
    ctx = ExecutionsContext(settings)
    setattr(server, _CONTEXT_ATTR, ctx)
    include_data = settings.allow_sensitive_data_access
    note_withheld = None if include_data else withheld_note()

    def load_history(arn: str) -> tuple[Any, DurableApi]:
        from lambda_durable_mcp.executions.history import build_history

        api = ctx.api_for_arn(arn)
        events, _truncated = api.all_events(arn, include_data=include_data)
        return build_history(events), api

    @_guarded
    def list_durable_executions(
        function_name: Annotated[str, Field(description="name or ARN; local runs: the function_name a run returned")],
        qualifier: str | None = None,
        statuses: list[ExecutionStatus] | None = None,
        started_after: str | None = None,
        started_before: str | None = None,
        limit: Annotated[int, Field(ge=1, le=50)] = 20,  # 50 rows stay far below the response budget
        cursor: str | None = None,
    ) -> CallToolResult:
        """List a function's durable executions, newest first (times: ISO 8601)."""
        after = _parse_time(started_after, "started_after")
        before = _parse_time(started_before, "started_before")
        state = _decode_cursor(cursor)
        # A function run with run_durable_function_locally lists from the emulator in any mode.
        local = settings.local or (ctx.local_started() and function_name in ctx.emulator().functions())
        api = ctx.api(local=local)
        marker, skip = state.get("m"), int(state.get("s", 0))
        wanted = set(statuses or [])
        items: list[ExecutionItem] = []
        next_cursor = None
        for _ in range(50):  # pages
            page = api.list_page(
                function_name, qualifier=qualifier, started_after=after, started_before=before,
                statuses=list(wanted) or None, marker=marker, page_size=50,
            )
            entries = page.get("DurableExecutions") or []
            for index, entry in enumerate(entries):
                if index < skip:
                    continue
                # The local emulator ignores Statuses and time filters: filter here too.
                started = entry.get("StartTimestamp")
                if wanted and entry.get("Status") not in wanted:
                    continue
                if isinstance(started, datetime) and ((after and started < after) or (before and started > before)):
                    continue
                if len(items) == limit:
                    next_cursor = _encode_cursor({"m": marker, "s": index})
                    break
                items.append(
                    ExecutionItem(
                        execution_arn=entry.get("DurableExecutionArn", ""),
                        name=entry.get("DurableExecutionName"),
                        status=entry.get("Status", "?"),
                        started=_iso(started),
                        ended=_iso(entry.get("EndTimestamp")),
                    )
                )
            if next_cursor:
                break
            skip = 0
            marker = page.get("NextMarker")
            if not marker:
                break
            if len(items) == limit:
                next_cursor = _encode_cursor({"m": marker, "s": 0})
                break
        note = None
        if local and not items and cursor is None:
            known = sorted(ctx.emulator().functions()) if ctx.local_started() else []
            if function_name.split(":")[0] not in known:
                note = (f"No local function {function_name!r}. " + (
                    f"Local functions: {', '.join(known[:20])}." if known else
                    "None has run yet: run_durable_function_locally registers one under the function_name it returns."))
        return respond(ExecutionList(executions=items, next_cursor=next_cursor, note=note))  # type: ignore[return-value]

    @_guarded
    def get_durable_execution_history(
        execution_arn: str,
        limit: Annotated[int, Field(ge=1, le=200)] = 50,
        cursor: str | None = None,
        reverse: bool = False,
        raw: Annotated[bool, Field(description="events, not operations")] = False,
    ) -> HistoryResult:
        """An execution's history: one row per operation (status, attempts, timing, error type)."""
        from lambda_durable_mcp.executions.timeline import fit, timeline_rows, trim_event

        state = _decode_cursor(cursor)
        if raw:
            api = ctx.api_for_arn(execution_arn)
            page = api.history_page(execution_arn, include_data=include_data, marker=state.get("m"), max_items=limit, reverse=reverse)
            events = [trim_event(e, include_data=include_data) for e in page.get("Events") or []]
            count = fit(events)
            next_cursor = page.get("NextMarker")
            if count < len(events):  # over the size budget: resume from the first event left out
                next_cursor = None
                events = events[:count]
                last_id = events[-1].get("EventId")
                if isinstance(last_id, int):
                    next_cursor = str(last_id)
            execution = api.get_execution(execution_arn, include_data=False)
            return respond(HistoryResult(
                status=execution.get("Status", "?"), events=events,
                next_cursor=_encode_cursor({"m": next_cursor}) if next_cursor else None, note=note_withheld,
            ))  # type: ignore[return-value]
        history, _api = load_history(execution_arn)
        rows = timeline_rows(history, include_data=include_data, reverse=reverse)
        offset = int(state.get("o", 0))
        window = rows[offset : offset + limit]
        window = window[: fit(window)]
        end = offset + len(window)
        return respond(HistoryResult(
            status=history.execution.status,
            operations=[_row(r) for r in window],
            total=len(rows),
            next_cursor=_encode_cursor({"o": end}) if end < len(rows) else None,
            note=note_withheld,
        ))  # type: ignore[return-value]

    @_guarded
    def diagnose_durable_execution(execution_arn: str) -> DiagnosisResult:
        """Why an execution failed (innermost failed operation) or what it waits on, with next steps."""
        from lambda_durable_mcp.executions.diagnose import diagnose
        from lambda_durable_mcp.executions.timeline import clip, fit, operation_row
        from lambda_durable_mcp.redaction import redact

        history, api = load_history(execution_arn)
        result = diagnose(history, data_included=include_data)
        # The timeline: what failed or waits, and the latest operations, in start order.
        relevant = {op.id for op in history.operations if op.failed or op.status in ("STARTED", "RETRY_PENDING")}
        relevant |= {op.id for op in history.operations[-10:]}
        for op_id in list(relevant):  # the map, parallel or child a kept row sits in, so its parent is there too
            parent = history.by_id[op_id].parent_id
            while parent and parent in history.by_id and parent not in relevant:
                relevant.add(parent)
                parent = history.by_id[parent].parent_id
        ops = [op for op in history.operations if op.id in relevant][-25:]
        rows = [operation_row(history, op, include_data=include_data) for op in ops]
        for row in rows:
            row.pop("callback_id", None)  # waiting_on carries the pending callback ids, once
        rows = rows[len(rows) - fit(list(reversed(rows)), 12_000):]
        cut = None
        if len(rows) < len(history.operations):
            cut = (f"The timeline shows {len(rows)} of {len(history.operations)} operations (the failed, pending and "
                   "latest ones, with their parents); get_durable_execution_history has them all.")
        cause = None
        if result.root_cause is not None:
            rc = result.root_cause
            cause = RootCause(
                operation_name=rc.operation_name,
                operation_type=rc.operation_type,
                error_type=rc.error_type,
                error_message=clip(redact(rc.error_message), 2_000) if include_data else None,
                attempts=rc.attempts,
            )
        logs, note = None, note_withheld
        if include_data and history.execution.status != "SUCCEEDED":
            logs, log_note = _log_lines(ctx, api, execution_arn, history)
            note = log_note
        note = " ".join(filter(None, [cut, note])) or None
        return respond(DiagnosisResult(
            status=result.status,
            summary=result.summary,
            root_cause=cause,
            waiting_on=_waiting_models(result.waiting_on),
            timeline=[_row(r) for r in rows],
            next_steps=result.next_steps,
            guide=result.guide,
            logs=logs,
            note=note,
        ))  # type: ignore[return-value]

    @_guarded
    def send_durable_callback(
        callback_id: str,
        outcome: Literal["success", "failure", "heartbeat"] = "success",
        result: Annotated[Any, Field(description="success: value the waiting code gets")] = None,
        error_type: str | None = None,
        error_message: str | None = None,
    ) -> CallToolResult:
        """Complete (or heartbeat) a pending callback; diagnose_durable_execution shows callback ids."""
        callback_id = (callback_id or "").strip()
        if not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", callback_id) or len(callback_id) > 1024:
            raise ToolError("callback_id must be the id exactly as shown (base64: letters, digits, +, /, =)")
        if len(callback_id) < 16:
            raise ToolError("callback_id looks truncated: copy the whole id from diagnose_durable_execution's waiting_on")
        arn = _callback_execution(callback_id)
        local = ctx.is_local(arn)
        api = ctx.api(local=local)
        before = ctx.emulator().invocation_count(arn) if local and arn else 0
        if local and arn:
            # The emulator accepts a callback for an execution that has ended, and records it after the
            # end; Lambda refuses it. Refuse it here too, before anything is written.
            ended = api.get_execution(arn, include_data=False).get("Status", "RUNNING")
            if ended != "RUNNING":
                raise ToolError(f"The execution of this callback has already ended ({ended}); nothing was sent. "
                                "Start a new execution if the work is still needed.")
        api.send_callback(
            callback_id, outcome, result=None if result is None else _payload_text(result),
            error_type=error_type, error_message=error_message,
        )
        status = None
        if local and arn and outcome != "heartbeat":
            status = ctx.emulator().wait(arn, 30, min_invocations=before + 1).status
        if outcome == "heartbeat":
            note = "Heartbeat recorded: the callback's heartbeat timeout starts again; the execution keeps waiting."
        else:
            note = "The execution resumes; diagnose_durable_execution shows where it is." if status is None else None
        return respond(CallbackResult(sent=outcome, execution_arn=arn if local else None, status=status, note=note))  # type: ignore[return-value]

    @_guarded
    def stop_durable_execution(execution_arn: str, error_type: str | None = None, error_message: str | None = None) -> CallToolResult:
        """Stop a running execution; it ends STOPPED and its pending callbacks and waits are cancelled."""
        local = ctx.is_local(execution_arn)
        api = ctx.api(local=local)
        response = api.stop(execution_arn, error_type=error_type, error_message=error_message)
        if local:
            ctx.emulator().kill_invocations(execution_arn.strip())
        execution = api.get_execution(execution_arn, include_data=False)
        status = execution.get("Status", "STOPPED")
        return respond(StopResult(
            execution_arn=execution_arn.strip(), status=status,
            stopped_at=_iso(response.get("StopTimestamp")) if status in ("STOPPED", "RUNNING") else None,
            note=None if status in ("STOPPED", "RUNNING") else f"It had already ended ({status}); nothing was stopped.",
        ))  # type: ignore[return-value]

    @_guarded
    def invoke_durable_function(
        function_name: Annotated[str, Field(description="name:version, name:alias or qualified ARN")],
        payload: Any = None,
        execution_name: str | None = None,
        invocation_type: Literal["Event", "RequestResponse"] = "Event",
    ) -> CallToolResult:
        """Start a durable execution (Invoke with DurableExecutionName); returns its ARN."""
        if execution_name is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", execution_name):
            raise ToolError("execution_name must be 1-64 letters, digits, '-' or '_'")
        api = ctx.api(local=settings.local, invoke=settings.local)
        body = _payload_text({} if payload is None else payload).encode()
        response = api.invoke(function_name, body, execution_name=execution_name, invocation_type=invocation_type)
        arn = response.get("DurableExecutionArn")
        raw_payload = response.get("Payload")
        text = raw_payload.read().decode("utf-8", errors="replace") if raw_payload is not None else ""
        error = None
        value = None
        note = None if arn else "No DurableExecutionArn came back: is the function durable (DurableConfig set)?"
        if response.get("FunctionError"):
            parsed = _loads_maybe(text) if text else {}
            from lambda_durable_mcp.executions.diagnose import short_type

            error = ErrorInfo(
                error_type=short_type((parsed or {}).get("errorType")) if isinstance(parsed, dict) else "FunctionError"
            )
            if include_data and isinstance(parsed, dict):
                from lambda_durable_mcp.redaction import redact

                error.error_message = redact(str(parsed.get("errorMessage") or ""))
        elif text and include_data:
            from lambda_durable_mcp.redaction import redact

            value = redact(_loads_maybe(text))
        elif text and invocation_type == "RequestResponse":
            note = withheld_note("The result")
        status = None
        if arn:
            try:
                status = ctx.api(local=settings.local).get_execution(arn, include_data=False).get("Status")
            except Exception:  # noqa: BLE001 - the ARN is the answer; status is a bonus
                status = None
        return respond(InvokeResult(
            execution_arn=arn, status_code=int(response.get("StatusCode") or 0), status=status,
            result=value, error=error, note=note,
        ))  # type: ignore[return-value]

    @_guarded
    def run_durable_function_locally(
        handler: Annotated[str, Field(description="file.py:handler (.py/.ts/.js/.mjs), path from the workspace root")],
        input: Any = None,  # noqa: A002
        execution_name: str | None = None,
        timeout_seconds: Annotated[int, Field(ge=1, le=900)] = 60,
        functions: Annotated[
            dict[str, str] | None, Field(description='context.invoke targets: {"name": "file.py:handler"}; name:qualifier and ARNs serve the bare name')
        ] = None,
    ) -> RunResult:
        """Run a durable handler on the local emulator until it ends or suspends (waits on a callback)."""
        from lambda_durable_mcp.local.endpoint import split_function_identifier
        from lambda_durable_mcp.local.handlers import parse_handler

        if execution_name is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", execution_name):
            raise ToolError("execution_name must be 1-64 letters, digits, '-' or '_'")
        emulator = ctx.emulator()
        root = settings.workspace_root
        spec = parse_handler(root, handler)
        if not spec.is_durable():
            raise ToolError(
                f"{spec.file.name} has no durable handler: wrap it with @durable_execution (Python) or "
                "withDurableExecution (TypeScript/JavaScript); get_durable_guide('getting-started') shows how"
            )
        targets = {name: parse_handler(root, target) for name, target in (functions or {}).items()}
        by_bare: dict[str, str] = {}
        for name, target in (functions or {}).items():
            bare = split_function_identifier(name)[0]
            if by_bare.setdefault(bare, target) != target:
                raise ToolError(
                    f"functions gives {bare!r} two handlers: the local emulator has no versions or aliases, "
                    f"every qualifier of {bare!r} runs one handler; give it once"
                )
        for checked in (spec, *targets.values()):
            problem = checked.python_problem()
            if problem:
                raise ToolError(f"{problem}; fix it, then run again")
        for name, target_spec in targets.items():
            emulator.register(target_spec, name)
        prepared = emulator.register(spec)
        arn = emulator.start_execution(prepared.function_name, _payload_text({} if input is None else input), execution_name)
        outcome = emulator.wait(arn, timeout_seconds)
        api = ctx.api(local=True)
        status = outcome.status
        note = None
        if status == "RUNNING":
            api.stop(arn, error_type="LocalRunTimeout", error_message=f"did not finish or suspend within {timeout_seconds}s")
            emulator.kill_invocations(arn)
            status = "TIMED_OUT"
            note = (
                f"Stopped after {timeout_seconds}s without finishing or suspending: a step or the handler "
                "may hang (blocking call without timeout, infinite loop, sleep). Raise timeout_seconds if it is just slow. "
                "The other tools show this execution as STOPPED; diagnose_durable_execution names the operation "
                "that was still running."
            )
        from lambda_durable_mcp.redaction import redact

        execution = api.get_execution(arn, include_data=include_data)
        result_value = None
        error = None
        waiting: list[dict[str, Any]] = []
        if status == "SUCCEEDED" and include_data:
            result_value = redact(_loads_maybe(execution.get("Result")))
        err = execution.get("Error") or {}
        if status in ("FAILED", "TIMED_OUT", "STOPPED") and (err or outcome.invocation_failures or note):
            from lambda_durable_mcp.executions.diagnose import invocation_error, short_type

            error = short_type(err.get("ErrorType")) or ("LocalRunTimeout" if note else "InvocationFailed")
            message = err.get("ErrorMessage") or "; ".join(outcome.invocation_failures)
            inner = invocation_error(err.get("ErrorType"), err.get("ErrorMessage"))
            if inner is not None:
                error, message = inner
                note = (
                    f"The handler could not start or crashed ({error}): check its imports, dependencies and "
                    "exported name; diagnose_durable_execution has details."
                )
            if include_data and message:
                error = f"{error}: {redact(message)[:2000]}"
        if status == "SUSPENDED":
            from lambda_durable_mcp.executions.diagnose import pending_operations
            from lambda_durable_mcp.executions.history import build_history

            events, _ = api.all_events(arn, include_data=False)
            waiting = [w.model_dump(mode="json") for w in _waiting_models(pending_operations(build_history(events)))]
            note = "Suspended (RUNNING to the other tools): send_durable_callback completes a callback; diagnose_durable_execution explains."
        elif status == "FAILED" and note is None:
            note = "diagnose_durable_execution names the failing operation."
        output = None
        if include_data:
            lines = without_library_frames(emulator.logs(arn))
            output = [log_line(redact(line)) for line in lines[-15:]] or None
        if not include_data and (status in ("SUCCEEDED", "FAILED") or output):
            note = f"{note + ' ' if note else ''}{withheld_note('Result, error message and output')}"
        return respond(RunResult(
            execution_arn=arn, function_name=prepared.function_name, status=status, result=result_value,
            error=error, waiting_on=waiting, output=output, note=note,
        ))  # type: ignore[return-value]

    read = Access(open_world=True)
    add_tool(server, settings, list_durable_executions, access=read)
    add_tool(server, settings, get_durable_execution_history, access=read)
    add_tool(server, settings, diagnose_durable_execution, access=read)
    add_tool(
        server, settings, send_durable_callback,
        access=Access(writes=True, idempotent=False, open_world=True), what="sends a callback to an execution",
    )
    add_tool(
        server, settings, stop_durable_execution,
        access=Access(writes=True, destructive=True, idempotent=True, open_world=True), what="stops an execution",
    )
    add_tool(
        server, settings, invoke_durable_function,
        access=Access(writes=True, idempotent=False, open_world=True), what="invokes a Lambda function",
    )
    add_tool(
        server, settings, run_durable_function_locally,
        access=Access(writes=True, idempotent=False), what="runs your handler code",
    )
    _compact_schemas(server, TOOL_NAMES)


TOOL_NAMES = (
    "list_durable_executions",
    "get_durable_execution_history",
    "diagnose_durable_execution",
    "send_durable_callback",
    "stop_durable_execution",
    "invoke_durable_function",
    "run_durable_function_locally",
)


def _log_lines(ctx: ExecutionsContext, api: DurableApi, arn: str, history: Any) -> tuple[list[str] | None, str | None]:
    """Log lines of this execution: the local emulator's captured output, or CloudWatch Logs."""
    from lambda_durable_mcp.redaction import redact

    arn = arn.strip()
    if ctx.is_local(arn):
        lines = pick_lines(without_library_frames(ctx.emulator().logs(arn)), _keywords(history))
        return ([log_line(redact(line)) for line in lines] or None), None
    try:
        return _cloudwatch_lines(ctx, api, arn, history)
    except Exception as exc:  # noqa: BLE001 - logs are a bonus: say why they are missing
        return None, f"CloudWatch Logs lines unavailable: {exc}"


def _cloudwatch_lines(ctx: ExecutionsContext, api: DurableApi, arn: str, history: Any) -> tuple[list[str] | None, str | None]:
    from lambda_durable_mcp.aws.errors import explain
    from lambda_durable_mcp.redaction import redact

    match = re.match(r"^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:/]+)(?::([^/]+))?/durable-execution/([^/]+)/([^/]+)$", arn)
    if not match:
        return None, "CloudWatch Logs lines need an AWS execution ARN."
    function_arn, _qualifier, exec_name, exec_id = match.groups()
    group = api.function_log_group(function_arn)
    logs = ctx.logs_client()
    kwargs: dict[str, Any] = {"logGroupName": group, "filterPattern": f'"{exec_id}"', "limit": 50}
    start = history.execution.start
    if isinstance(start, datetime):
        kwargs["startTime"] = int(start.timestamp() * 1000) - 60_000
    try:
        response = logs.filter_log_events(**kwargs)
    except Exception as exc:  # noqa: BLE001
        raise explain(exc, "FilterLogEvents", group) from exc
    lines = [str(e.get("message", "")).rstrip() for e in response.get("events") or []]
    picked = [log_line(redact(line)) for line in pick_lines(lines, _keywords(history))]
    return (picked or None), (None if lines else f"No lines mentioning {exec_name} in {group}.")


def _keywords(history: Any) -> list[str]:
    from lambda_durable_mcp.executions.diagnose import find_root_cause, short_type

    words = ["Error", "Exception", "Traceback"]
    if history.execution.status in ("FAILED", "TIMED_OUT"):
        cause, _ = find_root_cause(history)
        if cause is not None:
            words += [w for w in (short_type(cause.error_type), cause.operation_name) if w]
    return words


_JSON_LOG_DROP = ("requestId", "timestamp", "executionArn", "operationId", "level", "operationName", "attempt",
                  "message", "time", "xray_trace_id", "function_request_id")


_LIBRARY_FRAME = re.compile(r'^\s*File "[^"]*[/\\](?:site-packages|dist-packages|node_modules)[/\\]|^\s+at .*[/\\]node_modules[/\\]')


def without_library_frames(lines: list[str]) -> list[str]:
    """Stack traces without the frames of installed packages (the SDK's own, mostly): the agent needs the
    handler's frames, and the SDK's cost many lines. A Python frame's source line goes with it."""
    out: list[str] = []
    skip_source = False
    for line in lines:
        if _LIBRARY_FRAME.match(line):
            skip_source = line.lstrip().startswith("File ")
            continue
        if skip_source and line.startswith("    ") and not line.lstrip().startswith("File "):
            continue  # the source line (and a ^^^ marker line) of the skipped frame
        skip_source = False
        out.append(line)
    return out


def log_line(line: str, limit: int = 300) -> str:
    """One log line, short: a structured (JSON) line from the SDKs' loggers keeps its level, operation,
    attempt, message and any other fields, without ids and timestamps the agent already has."""
    start = line.find("{")
    if start >= 0 and line.rstrip().endswith("}"):
        try:
            data = json.loads(line[start:])
        except ValueError:
            data = None
        if isinstance(data, dict) and "message" in data:
            head = " ".join(str(data[k]) for k in ("level",) if data.get(k))
            where = data.get("operationName") or ""
            if where and data.get("attempt") not in (None, 1):
                where += f" (attempt {data['attempt']})"
            rest = {k: v for k, v in data.items() if k not in _JSON_LOG_DROP}
            text = f"{head} {where + ': ' if where else ''}{data['message']}"
            if rest:
                text += " " + json.dumps(rest, separators=(",", ":"), default=str)
            line = (line[:start].strip() + " " + text.strip()).strip()
    return line[:limit]


def pick_lines(lines: list[str], keywords: list[str], limit: int = 20) -> list[str]:
    """The lines naming the failure (latest first to go), then the last lines, in log order."""
    strong = [i for i, line in enumerate(lines) if any(k in line for k in keywords[3:])]
    weak = [i for i, line in enumerate(lines) if any(k in line for k in keywords[:3])]
    chosen: list[int] = []
    for group in (strong[-8:], weak[-4:], list(range(len(lines)))[-limit:]):
        for index in reversed(group):
            if index not in chosen and len(chosen) < limit:
                chosen.append(index)
    return [lines[i] for i in sorted(chosen)]


def _compact_schemas(server: MCPServer, names: tuple[str, ...]) -> None:
    """Shorter schemas: ``anyOf [X, null]`` -> X and no ``default: null`` (nulls are omitted)."""
    for name in names:
        tool = server._tool_manager.get_tool(name)
        if tool is None:
            continue
        _compact(tool.parameters)
        schema = tool.fn_metadata.output_schema
        if schema:
            _compact(schema)
            # Kept in the output even when null (DiagnosisResult._keep): the schema must say so.
            cause = schema.get("properties", {}).get("root_cause")
            if cause and "$ref" in cause:
                schema["properties"]["root_cause"] = {"anyOf": [{"$ref": cause["$ref"]}, {"type": "null"}]}


def _compact(schema: Any) -> Any:
    if isinstance(schema, dict):
        any_of = schema.get("anyOf")
        if isinstance(any_of, list):
            kept = [s for s in any_of if not (isinstance(s, dict) and s.get("type") == "null")]
            if len(kept) == 1 and len(kept) < len(any_of) and isinstance(kept[0], dict):
                del schema["anyOf"]
                for key, value in kept[0].items():
                    schema.setdefault(key, value)
        if "default" in schema and schema["default"] in (None, [], False):
            del schema["default"]
        if schema.get("additionalProperties") is True:
            del schema["additionalProperties"]
        for value in list(schema.values()):
            _compact(value)
    elif isinstance(schema, list):
        for item in schema:
            _compact(item)
    return schema
