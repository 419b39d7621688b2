"""Why did this execution fail, or what is it waiting for? From the history alone.

The root cause is the innermost failed operation that made the execution fail: the step inside
a child context, map item or parallel branch (whose wrappers fail, or even succeed, around it),
the callback that timed out or was failed from outside, the exhausted wait_for_condition, the
chained invoke that failed. Not the wrapper around it, and not a failure the code caught.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from lambda_durable_mcp.executions.history import History, Operation, iso

# Errors the SDKs raise at the execution level around an operation's failure (Python and JS).
WRAPPER_ERRORS = {
    "StepError",
    "ChildContextError",
    "InvokeError",
    "CallbackError",
    "CallbackTimeoutError",
    "CallbackExternalError",
    "CallbackSubmitterError",
    "WaitForConditionError",
    "BatchCompletionError",
    "DurableOperationError",
    "StepInterruptedError",
    "ChainedInvokeError",
    "ChildContextFailedError",
}
_NON_DETERMINISM = re.compile(r"non[- ]?determinis", re.IGNORECASE)
# The JS SDK terminates the invocation with this when an operation runs on a context other than the
# active one: inside a step (DUR010) or on a parent context inside a child/map/parallel body (DUR011).
_CONTEXT_USAGE = re.compile(r'Context usage error in "([A-Za-z_]+)"')
_EXPECTED_CONTEXT = re.compile(r'Expected context ID: "([^"]+)"')
_OP_ID_IN_MESSAGE = re.compile(r"id='([^']+)'")


@dataclass
class RootCause:
    operation_name: str | None
    operation_type: str
    error_type: str | None
    error_message: str | None
    attempts: int | None
    operation_id: str | None = None
    path: str | None = None
    child_execution_arn: str | None = None


@dataclass
class Waiting:
    operation_name: str | None
    operation_type: str
    callback_id: str | None = None
    timeout: str | None = None  # when the callback times out or the timer ends (ISO 8601)
    started: str | None = None
    function_name: str | None = None


@dataclass
class Diagnosis:
    status: str
    summary: str
    root_cause: RootCause | None
    waiting_on: list[Waiting]
    next_steps: list[str]
    guide: str
    kind: str  # failed-operation, non-determinism, execution-error, timed-out, stopped, waiting, ...
    extra: dict[str, Any] = field(default_factory=dict)


def short_type(error_type: str | None) -> str | None:
    """``aws_durable_execution_sdk_python.exceptions.StepError`` -> ``StepError``."""
    if not error_type:
        return error_type
    return error_type.rsplit(".", 1)[-1]


def display_name(history: History, op: Operation) -> str | None:
    """The name a user wrote: a callback inside wait_for_callback(name=X) is X."""
    parent = history.by_id.get(op.parent_id or "")
    if parent is not None and parent.sub_type == "WaitForCallback" and op.type == "CALLBACK":
        return parent.name
    return op.name


def _descendants_failed(history: History, op: Operation) -> bool:
    stack = [op.id]
    seen = set()
    while stack:
        current = stack.pop()
        for child in history.children(current):
            if child.id in seen:
                continue
            seen.add(child.id)
            if child.failed:
                return True
            stack.append(child.id)
    return False


def _root_from_op(history: History, op: Operation, error_type: str | None = None, error_message: str | None = None) -> RootCause:
    return RootCause(
        operation_name=display_name(history, op),
        operation_type=op.type,
        error_type=op.error_type or error_type or ("CallbackTimeout" if op.status == "TIMED_OUT" else None),
        error_message=op.error_message or error_message,
        attempts=op.attempts or None,
        operation_id=op.id,
        path=history.path(op),
        child_execution_arn=op.child_execution_arn,
    )


_INNER_ERROR = re.compile(r'\{"errorType":\s*"([^"]+)",\s*"errorMessage":\s*"((?:[^"\\]|\\.)*)"')


def invocation_error(error_type: str | None, message: str | None) -> tuple[str, str] | None:
    """The handler's own error inside an emulator "invocation failed" wrapper, if any.

    A handler that cannot start (import error, wrong name) never records an operation: the
    emulator fails the execution with its own error type around the Lambda error payload.
    """
    if not message or short_type(error_type) not in ("DurableFunctionsTestError", "InvocationError", None):
        return None
    match = _INNER_ERROR.search(message)
    if not match:
        return None
    inner_message = match.group(2).encode().decode("unicode_escape", errors="replace")
    return match.group(1), inner_message


_EXPECTED_NAME = re.compile(r'Expected name "([^"]+)"')
_STEP_COUNTER = re.compile(r'for step "(\d+)"')


def _non_deterministic_operation(history: History, message: str) -> Operation | None:
    """The operation a non-determinism error names: by id (Python SDK), by the recorded name or
    by its position among the top-level operations (JS SDK: 'step "2"')."""
    match = _OP_ID_IN_MESSAGE.search(message)
    if match and match.group(1) in history.by_id:
        return history.by_id[match.group(1)]
    match = _EXPECTED_NAME.search(message)
    if match:
        named = [op for op in history.operations if op.name == match.group(1)]
        if named:
            return named[0]
    match = _STEP_COUNTER.search(message)
    if match:
        top = [op for op in history.operations if not op.parent_id]
        index = int(match.group(1)) - 1
        if 0 <= index < len(top):
            return top[index]
    return None


def _context_in_use(history: History, message: str) -> Operation | None:
    """The operation whose context was active: the JS SDK names it by its step id ("2", "1-1"), and
    records it under the first 16 hex digits of that id's MD5; else the innermost open operation."""
    match = _EXPECTED_CONTEXT.search(message)
    if match:
        hashed = hashlib.md5(match.group(1).encode(), usedforsecurity=False).hexdigest()[:16]
        op = history.by_id.get(hashed) or history.by_id.get(match.group(1))
        if op is not None:
            return op
    return _innermost_open(history)


def _innermost_open(history: History) -> Operation | None:
    """The latest-started STARTED operation with no STARTED operation inside it."""
    open_ops = [op for op in history.operations if op.status == "STARTED"]
    open_ids = {op.parent_id for op in open_ops}
    leaves = [op for op in open_ops if op.id not in open_ids]
    if not leaves:
        return None
    return max(leaves, key=lambda o: (o.start.timestamp() if o.start else 0.0, o.last_event))


def find_root_cause(history: History) -> tuple[RootCause | None, str]:
    """(root cause, kind) for a failed execution."""
    ex = history.execution
    if _CONTEXT_USAGE.search(ex.error_message or ""):
        op = _context_in_use(history, ex.error_message or "")
        if op is not None:
            cause = _root_from_op(history, op)
            cause.error_type, cause.error_message, cause.attempts = ex.error_type, ex.error_message, None
            return cause, "context-usage"
        return RootCause(None, "EXECUTION", ex.error_type, ex.error_message, None), "context-usage"
    inner = invocation_error(ex.error_type, ex.error_message)
    if inner is not None and not any(op.failed for op in history.operations):
        return RootCause(None, "EXECUTION", inner[0], inner[1], None), "invocation-error"
    message = ex.error_message or ""
    if _NON_DETERMINISM.search(message) or _NON_DETERMINISM.search(ex.error_type or ""):
        op = _non_deterministic_operation(history, message)
        if op is not None:
            cause = _root_from_op(history, op)
            cause.error_type, cause.error_message = ex.error_type, ex.error_message
            return cause, "non-determinism"
        return RootCause(None, "EXECUTION", ex.error_type, ex.error_message, None), "non-determinism"
    failed = [op for op in history.operations if op.failed]
    leaves = [op for op in failed if not _descendants_failed(history, op)]
    if leaves:
        matching = [op for op in leaves if message and op.error_message and op.error_message.strip() == message.strip()]
        wrapper = short_type(ex.error_type) in WRAPPER_ERRORS or not ex.error_type
        pool = matching or (leaves if wrapper else [])
        if pool:
            chosen = max(pool, key=lambda o: (o.end or o.start or 0, o.last_event) if (o.end or o.start) else (0, o.last_event))  # type: ignore[operator]
            return _root_from_op(history, chosen), "failed-operation"
    if ex.error_type or ex.error_message or ex.status == "FAILED":
        return RootCause(None, "EXECUTION", ex.error_type, ex.error_message, None), "execution-error"
    return None, "unknown"


def pending_operations(history: History) -> list[Waiting]:
    out: list[Waiting] = []
    for op in history.operations:
        if op.type == "CALLBACK" and op.status == "STARTED":
            deadline = op.start + timedelta(seconds=op.callback_timeout_s) if op.start and op.callback_timeout_s else None
            out.append(Waiting(display_name(history, op), "CALLBACK", op.callback_id, iso(deadline), iso(op.start)))
        elif op.type == "WAIT" and op.status == "STARTED":
            end = op.timer_end or (op.start + timedelta(seconds=op.wait_seconds) if op.start and op.wait_seconds else None)
            out.append(Waiting(op.name, "WAIT", None, iso(end), iso(op.start)))
        elif op.type == "CHAINED_INVOKE" and op.status == "STARTED":
            out.append(Waiting(op.name, "CHAINED_INVOKE", None, None, iso(op.start), op.function_name))
        elif op.type == "STEP" and op.status == "RETRY_PENDING":
            nxt = op.end + timedelta(seconds=op.next_attempt_delay_s) if op.end and op.next_attempt_delay_s else None
            out.append(Waiting(op.name, "STEP", None, iso(nxt), iso(op.start)))
        elif op.type == "STEP" and op.status == "STARTED":
            out.append(Waiting(op.name, "STEP", None, None, iso(op.start)))
    return out


def _guide_for(cause: RootCause | None, kind: str, history: History) -> str:
    if kind == "non-determinism":
        return "replay-model-rules"
    if kind == "context-usage":
        return "concurrent-operations" if cause is not None and cause.operation_type == "CONTEXT" else "step-operations"
    if kind in ("timed-out", "execution-error", "stopped", "unknown", "invocation-error"):
        return "troubleshooting-executions"
    if kind == "waiting":
        return "wait-operations"
    if cause is None:
        return "troubleshooting-executions"
    op = history.by_id.get(cause.operation_id or "")
    if cause.operation_type == "CALLBACK" or (op is not None and op.sub_type == "WaitForCondition"):
        return "wait-operations"
    if cause.operation_type == "CHAINED_INVOKE":
        return "advanced-patterns"
    if op is not None and any(a.sub_type in ("Map", "Parallel") for a in history.ancestors(op)):
        return "concurrent-operations"
    return "error-handling"


def callback_next_steps(waits: list[Waiting]) -> list[str]:
    steps = []
    for w in waits:
        if w.callback_id:
            # the id is in waiting_on; repeating a ~200-character id here costs tokens and adds nothing
            steps.append(
                f"Complete callback {w.operation_name!r}: send_durable_callback with its callback_id from waiting_on, "
                'outcome="success", result="<JSON the code expects>" (or outcome="failure" with error_type/error_message).'
            )
    return steps


def diagnose(history: History, *, data_included: bool) -> Diagnosis:
    ex = history.execution
    status = ex.status
    waits = pending_operations(history)
    name = ex.name or "the execution"
    withheld_hint = (
        "" if data_included else " Error messages are withheld: restart the server with --allow-sensitive-data-access to see them."
    )
    if status == "SUCCEEDED":
        took = f" in {_span((ex.end - ex.start).total_seconds())}" if ex.end and ex.start else ""
        summary = f"{name} succeeded{took} after {len(history.operations)} operations."
        open_ops = [w for w in waits if w.operation_type in ("CALLBACK", "WAIT", "CHAINED_INVOKE")]
        if not open_ops:
            return Diagnosis(status, summary, None, [], [], "troubleshooting-executions", "succeeded")
        # The handler returned while an operation it started was still open. A race or a map's
        # completion config may abandon one on purpose; otherwise the exception that suspends the
        # execution at that operation was caught and the code went on (DUR016).
        shown = ", ".join(f"{w.operation_type.lower().replace('_', ' ')} {w.operation_name!r}" for w in open_ops)
        summary += f" It ended with {shown} still open."
        steps = [
            "Unless the code abandons it on purpose (a race, a completion config), a catch-all except/catch around that "
            "operation swallowed the suspension and the handler went on without its result (DUR016): catch only your "
            "own exception types there, then run validate_durable_code on the handler.",
        ]
        return Diagnosis(status, summary, None, open_ops, steps, "error-handling", "succeeded")
    if status == "RUNNING":
        if waits:
            parts = []
            for w in waits:
                if w.operation_type == "CALLBACK":
                    parts.append(f"callback {w.operation_name!r}" + (f" (times out {w.timeout})" if w.timeout else ""))
                elif w.operation_type == "WAIT":
                    parts.append(f"timer {w.operation_name!r} until {w.timeout}")
                elif w.operation_type == "CHAINED_INVOKE":
                    parts.append(f"invoke {w.operation_name!r} of {w.function_name}")
                elif w.timeout:
                    parts.append(f"retry of step {w.operation_name!r} at {w.timeout}")
                else:
                    parts.append(f"step {w.operation_name!r} in progress")
            summary = f"{name} is running, waiting on " + "; ".join(parts) + "."
        else:
            summary = f"{name} is running; nothing is pending in its history yet (an invocation may be in progress)."
        steps = callback_next_steps(waits)
        if any(w.operation_type == "STEP" and not w.timeout for w in waits):
            steps.append("A step that stays in progress may hang: check it has a timeout on every network call; stop_durable_execution ends the execution.")
        if not steps:
            steps.append("Call get_durable_execution_history again later, or stop_durable_execution to end it.")
        return Diagnosis(status, summary, None, waits, steps, "wait-operations", "waiting")
    if status == "STOPPED":
        return Diagnosis(status, f"{name} was stopped (StopDurableExecution)." + (f" Pending then: {', '.join(str(w.operation_name) for w in waits)}." if waits else ""), None, waits, ["Start a new execution if the work is still needed."], "troubleshooting-executions", "stopped")
    if status == "TIMED_OUT":
        pending = ", ".join(f"{w.operation_type.lower()} {w.operation_name!r}" for w in waits) or "nothing recorded"
        steps = [
            "Raise DurableConfig.ExecutionTimeout if the work legitimately takes longer, or give callbacks and waits shorter timeouts so the code can handle them.",
        ]
        return Diagnosis(status, f"{name} timed out (execution timeout {ex.timeout_s or '?'}s) while waiting on {pending}.", None, waits, steps, "troubleshooting-executions", "timed-out")
    cause, kind = find_root_cause(history)
    steps: list[str] = []
    if kind == "non-determinism":
        where = f" at operation {cause.operation_name!r}" if cause and cause.operation_name else ""
        summary = f"{name} failed: the code took a different path on replay{where} (non-deterministic orchestration code)."
        steps = [
            "Orchestration code re-runs from the top on every invocation: operation names, order and count must not depend on time, randomness, environment or external reads outside steps.",
            "Move the non-deterministic value into a step (its result is replayed), then run validate_durable_code on the handler.",
        ]
        inside = started_inside(history)
        if inside is not None:  # the structural causes explain it better than a non-deterministic value
            summary += f" {inside[0]}"
            steps = [inside[1], steps[1]]
    elif kind == "context-usage" and cause is not None:
        summary, steps = _context_usage(name, cause)
    elif kind == "failed-operation" and cause is not None:
        tries = f" after {cause.attempts} attempts" if cause.attempts and cause.attempts > 1 else ""
        etype = short_type(cause.error_type) or "an error"
        where = f" ({cause.path})" if cause.path and cause.path != cause.operation_name else ""
        if cause.operation_type == "CALLBACK":
            op = history.by_id.get(cause.operation_id or "")
            timed_out = op is not None and op.status == "TIMED_OUT"
            how = "timed out" if timed_out else "was failed by the callback sender"
            summary = f"{name} failed: callback {cause.operation_name!r}{where} {how}."
            if timed_out:
                steps = ["Send the callback before its timeout (send_durable_callback), raise the timeout, or use heartbeats for long work; catch the callback error in the code to take a fallback path."]
            else:
                steps = [f"The sender answered with a failure ({etype}): if a rejection is an expected answer, catch the callback error in the code and take that path (compensate, notify); otherwise fix what the sender saw."]
        elif cause.operation_type == "CHAINED_INVOKE":
            summary = f"{name} failed: chained invoke {cause.operation_name!r}{where} failed with {etype}."
            if cause.child_execution_arn:
                steps.append(f'Diagnose the invoked execution: diagnose_durable_execution(execution_arn="{cause.child_execution_arn}").')
            steps.append("Fix the invoked function, or catch the invoke error in the caller.")
        else:
            summary = f"{name} failed: {cause.operation_type.lower().replace('_', ' ')} {cause.operation_name!r}{where} raised {etype}{tries}."
            steps = [
                f"Fix the code of {cause.operation_name!r} or what it calls; if the error is transient, give the step a retry strategy; if it is expected, catch it in the handler.",
            ]
        if cause.error_message is None and not data_included:
            summary += withheld_hint
    elif kind == "invocation-error" and cause is not None:
        summary = f"{name} failed: every invocation of the handler failed with {cause.error_type} before it could record anything."
        steps = [
            "The handler could not start or crashed: check its imports and dependencies (installed for the "
            "interpreter or node_modules the handler runs with), the exported function name, and its module-level code.",
        ]
        if cause.error_message is None and not data_included:
            summary += withheld_hint
    else:
        etype = short_type(cause.error_type) if cause else None
        summary = f"{name} failed in handler code outside any durable operation" + (f" with {etype}." if etype else ".")
        steps = ["The exception was raised by orchestration code (or the handler could not start): check the handler's own code and logs."]
        open_step = _innermost_open(history)
        if open_step is not None and open_step.type == "STEP" and not data_included:
            steps.append(
                f"Step {open_step.name!r} was still in progress: if it calls a durable operation (directly or through "
                "a helper), that is a durable operation inside a step (DUR010), which the JS SDK stops this way."
            )
        if history.execution.invocation_errors:
            steps.append("Some invocations failed before recording a result: check imports, dependencies and the handler name.")
        if cause and cause.error_message is None and not data_included:
            summary += withheld_hint
    steps.append("After fixing, re-run it locally with run_durable_function_locally and diagnose again.")
    return Diagnosis(status, summary, cause, waits, steps, _guide_for(cause, kind, history), kind)


def started_inside(history: History) -> tuple[str, str] | None:
    """(summary sentence, next step) when an operation started while a step of the same context was
    running (a durable operation inside a step, DUR010) or while a child, map or parallel body below
    its context was running (the outer context used in that body, DUR011). The Python SDK records
    both without an error of its own; they surface as non-determinism on replay."""
    # event order, not timestamps: operations of one invocation often share a millisecond
    ops = list(history.operations)
    spans = [op for op in ops if op.type in ("STEP", "CONTEXT")]

    # the contexts above each span (None: the top level), computed once
    above = {id(span): {a.id for a in history.ancestors(span)} | {None} for span in spans}

    for op in sorted(ops, key=lambda o: o.first_event):
        for span in spans:
            if span is op or span.id == op.parent_id or op.id in above[id(span)]:
                continue
            ended = span.status != "STARTED" and span.last_event > span.first_event
            if not (span.first_event < op.first_event and (not ended or op.first_event < span.last_event)):
                continue
            if span.type == "STEP" and op.parent_id == span.parent_id:
                return (f"Operation {op.name!r} started while step {span.name!r} was running: unless the code runs "
                        "them concurrently on purpose, a durable operation inside a step (DUR010).",
                        f"Move the operation out of the function given to step {span.name!r} (also when a helper it "
                        "calls runs it); to group operations under one name, use a child context.")
            if span.type == "CONTEXT" and op.parent_id in above[id(span)]:
                return (f"Operation {op.name!r} started on an outer context while {span.name!r} was running: the "
                        "outer context used inside a child, map or parallel body (DUR011).",
                        "Inside a child, map or parallel body, call operations on the context that body receives.")
    return None


def _context_usage(name: str, cause: RootCause) -> tuple[str, list[str]]:
    """Summary and fix for the JS SDK's "Context usage error": the operation ran on the wrong context."""
    match = _CONTEXT_USAGE.search(cause.error_message or "")
    call = f"context.{match.group(1)}()" if match else "a durable operation"
    where = f" ({cause.path})" if cause.path and cause.path != cause.operation_name else ""
    if cause.operation_type == "STEP":
        summary = (
            f"{name} failed: {call} was called inside step {cause.operation_name!r}{where}, which stays STARTED "
            "(a durable operation inside a step, DUR010)."
        )
        steps = [
            f"Move {call} out of the function given to step {cause.operation_name!r}, also when a helper or closure "
            "calls it; to group several operations under one name use "
            "context.runInChildContext(name, async (child) => ...) and call them on child.",
        ]
    elif cause.operation_type == "CONTEXT":
        summary = (
            f"{name} failed: {call} was called on a parent context inside {cause.operation_name or 'a child context'!r}"
            f"{where} (a parent context used in a child, DUR011)."
        )
        steps = [
            "Inside a runInChildContext, map or parallel body, call operations on the context that body receives "
            "(its first parameter), not on the outer context.",
        ]
    else:
        summary = (
            f"{name} failed: {call} ran on the wrong context: a durable operation inside a step (DUR010) "
            "or a parent context used inside a child, map or parallel body (DUR011)."
        )
        steps = [
            "Keep durable operations out of step functions (group them with runInChildContext instead), and inside "
            "a child, map or parallel body use the context that body receives.",
        ]
    steps.append("validate_durable_code on the handler points at the line (DUR010, DUR011).")
    return summary, steps


def _span(seconds: float) -> str:
    """A duration an agent reads at a glance: 1.2s, 4m 10s, 3h 5m, 330d 2h."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(round(seconds)), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m {secs}s" if secs else f"{minutes}m"
