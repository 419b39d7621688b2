"""Compact, agent-sized views of a history: operation rows, trimmed raw events, size budgets."""

from __future__ import annotations

import json
from typing import Any

from lambda_durable_mcp.executions.diagnose import display_name, short_type
from lambda_durable_mcp.executions.history import History, Operation, iso
from lambda_durable_mcp.redaction import redact

# One response stays under ~8,000 tokens; the text and structured copies are built from this.
RESPONSE_BUDGET_CHARS = 24_000
VALUE_LIMIT = 1_000  # one payload shown in a row (with --allow-sensitive-data-access)
SENSITIVE_KEYS = ("Input", "Result", "ErrorMessage", "ErrorData", "StackTrace", "Payload")


_ENVELOPE_TAGS = {"n", "s", "i", "f", "b", "by", "u", "d", "dt", "dat", "t", "l", "m", "br"}


def _unwrap(node: Any) -> Any:
    if isinstance(node, dict) and set(node) == {"t", "v"} and node["t"] in _ENVELOPE_TAGS:
        tag, value = node["t"], node["v"]
        if tag in ("m", "br") and isinstance(value, dict):
            return {k: _unwrap(v) for k, v in value.items()}
        if tag in ("l", "t") and isinstance(value, list):
            return [_unwrap(v) for v in value]
        return value
    return node


def plain_payload(text: Any) -> Any:
    """The Python SDK stores results in a typed envelope ({"t": "m", "v": ...}); show plain JSON."""
    if not isinstance(text, str) or not text.startswith('{"t":'):
        return text
    try:
        return json.dumps(_unwrap(json.loads(text)), separators=(",", ":"), default=str)
    except ValueError:
        return text


def clip(value: Any, limit: int = VALUE_LIMIT) -> Any:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more chars]"


def operation_row(history: History, op: Operation, *, include_data: bool) -> dict[str, Any]:
    parent = history.by_id.get(op.parent_id or "")
    row: dict[str, Any] = {
        "name": display_name(history, op) if op.type == "CALLBACK" else op.name,
        "type": op.sub_type or op.type,
        "status": op.status,
        "attempts": op.attempts if op.type == "STEP" and op.attempts else None,
        "start": iso(op.start),
        "duration_s": op.duration_s,
        "error_type": short_type(op.error_type),
        "parent": (parent.name or parent.sub_type or parent.type) if parent else None,
        "callback_id": op.callback_id if op.status == "STARTED" else None,
    }
    if include_data:
        row["error_message"] = clip(redact(op.error_message))  # masked whole, then cut
        row["result"] = clip(redact(plain_payload(op.result)))
    return row


def timeline_rows(history: History, *, include_data: bool, reverse: bool = False) -> list[dict[str, Any]]:
    ops = list(reversed(history.operations)) if reverse else history.operations
    return [operation_row(history, op, include_data=include_data) for op in ops]


def _withhold(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in SENSITIVE_KEYS and key != "Payload":
                continue
            if key == "Payload" and not isinstance(item, dict):
                continue  # an input/result payload; an error Payload (a dict) keeps its ErrorType
            out[key] = _withhold(item)
        return out
    if isinstance(value, list):
        return [_withhold(v) for v in value]
    return value


def trim_event(event: dict[str, Any], *, include_data: bool) -> dict[str, Any]:
    """A raw history event with payloads withheld (or clipped and redacted) and ISO timestamps."""
    out: dict[str, Any] = {}
    for key, value in event.items():
        if key == "ResponseMetadata":
            continue
        if hasattr(value, "isoformat"):
            value = iso(value)
        if key.endswith("Details"):
            value = _withhold(value) if not include_data else _clip_payloads(value)
            value = json.loads(json.dumps(value, default=lambda v: iso(v) if hasattr(v, "isoformat") else str(v)))
        out[key] = value
    return redact(out) if include_data else out


def _clip_payloads(value: Any) -> Any:
    if isinstance(value, dict):
        # masked before the cut, so that a cut never leaves part of a secret behind
        return {k: (clip(redact(v)) if k == "Payload" and isinstance(v, str) else _clip_payloads(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_clip_payloads(v) for v in value]
    return value


def size_of(value: Any) -> int:
    return len(json.dumps(value, default=str, separators=(",", ":")))


def fit(rows: list[Any], budget: int = RESPONSE_BUDGET_CHARS) -> int:
    """How many of ``rows`` (from the start) fit in ``budget`` characters; at least one."""
    total = 0
    for index, row in enumerate(rows):
        total += size_of(row) + 1
        if total > budget:
            return max(1, index)
    return len(rows)
