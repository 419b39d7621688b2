"""The Lambda durable execution APIs, through one boto3 Lambda client. No MCP imports.

Works the same against AWS, the embedded emulator (--local) or any emulator (--endpoint-url):
only the client's endpoint differs. Every call's failure becomes an ``AwsCallError`` with the fix.
"""

from __future__ import annotations

import functools
import re
import uuid
from datetime import datetime
from typing import Any

from lambda_durable_mcp.aws.errors import AwsCallError, explain

# The local emulator names executions "<uuid>/<uuid>"; other emulators may differ too.
_EMULATOR_ARN = re.compile(r"^[A-Za-z0-9:$._/+=-]{1,1024}\Z")
QUALIFIED_HINT = (
    "Durable functions are invoked through a version or alias: use 'name:1', 'name:prod', "
    "'name:$LATEST' or a qualified ARN (arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER)."
)


@functools.lru_cache(maxsize=1)
def execution_arn_pattern() -> re.Pattern[str]:
    """The service's own DurableExecutionArn pattern, from the installed botocore model."""
    from lambda_durable_mcp.aws.session import profile_free_botocore

    model = profile_free_botocore().get_service_model("lambda")
    pattern = model.shape_for("DurableExecutionArn").metadata.get("pattern") or r".+"
    return re.compile(f"^(?:{pattern})\\Z")


def check_execution_arn(arn: str, *, emulator: bool) -> str:
    arn = (arn or "").strip()
    if execution_arn_pattern().match(arn):
        return arn
    if emulator and _EMULATOR_ARN.match(arn):
        return arn
    raise AwsCallError(
        f"{arn!r} is not a durable execution ARN. Expected "
        "arn:aws:lambda:REGION:ACCOUNT:function:NAME:QUALIFIER/durable-execution/EXECUTION_NAME/ID "
        "(list_durable_executions returns them; run_durable_function_locally returns local ones).",
        "MalformedArn",
    )


def split_qualified_function(function_name: str) -> tuple[str, str | None]:
    """(function without qualifier, qualifier or None) for a name, partial ARN or ARN."""
    text = function_name.strip()
    parts = text.split(":")
    if text.startswith("arn:"):
        if len(parts) == 8:
            return ":".join(parts[:7]), parts[7]
        return text, None
    if len(parts) >= 3 and parts[1] == "function":  # ACCOUNT:function:NAME[:Q]
        if len(parts) == 4:
            return ":".join(parts[:3]), parts[3]
        return text, None
    if len(parts) == 2:
        return parts[0], parts[1]
    return text, None


class DurableApi:
    def __init__(self, client: Any, *, emulator: bool = False) -> None:
        self.client = client
        self.emulator = emulator

    def _call(self, operation: str, resource: str | None, method: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(**kwargs)
        except (ClientError, BotoCoreError) as exc:
            raise explain(exc, operation, resource, emulator=self.emulator) from exc

    def check_arn(self, arn: str) -> str:
        return check_execution_arn(arn, emulator=self.emulator)

    def get_execution(self, arn: str, *, include_data: bool) -> dict[str, Any]:
        arn = self.check_arn(arn)
        return self._call(
            "GetDurableExecution", arn, "get_durable_execution", DurableExecutionArn=arn, IncludeExecutionData=include_data
        )

    def history_page(
        self, arn: str, *, include_data: bool, marker: str | None = None, max_items: int = 1000, reverse: bool = False
    ) -> dict[str, Any]:
        arn = self.check_arn(arn)
        kwargs: dict[str, Any] = {
            "DurableExecutionArn": arn,
            "IncludeExecutionData": include_data,
            "MaxItems": max_items,
            "ReverseOrder": reverse,
        }
        if marker:
            kwargs["Marker"] = marker
        return self._call("GetDurableExecutionHistory", arn, "get_durable_execution_history", **kwargs)

    def all_events(self, arn: str, *, include_data: bool, max_events: int = 50_000) -> tuple[list[dict[str, Any]], bool]:
        """Every event, oldest first, through the paginator; (events, truncated)."""
        from botocore.exceptions import BotoCoreError, ClientError

        arn = self.check_arn(arn)
        events: list[dict[str, Any]] = []
        paginator = self.client.get_paginator("get_durable_execution_history")
        try:
            for page in paginator.paginate(
                DurableExecutionArn=arn, IncludeExecutionData=include_data, PaginationConfig={"PageSize": 1000}
            ):
                events.extend(page.get("Events") or [])
                if len(events) >= max_events:
                    return events[:max_events], True
        except (ClientError, BotoCoreError) as exc:
            raise explain(exc, "GetDurableExecutionHistory", arn, emulator=self.emulator) from exc
        return events, False

    def list_page(
        self,
        function_name: str,
        *,
        qualifier: str | None = None,
        started_after: datetime | None = None,
        started_before: datetime | None = None,
        statuses: list[str] | None = None,
        marker: str | None = None,
        page_size: int = 50,
    ) -> dict[str, Any]:
        """One ListDurableExecutionsByFunction page (newest first)."""
        kwargs: dict[str, Any] = {"FunctionName": function_name, "MaxItems": page_size, "ReverseOrder": True}
        if qualifier:
            kwargs["Qualifier"] = qualifier
        if started_after:
            kwargs["StartedAfter"] = started_after
        if started_before:
            kwargs["StartedBefore"] = started_before
        if statuses:
            kwargs["Statuses"] = statuses
        if marker:
            kwargs["Marker"] = marker
        return self._call("ListDurableExecutionsByFunction", function_name, "list_durable_executions_by_function", **kwargs)

    def send_callback(
        self, callback_id: str, outcome: str, *, result: str | None = None, error_type: str | None = None, error_message: str | None = None
    ) -> None:
        if outcome == "success":
            kwargs: dict[str, Any] = {"CallbackId": callback_id}
            if result is not None:
                kwargs["Result"] = result.encode("utf-8")
            self._call("SendDurableExecutionCallbackSuccess", callback_id[:24] + "...", "send_durable_execution_callback_success", **kwargs)
        elif outcome == "failure":
            error: dict[str, Any] = {}
            if error_type:
                error["ErrorType"] = error_type
            if error_message:
                error["ErrorMessage"] = error_message
            self._call(
                "SendDurableExecutionCallbackFailure", callback_id[:24] + "...", "send_durable_execution_callback_failure",
                CallbackId=callback_id, Error=error,
            )
        else:
            self._call("SendDurableExecutionCallbackHeartbeat", callback_id[:24] + "...", "send_durable_execution_callback_heartbeat", CallbackId=callback_id)

    def stop(self, arn: str, *, error_type: str | None = None, error_message: str | None = None) -> dict[str, Any]:
        arn = self.check_arn(arn)
        kwargs: dict[str, Any] = {"DurableExecutionArn": arn}
        error = {k: v for k, v in (("ErrorType", error_type), ("ErrorMessage", error_message)) if v}
        if error:
            kwargs["Error"] = error
        return self._call("StopDurableExecution", arn, "stop_durable_execution", **kwargs)

    def invoke(self, function_name: str, payload: bytes, *, execution_name: str | None, invocation_type: str) -> dict[str, Any]:
        base, qualifier = split_qualified_function(function_name)
        if not qualifier:
            raise AwsCallError(f"{function_name!r} is unqualified. {QUALIFIED_HINT}", "Unqualified")
        # The execution name is the idempotency key: with one fixed here, botocore's retries of an
        # Invoke whose answer was lost name the same execution instead of starting another.
        name = execution_name or f"run-{uuid.uuid4().hex[:24]}"
        kwargs: dict[str, Any] = {"FunctionName": function_name, "InvocationType": invocation_type,
                                  "Payload": payload, "DurableExecutionName": name}
        return self._call("Invoke", function_name, "invoke", **kwargs)

    def function_log_group(self, function_name: str) -> str:
        config = self._call("GetFunctionConfiguration", function_name, "get_function_configuration", FunctionName=function_name)
        logging_config = config.get("LoggingConfig") or {}
        bare = function_name.split(":")[6] if function_name.startswith("arn:") else function_name.split(":")[0]
        return str(logging_config.get("LogGroup") or f"/aws/lambda/{bare}")
