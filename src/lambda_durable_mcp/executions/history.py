"""History events -> one record per durable operation, in start order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TERMINAL_EXECUTION_EVENTS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionStopped": "STOPPED",
}
_SUFFIX_STATUS = {
    "Started": "STARTED",
    "Succeeded": "SUCCEEDED",
    "Failed": "FAILED",
    "TimedOut": "TIMED_OUT",
    "Stopped": "STOPPED",
    "Cancelled": "CANCELLED",
}
_TYPE_PREFIXES = (
    ("ChainedInvoke", "CHAINED_INVOKE"),
    ("Execution", "EXECUTION"),
    ("Context", "CONTEXT"),
    ("Callback", "CALLBACK"),
    ("Step", "STEP"),
    ("Wait", "WAIT"),
)
FAILED_STATUSES = {"FAILED", "TIMED_OUT", "STOPPED"}


def split_event_type(event_type: str) -> tuple[str | None, str | None]:
    """``StepFailed`` -> ("STEP", "FAILED"); unknown kinds -> (None, None)."""
    for prefix, op_type in _TYPE_PREFIXES:
        if event_type.startswith(prefix):
            return op_type, _SUFFIX_STATUS.get(event_type[len(prefix) :])
    return None, None


def details_of(event: dict[str, Any]) -> dict[str, Any]:
    """The ``<EventType>Details`` member of an event, or {}."""
    value = event.get(f"{event.get('EventType', '')}Details")
    return value if isinstance(value, dict) else {}


def error_of(details: dict[str, Any]) -> dict[str, Any]:
    """``Error.Payload`` (history events) or ``Error`` itself (an ErrorObject), or {}."""
    error = details.get("Error")
    if not isinstance(error, dict):
        return {}
    payload = error.get("Payload")
    if isinstance(payload, dict):
        return payload
    return error if ("ErrorType" in error or "ErrorMessage" in error) else {}


def _ts(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if isinstance(value, (int, float)):
        from datetime import UTC

        return datetime.fromtimestamp(value, UTC)
    return None


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Operation:
    id: str
    type: str
    name: str | None = None
    sub_type: str | None = None
    parent_id: str | None = None
    status: str = "STARTED"
    start: datetime | None = None
    end: datetime | None = None
    attempts: int = 0
    error_type: str | None = None
    error_message: str | None = None
    error: dict[str, Any] = field(default_factory=dict)
    retry_pending: bool = False
    next_attempt_delay_s: int | None = None
    callback_id: str | None = None
    callback_timeout_s: int | None = None
    heartbeat_timeout_s: int | None = None
    timer_end: datetime | None = None
    wait_seconds: int | None = None
    function_name: str | None = None
    child_execution_arn: str | None = None
    result: Any = None
    first_event: int = 0
    last_event: int = 0

    @property
    def duration_s(self) -> float | None:
        if self.start and self.end:
            return round((self.end - self.start).total_seconds(), 3)
        return None

    @property
    def failed(self) -> bool:
        return self.status in FAILED_STATUSES


@dataclass
class ExecutionSummary:
    """The execution-level facts of a history."""

    id: str | None = None
    name: str | None = None
    status: str = "RUNNING"
    start: datetime | None = None
    end: datetime | None = None
    input: Any = None
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    error: dict[str, Any] = field(default_factory=dict)
    timeout_s: int | None = None
    invocations: int = 0
    invocation_errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class History:
    execution: ExecutionSummary
    operations: list[Operation]
    by_id: dict[str, Operation]
    events: int

    def children(self, op_id: str) -> list[Operation]:
        return [op for op in self.operations if op.parent_id == op_id]

    def ancestors(self, op: Operation) -> list[Operation]:
        out: list[Operation] = []
        current = op
        seen = set()
        while current.parent_id and current.parent_id in self.by_id and current.parent_id not in seen:
            seen.add(current.parent_id)
            current = self.by_id[current.parent_id]
            out.append(current)
        return out

    def path(self, op: Operation) -> str:
        """``outer > inner > op`` by names, for humans. The callback of a wait_for_callback is shown as
        the wait_for_callback itself: the SDK's name for it ("X create callback id") is no user's."""
        parent = self.by_id.get(op.parent_id or "")
        if op.type == "CALLBACK" and parent is not None and parent.sub_type == "WaitForCallback":
            return self.path(parent)
        names = [a.name or a.type.lower() for a in reversed(self.ancestors(op))]
        return " > ".join([*names, op.name or op.type.lower()])


def build_history(events: list[dict[str, Any]]) -> History:
    execution = ExecutionSummary()
    ops: dict[str, Operation] = {}
    order: list[Operation] = []
    for index, event in enumerate(events):
        event_type = str(event.get("EventType") or "")
        details = details_of(event)
        when = _ts(event.get("EventTimestamp"))
        if event_type == "InvocationCompleted":
            execution.invocations += 1
            err = error_of(details)
            if err:
                execution.invocation_errors.append(err)
            continue
        op_type, status = split_event_type(event_type)
        if op_type is None:
            continue
        if op_type == "EXECUTION":
            if status == "STARTED":
                execution.id = event.get("Id")
                execution.name = event.get("Name")
                execution.start = when
                execution.timeout_s = details.get("ExecutionTimeout")
                execution.input = (details.get("Input") or {}).get("Payload")
            elif event_type in TERMINAL_EXECUTION_EVENTS:
                execution.status = TERMINAL_EXECUTION_EVENTS[event_type]
                execution.end = when
                err = error_of(details)
                execution.error = err
                execution.error_type = err.get("ErrorType")
                execution.error_message = err.get("ErrorMessage")
                execution.result = (details.get("Result") or {}).get("Payload")
            continue
        op_id = str(event.get("Id") or f"event-{index}")
        op = ops.get(op_id)
        if op is None:
            op = Operation(id=op_id, type=op_type, first_event=index)
            ops[op_id] = op
            order.append(op)
        op.name = event.get("Name") or op.name
        op.sub_type = event.get("SubType") or op.sub_type
        op.parent_id = event.get("ParentId") or op.parent_id
        op.last_event = index
        if status is None:
            continue
        if status == "STARTED":
            if op.start is None:
                op.start = when
            if op.type == "STEP":
                op.attempts += 1
            op.status = "STARTED"
            op.retry_pending = False
            op.end = None
            if op.type == "CALLBACK":
                op.callback_id = details.get("CallbackId") or op.callback_id
                op.callback_timeout_s = details.get("Timeout")
                op.heartbeat_timeout_s = details.get("HeartbeatTimeout")
            elif op.type == "WAIT":
                op.wait_seconds = details.get("Duration")
                op.timer_end = _ts(details.get("ScheduledEndTimestamp"))
            elif op.type == "CHAINED_INVOKE":
                op.function_name = details.get("FunctionName") or op.function_name
                op.child_execution_arn = details.get("DurableExecutionArn") or op.child_execution_arn
            continue
        op.status = status
        op.end = when
        retry = details.get("RetryDetails") if isinstance(details.get("RetryDetails"), dict) else None
        if retry and retry.get("CurrentAttempt"):
            op.attempts = max(op.attempts, int(retry["CurrentAttempt"]))
        if op.type == "STEP" and op.attempts == 0:
            op.attempts = 1
        err = error_of(details)
        if err:
            op.error = err
            op.error_type = err.get("ErrorType")
            op.error_message = err.get("ErrorMessage")
        if status == "FAILED" and retry and (retry.get("NextAttemptDelaySeconds") or 0) > 0:
            op.retry_pending = True
            op.next_attempt_delay_s = int(retry["NextAttemptDelaySeconds"])
        else:
            op.retry_pending = False
        result = details.get("Result")
        if isinstance(result, dict):
            op.result = result.get("Payload")
    # A step whose last attempt failed with a retry pending is failed only if nothing retried it
    # and the execution is over; while it runs, it is waiting for its next attempt.
    if execution.status == "RUNNING":
        for op in order:
            if op.type == "STEP" and op.status == "FAILED" and op.retry_pending:
                op.status = "RETRY_PENDING"
    return History(execution=execution, operations=order, by_id=ops, events=len(events))
