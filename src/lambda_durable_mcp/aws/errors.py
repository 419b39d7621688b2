"""botocore exceptions -> one sentence with the fix. No MCP imports (tools wrap it in ToolError)."""

from __future__ import annotations

from typing import Any

# Durable API operation -> the IAM action it needs (they match one to one).
IAM_ACTIONS = {
    "GetDurableExecution": "lambda:GetDurableExecution",
    "GetDurableExecutionHistory": "lambda:GetDurableExecutionHistory",
    "ListDurableExecutionsByFunction": "lambda:ListDurableExecutionsByFunction",
    "SendDurableExecutionCallbackSuccess": "lambda:SendDurableExecutionCallbackSuccess",
    "SendDurableExecutionCallbackFailure": "lambda:SendDurableExecutionCallbackFailure",
    "SendDurableExecutionCallbackHeartbeat": "lambda:SendDurableExecutionCallbackHeartbeat",
    "StopDurableExecution": "lambda:StopDurableExecution",
    "Invoke": "lambda:InvokeFunction",
    "GetFunctionConfiguration": "lambda:GetFunctionConfiguration",
    "FilterLogEvents": "logs:FilterLogEvents",
}


class AwsCallError(Exception):
    """A failed AWS call, explained: what went wrong and how to fix it."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def _code_and_message(exc: Any) -> tuple[str, str, int | None]:
    response = getattr(exc, "response", {}) or {}
    error = response.get("Error", {}) or {}
    status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
    code = str(error.get("Code") or "")
    message = str(error.get("Message") or error.get("message") or "")
    if not message:
        body = response.get("message") or response.get("Message")
        message = str(body or "")
    return code, message, status


# Error codes of a failure on the service side (HTTP 5xx): retrying later may cure it. Other 5xx
# codes (KMSAccessDeniedException, EC2ThrottledException, ...) name a problem of the function.
_SERVICE_SIDE = frozenset({
    "", "ServiceException", "ServiceUnavailable", "ServiceUnavailableException", "InternalFailure",
    "InternalError", "InternalServerError", "InternalServiceError", "ServiceFailure",
})
THROTTLING_CODES = frozenset({
    "TooManyRequestsException", "ThrottlingException", "Throttling", "ThrottledException",
    "RequestLimitExceeded", "RequestThrottled", "RequestThrottledException", "SlowDown",
})
_NETWORK_FIX = ("check the network (VPN, proxy, firewall), the region and --endpoint-url (Lambda calls only; "
                "AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_<SERVICE> in the server's env redirect the other services)")


def _attempts(exc: BaseException) -> int:
    """How many requests botocore made: its RetryAttempts + 1, else the configured maximum."""
    from lambda_durable_mcp.aws.session import MAX_ATTEMPTS

    response = getattr(exc, "response", None)
    meta = (response.get("ResponseMetadata") or {}) if isinstance(response, dict) else {}
    retries = meta.get("RetryAttempts")
    return retries + 1 if isinstance(retries, int) else MAX_ATTEMPTS


def _origin(exc: BaseException) -> str:
    """' https://host:port': where a network-level failure happened, without the long request path."""
    from urllib.parse import urlsplit

    url = (getattr(exc, "kwargs", None) or {}).get("endpoint_url")
    if not isinstance(url, str) or not url:
        return ""
    parts = urlsplit(url)
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def transient(exc: BaseException, what: str, target: str) -> tuple[str, str] | None:
    """(message, code) for a failure that retrying later may cure (botocore has already retried it):
    no connection, no answer in time, a dropped connection, throttling, a 5xx from the service.
    ``what`` names the call ("GetDurableExecution"), ``target`` the endpoint ("the Lambda endpoint")."""
    from botocore import exceptions as bex

    from lambda_durable_mcp.aws.session import read_timeout_s

    n = _attempts(exc)
    where = target + _origin(exc)
    subject = where[:1].upper() + where[1:]
    if isinstance(exc, bex.ConnectTimeoutError | bex.EndpointConnectionError):
        return (
            f"Could not connect to {where} for {what} ({n} attempts): nothing answered there. "
            f"{_NETWORK_FIX[:1].upper()}{_NETWORK_FIX[1:]}, then retry.",
            "Connection",
        )
    if isinstance(exc, bex.ReadTimeoutError):
        return (
            f"{subject} did not answer {what} within {read_timeout_s():g} s ({n} attempts). The service or the "
            f"network is slow or losing replies: retry in a minute; if it persists, {_NETWORK_FIX} "
            "(LAMBDA_DURABLE_MCP_AWS_READ_TIMEOUT in the server's env raises the limit).",
            "Timeout",
        )
    if isinstance(exc, bex.ConnectionClosedError):
        return (
            f"{subject} closed the connection without answering {what} ({n} attempts). A network, proxy or "
            f"endpoint problem: retry; if it persists, {_NETWORK_FIX}.",
            "ConnectionClosed",
        )
    if isinstance(exc, bex.HTTPClientError | bex.ConnectionError):
        return (f"The connection to {where} failed during {what} ({n} attempts; {exc}): retry; if it persists, "
                f"{_NETWORK_FIX}.", "Connection")
    if type(exc).__name__ == "ResponseParserError":  # botocore.parsers: not a BotoCoreError
        page = str(exc).strip().splitlines()[-1][:120] if str(exc).strip() else ""
        return (
            f"{subject} answered {what} with something that is not an AWS response ({page}): usually a proxy, "
            f"firewall or load balancer error page, or a wrong --endpoint-url. Retry in a minute; if it persists, "
            f"{_NETWORK_FIX}.",
            "UnparseableResponse",
        )
    if not isinstance(exc, bex.ClientError):
        return None
    code, message, status = _code_and_message(exc)
    detail = f" ({message})" if message else ""
    label = code if code and not code.isdigit() else f"HTTP {status}"
    if code in THROTTLING_CODES or status == 429:
        return (
            f"{what} was throttled even after retries with backoff ({label}, {n} attempts){detail}. "
            "Wait a few seconds and retry; lower the request rate (fewer parallel calls, smaller pages), or "
            "raise the account's quota in Service Quotas if this persists.",
            "Throttling",
        )
    if isinstance(status, int) and status >= 500 and (code in _SERVICE_SIDE or code.isdigit()):
        kind = f"HTTP {status}" + (f" {code}" if code and not code.isdigit() else "")
        return (
            f"{what} failed on the service side ({kind}, {n} attempts){detail}: a temporary problem at {target}. "
            "Retry in a minute; if it persists, check the AWS Health Dashboard for this region "
            "(or the service behind --endpoint-url).",
            "ServiceError",
        )
    return None


def explain(exc: BaseException, operation: str, resource: str | None = None, *, emulator: bool = False) -> AwsCallError:
    """Turn a botocore/boto3 exception from ``operation`` into an AwsCallError with the fix."""
    from botocore import exceptions as bex

    what = f" {resource}" if resource else ""
    if isinstance(exc, bex.NoCredentialsError | bex.PartialCredentialsError):
        return AwsCallError(
            "No AWS credentials found. Configure them where the server runs (aws configure, aws sso login, "
            "or AWS_PROFILE in the server's env: \"env\" in .mcp.json, -e for a container), or run against "
            "the local emulator with --local.",
            "NoCredentials",
        )
    if isinstance(exc, bex.ProfileNotFound):
        return AwsCallError(f"{exc}. Fix --profile / AWS_PROFILE, or list profiles with `aws configure list-profiles`.", "ProfileNotFound")
    if isinstance(exc, bex.NoRegionError):
        return AwsCallError("No AWS region configured: start the server with --region or set AWS_REGION.", "NoRegion")
    if type(exc).__name__ in ("SSOTokenLoadError", "UnauthorizedSSOTokenError", "TokenRetrievalError"):
        return AwsCallError(f"The SSO session has expired ({exc}): run `aws sso login` and retry.", "ExpiredToken")
    target = "the emulator endpoint" if emulator else "the Lambda endpoint"
    found = transient(exc, operation, target)
    if found is not None:
        return AwsCallError(*found)
    if isinstance(exc, bex.ParamValidationError):
        return AwsCallError(f"Invalid parameters for {operation}: {exc}", "ParamValidation")
    if not isinstance(exc, bex.ClientError):
        return AwsCallError(f"{operation} failed: {exc}", type(exc).__name__)
    code, message, status = _code_and_message(exc)
    lowered = (code + " " + message).lower()
    action = IAM_ACTIONS.get(operation, f"lambda:{operation}")
    # The local emulator answers errors without X-Amzn-ErrorType: the code is the HTTP status.
    if code.isdigit():
        status = int(code)
        if "not found" in message.lower() or "does not exist" in message.lower() or status == 404:
            code = "ResourceNotFoundException"
        elif status == 429:
            code = "TooManyRequestsException"
        elif status in (400, 409) and "callback" in message.lower() and ("timed out" in message.lower() or "completed" in message.lower() or "not in started" in message.lower()):
            code = "CallbackTimeoutException" if "timed out" in message.lower() else "InvalidParameterValueException"
        elif status == 400:
            code = "InvalidParameterValueException"
        elif status == 403:
            code = "AccessDeniedException"
        lowered = (code + " " + message).lower()
    if code in ("ExpiredToken", "ExpiredTokenException", "RequestExpired") or "expired" in lowered and "token" in lowered:
        return AwsCallError(
            "The AWS session token has expired: refresh credentials (`aws sso login`, or new temporary "
            "credentials) and retry.",
            "ExpiredToken",
        )
    if code in ("UnrecognizedClientException", "InvalidClientTokenId", "InvalidSignatureException", "SignatureDoesNotMatch"):
        return AwsCallError(f"AWS rejected the credentials ({code}): check the access key, profile and clock.", code)
    if code in ("AccessDeniedException", "AccessDenied", "AuthorizationError") or "not authorized" in lowered:
        return AwsCallError(
            f"Access denied: the caller lacks IAM permission {action}{(' on' + what) if what else ''}. "
            f"Add {action} to the identity's policy (AWS message: {message}).",
            "AccessDenied",
        )
    if code == "ResourceNotFoundException":
        if operation.startswith("SendDurableExecutionCallback"):
            return AwsCallError(
                f"Unknown callback id{what}: check it was copied whole (diagnose_durable_execution shows "
                "pending callback ids) and that its execution still runs.",
                code,
            )
        if operation in ("Invoke", "GetFunctionConfiguration", "ListDurableExecutionsByFunction"):
            return AwsCallError(
                f"Function{what} not found{' in the local emulator (run it once with run_durable_function_locally, or list it in functions)' if emulator else ': check the name, qualifier and region'}.",
                code,
            )
        if emulator:
            return AwsCallError(
                f"Unknown execution{what} in the local emulator: local executions live only as long as this server "
                "process (list_durable_executions lists the current ones); check the ARN was copied whole.",
                code,
            )
        return AwsCallError(
            f"Unknown execution{what}: check the ARN (list_durable_executions lists them) and the region; "
            "finished executions are deleted after their retention period.",
            code,
        )
    if code == "CallbackTimeoutException":
        return AwsCallError(f"The callback{what} has already timed out; the execution has moved on (diagnose_durable_execution shows how).", code)
    if code == "DurableExecutionAlreadyStartedException":
        return AwsCallError(f"An execution with this name already exists{what}: use another execution_name (names are idempotency keys).", code)
    if code in ("InvalidParameterValueException", "ValidationException"):
        if "durable" in lowered and ("not" in lowered or "durableconfig" in lowered):
            return AwsCallError(
                f"{message}. The function is not a durable function: give it a DurableConfig "
                "(SAM/CloudFormation DurableConfig, CDK durableConfig) and deploy, or check the name and qualifier.",
                "NotDurable",
            )
        if operation.startswith("SendDurableExecutionCallback") and ("complete" in lowered or "status" in lowered):
            return AwsCallError(f"The callback{what} is no longer waiting ({message}); it was already completed, failed or timed out.", code)
        return AwsCallError(f"{operation} rejected a parameter: {message}", code)
    if code in ("ResourceConflictException",):
        return AwsCallError(f"{operation} conflicts with the resource's current state: {message}", code)
    return AwsCallError(f"{operation} failed ({code or status}): {message or exc}", code or None)
