"""Deploy failures turned into what went wrong plus the fix. No MCP imports.

Two sources: botocore exceptions from the direct method and ``check_durable_deployment``, and the
text output of the SAM and CDK CLIs. Every message ends with what to do next.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class DeployError(Exception):
    """A deploy or check that cannot go on; ``str(err)`` is the message for the user."""


_NOT_AUTHORIZED = re.compile(r"not authorized to perform:?\s*([A-Za-z0-9-]+:[A-Za-z0-9*]+)")
_CREDENTIALS_HINT = (
    "configure credentials (aws configure, aws sso login --profile NAME, or AWS_PROFILE / "
    "AWS_ACCESS_KEY_ID in the server's environment), then restart the server"
)
QUALIFIED_HINT = (
    "durable functions are invoked through a qualified ARN, a version or alias ($LATEST is not for production): publish a version "
    "(SAM: AutoPublishAlias: live; CDK: fn.currentVersion plus an Alias) and invoke NAME:ALIAS"
)
REPLACEMENT_HINT = (
    "Lambda enables durable execution only when a function is created, so adding DurableConfig to an "
    "existing function makes CloudFormation replace it (new function, new ARN; with a fixed "
    "FunctionName the update fails). Deploy the durable function under a new logical id or name, "
    "move callers to its alias, then retire the old function yourself"
)


def access_denied(text: str) -> str | None:
    """The IAM action named in an AccessDenied message, if any."""
    match = _NOT_AUTHORIZED.search(text)
    return match.group(1) if match else None


def transient_failure(exc: BaseException, doing: str) -> str | None:
    """The message for a failure that retrying later may cure (network, timeout, throttling, 5xx)."""
    from lambda_durable_mcp.aws.errors import transient

    operation = getattr(exc, "operation_name", "")
    found = transient(exc, f"{operation} ({doing})" if operation else f"the request ({doing})", "the AWS endpoint")
    return found[0] if found else None


@contextmanager
def unparseable_answers(doing: str) -> Iterator[None]:
    """botocore's ResponseParserError (a proxy's error page instead of an AWS answer) is no
    BotoCoreError: turn it into a DeployError too."""
    from botocore.parsers import ResponseParserError

    try:
        yield
    except ResponseParserError as exc:
        raise explain_client_error(exc, doing) from exc


def explain_client_error(exc: BaseException, doing: str) -> DeployError:
    """A botocore exception raised while ``doing`` ("creating the role", ...) as a DeployError."""
    from botocore.exceptions import (
        ClientError,
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return DeployError(f"No AWS credentials while {doing}: {_CREDENTIALS_HINT}.")
    if isinstance(exc, NoRegionError):
        return DeployError(
            f"No AWS region while {doing}: start the server with --region or set AWS_REGION."
        )
    found = transient_failure(exc, doing)
    if found is not None:
        return DeployError(found)
    if isinstance(exc, ClientError):
        error: dict[str, Any] = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = str(error.get("Message", "")) or str(exc)
        operation = getattr(exc, "operation_name", "") or "the call"
        if code in ("ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId",
                    "UnrecognizedClientException", "SignatureDoesNotMatch"):
            return DeployError(f"AWS rejected the credentials while {doing} ({code}): {_CREDENTIALS_HINT}.")
        if code in ("AccessDenied", "AccessDeniedException") or "not authorized to perform" in message:
            action = access_denied(message) or f"the permission for {operation}"
            return DeployError(
                f"Access denied while {doing}: the caller may not perform {action}. "
                f"Grant {action} to the identity the server uses (or deploy with a role that has it)."
            )
        if "qualified function identifier" in message.lower():
            return DeployError(f"{message} ({doing}): {QUALIFIED_HINT}.")
        return DeployError(f"{operation} failed while {doing}: {code}: {message}")
    return DeployError(f"Unexpected failure while {doing}: {type(exc).__name__}: {exc}")


# (pattern in CLI output, message). First match wins; {action} is filled from the text.
_CLI_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), m)
    for p, m in (
        (r"not been bootstrapped|cdk bootstrap|/cdk-bootstrap/|bootstrap stack",
         "The target account/region is not bootstrapped for CDK: run `cdk bootstrap` once (with the same "
         "credentials and region), then deploy again."),
        (r"Unable to locate credentials|Could not load credentials|NoCredentialProviders|"
         r"Need to perform AWS calls for account|no credentials|credentials.*not found|ExpiredToken|"
         r"security token included in the request is (invalid|expired)",
         f"No usable AWS credentials: {_CREDENTIALS_HINT}."),
        (r"not authorized to perform|AccessDenied",
         "Access denied: the deploying identity may not perform {action}. Grant it (or deploy with a "
         "role that has it) and run again."),
        (r"qualified function identifier", f"The function was invoked without a qualifier: {QUALIFIED_HINT}."),
        (r"requires replacement|Replacement:\s*True|already exists in stack|"
         r"CloudFormation cannot update a stack when a custom-named resource requires replacing",
         f"The change replaces an existing Lambda function: {REPLACEMENT_HINT}."),
        (r"Cannot find esbuild|esbuild.*not found",
         "sam build needs esbuild: run `npm install` in the project (esbuild is one of its devDependencies), "
         "or deploy with method='direct', which bundles with esbuild itself."),
        (r"Binary validation failed for python|PythonPipWorkflow.*not.*found|python\d\.\d+ was not found",
         "sam build needs the Python version of the function's Runtime on PATH (e.g. python3.13): "
         "install it, or deploy with method='direct', which installs Linux wheels for the runtime."),
        (r"Cannot connect to the Docker daemon|Docker is not reachable|docker.*not running",
         "This build needs Docker, which is not running: start Docker, or build without a container."),
        (r"ROLLBACK_COMPLETE state and can not be updated|is in ROLLBACK_COMPLETE state",
         "The stack's first creation failed and CloudFormation left it in ROLLBACK_COMPLETE, where it cannot be "
         "updated. Read the first failure in its events (aws cloudformation describe-stack-events), fix it, delete "
         "the empty stack yourself (aws cloudformation delete-stack; this tool never deletes), then deploy again."),
        (r"No changes to deploy|No changes to be performed|\(no changes\)",
         "Nothing changed: the stack already matches the template."),
    )
)


def explain_cli_output(tool: str, output: str) -> str:
    """One sentence for a failed SAM/CDK run, from the first known pattern in its output."""
    for pattern, message in _CLI_PATTERNS:
        if pattern.search(output):
            action = access_denied(output) or "the action named in the error below"
            return message.format(action=action)
    return "See the end of its output below."
