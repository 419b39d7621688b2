"""MCP prompts: the workflows agents need, each naming the tools and guides to use in order."""

from mcp.server.mcpserver import MCPServer

from lambda_durable_mcp.settings import Settings


def review_replay_safety(path: str) -> str:
    """Review a durable function handler for replay safety and fix what is wrong."""
    return (
        f"Review the durable function code at `{path}` for replay safety.\n"
        "1. Read the guide `durable-guide://replay-model-rules` (get_durable_guide topic=replay-model-rules) "
        "if you have not yet.\n"
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


def build_saga(name: str, language: str = "typescript") -> str:
    """Build a saga (steps with compensations) as a durable function."""
    return (
        f"Build a durable saga named `{name}` in {language}.\n"
        "1. Read get_durable_guide topic=advanced-patterns (saga section) and topic=error-handling.\n"
        f"2. Call scaffold_durable_project with name=\"{name}\", language=\"{language}\", pattern=\"saga\" "
        "(without --allow-write it returns a preview; ask the user to enable writing if needed).\n"
        "3. Model each forward action as a named step and register its compensation only after the step "
        "succeeds; on failure run compensations in reverse order, each as its own named step, then "
        "re-raise so the execution records the failure.\n"
        "4. validate_durable_code on the handler, then run the generated tests and "
        "run_durable_function_locally with an input that makes a middle step fail; "
        "diagnose_durable_execution must name that step.\n"
        "5. Deploy with deploy_durable_function only when the user asks."
    )


def debug_execution(execution_arn: str) -> str:
    """Find out why a durable execution failed or is stuck, from its history."""
    return (
        f"Debug the durable execution `{execution_arn}`. History first, logs last.\n"
        "1. Call diagnose_durable_execution: it returns status, root_cause (the innermost failed "
        "operation with its error type and attempts), waiting_on (callbacks with their ids, timers) "
        "and next_steps.\n"
        "2. If you need more, get_durable_execution_history with the cursor it returns; raw=true only "
        "for one page you must inspect.\n"
        "3. A waiting callback: complete it with send_durable_callback only if the user confirms the "
        "outcome. A stuck execution: stop_durable_execution only on the user's request.\n"
        "4. Non-determinism errors: read get_durable_guide topic=replay-model-rules and run "
        "validate_durable_code on the handler. Other failures: topic=troubleshooting-executions.\n"
        "Payloads and logs appear only when the server runs with --allow-sensitive-data-access; "
        "they may hold personal data, so quote no more of them than needed."
    )


def register(server: MCPServer, settings: Settings) -> None:
    server.prompt(name="review-replay-safety", title="Review a handler for replay safety")(review_replay_safety)
    server.prompt(name="build-saga", title="Build a saga durable function")(build_saga)
    server.prompt(name="debug-execution", title="Debug a durable execution")(debug_execution)
