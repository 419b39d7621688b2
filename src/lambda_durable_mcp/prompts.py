"""MCP prompts: the workflows agents need, each naming the tools and guides to use in order.

Every tool, argument and guide section a prompt names is checked against the live server by
tests/test_prompts.py.
"""

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp_types import INVALID_PARAMS
from pydantic import Field

from lambda_durable_mcp.scaffold.project import LANGUAGES
from lambda_durable_mcp.settings import Settings

Path = Annotated[str, Field(description="Handler file or directory, relative to the workspace root, e.g. src/handler.ts")]
Name = Annotated[str, Field(description="Project name (letters, digits, hyphens); also its folder under the workspace root")]
Language = Annotated[str, Field(description="typescript (default), javascript or python")]
ExecutionArn = Annotated[str, Field(description="Durable execution ARN, or the execution_arn a local run returned")]


def review_replay_safety(path: Path) -> str:
    """Review a durable function handler for replay safety and fix what is wrong."""
    return (
        f"Review the durable function code at `{path}` for replay safety.\n"
        "1. Read get_durable_guide topic=replay-model-rules if you have not yet.\n"
        f"2. Call validate_durable_code with paths=[\"{path}\"]. Each diagnostic has a rule id, the line, "
        "why it breaks replay and a fix.\n"
        "3. Fix errors first, then warnings: move clock reads, randomness, I/O and external writes into "
        "named steps; never call durable operations inside a step (use a child context); return values "
        "from steps instead of mutating outer variables.\n"
        "4. Run validate_durable_code again until no error remains, then run the project's tests "
        "(the testing SDK replays the handler) or run_durable_function_locally.\n"
        "Report each change with its rule id. Do not silence a rule with `durable-lint: ignore` unless "
        "you can say why the code is replay-safe."
    )


def build_saga(name: Name, language: Language = "typescript") -> str:
    """Build a saga (steps with compensations) as a durable function."""
    language = language.strip().lower()
    if language not in LANGUAGES:
        raise MCPError(INVALID_PARAMS, f"language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    return (
        f"Build a durable saga named `{name}` in {language}.\n"
        "1. Read get_durable_guide topic=advanced-error-handling section=sagas-and-compensation.\n"
        f"2. Call scaffold_durable_project with name=\"{name}\", directory=\"{name}\", language=\"{language}\", "
        "pattern=\"saga\" (without --allow-write it only previews; ask the user to enable writing).\n"
        "3. Adapt its steps, keeping the shape: register each compensation only after its forward step "
        "succeeds; on a failure run the registered ones in reverse order, each as a named step, then "
        "re-raise the original error.\n"
        f"4. validate_durable_code with paths=[\"{name}\"], run the generated tests, then "
        "run_durable_function_locally with the local_run handler the scaffold returned and an input that "
        "makes a later step fail; diagnose_durable_execution must name that step.\n"
        "5. Deploy with deploy_durable_function only when the user asks."
    )


def debug_execution(execution_arn: ExecutionArn) -> str:
    """Find out why a durable execution failed or is stuck, from its history."""
    return (
        f"Debug the durable execution `{execution_arn}`. History first, logs last.\n"
        f"1. Call diagnose_durable_execution with execution_arn=\"{execution_arn}\": status, root_cause "
        "(the innermost failed operation, error type, attempts), waiting_on (callback ids, timers), "
        "next_steps and guide.\n"
        "2. If you need more, get_durable_execution_history (page on with its cursor; raw=true only for "
        "one page you must inspect).\n"
        "3. A waiting callback: complete it with send_durable_callback only if the user confirms the "
        "outcome. A stuck execution: stop_durable_execution only on the user's request.\n"
        "4. If next_steps are not enough, read get_durable_guide topic=<diagnose's guide>. "
        "Non-determinism: also run validate_durable_code on the handler.\n"
        "Payloads and logs appear only when the server runs with --allow-sensitive-data-access; "
        "they may hold personal data, so quote no more of them than needed."
    )


def register(server: MCPServer, settings: Settings) -> None:
    server.prompt(name="review-replay-safety", title="Review a handler for replay safety")(review_replay_safety)
    server.prompt(name="build-saga", title="Build a saga durable function")(build_saga)
    server.prompt(name="debug-execution", title="Debug a durable execution")(debug_execution)
