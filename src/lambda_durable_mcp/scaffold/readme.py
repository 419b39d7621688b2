"""The generated README: exact commands to test, deploy, invoke with a qualified ARN and call back.

Every `aws lambda` command here is checked against the botocore Lambda model by the tests.
"""

import json
from dataclasses import dataclass

SAMPLE_EVENTS: dict[str, dict[str, object]] = {
    "basic": {"orderId": "order-1", "items": ["book", "pen"]},
    "saga": {"orderId": "order-1", "amount": 120},
    "human-approval": {"requestId": "request-1", "amount": 250},
    "batch-map": {"items": ["apple", "banana", "cherry"]},
    "polling": {"jobId": "job-1"},
    "genai-agent": {"prompt": "What is the weather in Paris?"},
}

PATTERN_SUMMARY = {
    "basic": "A multi-step workflow: validate, wait, confirm. Each step's result is checkpointed, so a "
    "replay after the wait reuses it instead of running the step again.",
    "saga": "A saga: reserve inventory, charge the payment, ship. A payment provider timeout is retried "
    "after a pause. Any other failure undoes the completed steps in reverse order (refund the payment, "
    "release the reservation), each undo a durable step, then fails the execution with the original error.",
    "human-approval": "Human approval: the function sends a callback id to an approver and suspends "
    "(no compute is billed) until someone sends the callback, or the timeout (24 hours) passes.",
    "batch-map": "Batch processing with map: items run with at most 2 at a time, and a completion "
    "policy tolerates one failed item before the batch counts as failed. A 15 minute cool-down then "
    "suspends the execution (no compute is billed); the next invocation gets the batch result back "
    "from its checkpoint, without rerunning any item, and summarizes it.",
    "polling": "Polling with waitForCondition: check an external job, wait with exponential backoff "
    "between checks (the function is not running while it waits), stop when the job is done.",
    "genai-agent": "An agent loop: each model call and each tool call is a named step, so a replay "
    "never calls the model twice for the same turn; throttled model calls are retried with backoff. "
    "The model is a stub to replace with Bedrock.",
}


@dataclass(frozen=True)
class Readme:
    text: str
    first_commands: list[str]


def _block(*lines: str) -> str:
    return "```bash\n" + "\n".join(lines) + "\n```\n"


def _output(name: str, key: str) -> str:
    return (
        f"aws cloudformation describe-stacks --stack-name {name} "
        f"--query \"Stacks[0].Outputs[?OutputKey=='{key}'].OutputValue\" --output text"
    )


def render(*, name: str, language: str, iac: str, pattern: str) -> Readme:
    node = language != "python"
    ext = {"typescript": "ts", "javascript": "js"}.get(language, "py")
    iac_label = {"cdk": "AWS CDK", "sam": "AWS SAM", "cloudformation": "AWS CloudFormation"}[iac]
    parts: list[str] = [
        f"# {name}\n",
        f"An AWS Lambda durable function in {language.capitalize() if language != 'typescript' else 'TypeScript'}"
        f", deployed with {iac_label}. Pattern: **{pattern}**.\n",
        PATTERN_SUMMARY[pattern] + "\n",
        "Durable code re-runs from the top on every replay: keep code outside steps deterministic "
        "(no clocks, random ids, network or environment reads; log with `context.logger`) and give "
        "every operation a name.\n",
        "## Layout\n",
    ]
    layout = [f"- `src/handler.{ext}`: the durable handler"]
    if node:
        layout.append(f"- `test/handler.test.{ext}`: tests with the durable testing SDK "
                      "(`LocalDurableTestRunner`, time skipping) under Jest")
    else:
        layout.append("- `tests/test_handler.py`: tests with the durable testing SDK "
                      "(`DurableFunctionTestRunner`, time skipping) under pytest")
        layout.append("- `requirements.txt`: runtime packages (bundled into the function); "
                      "`requirements-dev.txt`: plus the testing SDK and pytest")
    if iac == "cdk":
        infra = "infra/app.js" if language == "javascript" else "infra/app.ts"
        layout.append(f"- `{infra}`: the CDK app (durableConfig, version, alias `live`)")
        if language == "python":
            layout.append("- The CDK app is TypeScript while the function is Python: the CDK CLI runs "
                          "on Node.js anyway, and this avoids the large Python `aws-cdk-lib` package. "
                          "`scripts/bundle.py` bundles `src/` with the pinned requirements.")
    elif iac == "sam":
        layout.append("- `template.yaml`: the SAM template (DurableConfig, AutoPublishAlias `live`)")
    else:
        layout.append("- `template.yaml`: the CloudFormation template (DurableConfig, "
                      "AWS::Lambda::Version, AWS::Lambda::Alias `live`)")
    parts.append("\n".join(layout) + "\n")

    # Test
    parts.append("## Test locally\n")
    parts.append("Needs Node.js 22 or later (the durable SDK and the `nodejs22.x` runtime).\n" if node else
                 "Needs Python 3.11 or later (the durable SDK's minimum); the function runs on `python3.13`.\n")
    if node:
        first = ["npm install", "npm test"]
        test_lines = ["npm install", "npm test          # jest, waits skipped", "npm run build     # type-check",
                      "npm run lint      # eslint"]
    else:
        first = ["python3 -m venv .venv", ".venv/bin/pip install -r requirements-dev.txt", ".venv/bin/pytest"]
        test_lines = ["python3 -m venv .venv", ".venv/bin/pip install -r requirements-dev.txt",
                      ".venv/bin/pytest   # waits skipped"]
    parts.append(_block(*test_lines))

    # Deploy
    parts.append("## Deploy\n")
    parts.append("Needs AWS credentials and AWS CLI v2" + (", and SAM CLI 1.153.1 or later (durable functions)"
                 if iac == "sam" else "") + ".\n")
    if iac == "cdk":
        lines = ["npm install"] if not node else []
        lines += ["npx cdk synth", "npx cdk bootstrap   # once per account and region", "npx cdk deploy"]
        first += ["npm install", "npx cdk synth"] if not node else ["npx cdk synth"]
        parts.append(_block(*lines))
        parts.append("`cdk synth` notes that \"modifying an existing lambda to use durability will trigger a "
                     "resource replacement\": that concerns adding durability to a deployed function; a new "
                     "one is simply created.\n")
        if language == "python":
            parts.append("Bundling runs `python3 scripts/bundle.py` locally (set `PYTHON` to choose the "
                         "interpreter); without a local Python it uses Docker.\n")
    elif iac == "sam":
        build = "npm run sam:build   # sam build, with the project's esbuild on PATH" if node else \
            "sam build   # needs python3.13 on PATH, or add --use-container"
        parts.append(_block(
            build,
            f"sam deploy --stack-name {name} --resolve-s3 --capabilities CAPABILITY_IAM",
        ))
        first += ["npm run sam:build"] if node else ["sam build"]
    else:
        build = "npm run build   # bundles src/ to dist/" if node else \
            "python3 scripts/bundle.py build   # src/ plus requirements into build/"
        parts.append(_block(
            build,
            "aws cloudformation package --template-file template.yaml --s3-bucket YOUR_BUCKET "
            "--output-template-file packaged.yaml",
            f"aws cloudformation deploy --template-file packaged.yaml --stack-name {name} "
            "--capabilities CAPABILITY_IAM --parameter-overrides CodeVersion=$(date +%Y%m%d%H%M%S)",
        ))
        parts.append("Change `CodeVersion` on every code deploy: that publishes a new version for the "
                     "alias `live`.\n")
        first += ["npm run build"] if node else ["python3 scripts/bundle.py build"]

    # Invoke
    event = json.dumps(SAMPLE_EVENTS[pattern])
    parts.append("## Invoke\n")
    parts.append("Durable functions are invoked through a qualified ARN (here the alias `live`); the "
                 "execution name makes the start idempotent. Invoke asynchronously (`--invocation-type "
                 "Event`): a synchronous invocation is limited to 15 minutes, and this execution may run "
                 "for days. The response carries the `DurableExecutionArn`.\n")
    parts.append(_block(
        f"ALIAS_ARN=$({_output(name, 'AliasArn')})",
        f"FUNCTION_NAME=$({_output(name, 'FunctionName')})",
        "aws lambda invoke --function-name \"$ALIAS_ARN\" --invocation-type Event "
        "--durable-execution-name run-1 --cli-binary-format raw-in-base64-out "
        f"--payload '{event}' response.json",
    ))
    parts.append("## Follow the execution\n")
    parts.append(_block(
        "aws lambda list-durable-executions-by-function --function-name \"$FUNCTION_NAME\" --qualifier live",
        "EXECUTION_ARN=$(aws lambda list-durable-executions-by-function --function-name \"$FUNCTION_NAME\" "
        "--qualifier live --durable-execution-name run-1 "
        "--query 'DurableExecutions[0].DurableExecutionArn' --output text)",
        "aws lambda get-durable-execution --durable-execution-arn \"$EXECUTION_ARN\"",
        "aws lambda get-durable-execution-history --durable-execution-arn \"$EXECUTION_ARN\" "
        "--include-execution-data",
    ))
    if pattern == "human-approval":
        parts.append("## Send the callback\n")
        parts.append("The approver answers with the callback id from the execution history (the "
                     "`CallbackStarted` event). The result is the decision (`\"approved\": false` "
                     "rejects); a failure callback makes the wait, and so the execution, fail:\n")
        parts.append(_block(
            "CALLBACK_ID=$(aws lambda get-durable-execution-history --durable-execution-arn \"$EXECUTION_ARN\" "
            "--query 'Events[?CallbackStartedDetails] | [0].CallbackStartedDetails.CallbackId' --output text)",
            "aws lambda send-durable-execution-callback-success --callback-id \"$CALLBACK_ID\" "
            "--cli-binary-format raw-in-base64-out --result '{\"approved\": true, \"approver\": \"alice\"}'",
            "# aws lambda send-durable-execution-callback-failure --callback-id \"$CALLBACK_ID\" "
            "--error '{\"ErrorType\": \"Rejected\", \"ErrorMessage\": \"not approved\"}'",
        ))
    return Readme(text="\n".join(parts), first_commands=first)
