"""Question routing: realistic developer questions land on the right guide (top two)."""

import pytest

from lambda_durable_mcp import guides

# (question as developers ask it, expected topic)
QUESTIONS = [
    ("how do I install the durable execution sdk for node", "getting-started"),
    ("hello world durable function in python", "getting-started"),
    ("what is a durable function and how is it different from a normal lambda", "getting-started"),
    ("can I use Date.now() in my handler?", "replay-model-rules"),
    ("why does my handler run again from the top every time", "replay-model-rules"),
    ("is it ok to generate a uuid with Math.random outside a step", "replay-model-rules"),
    ("my console.log lines show up multiple times in the logs", "replay-model-rules"),
    ("variable assigned inside a step is undefined after replay", "replay-model-rules"),
    ("how do I pass arguments to a python step function", "step-operations"),
    ("configure retries with exponential backoff on a step", "step-operations"),
    ("step returns a Date but I get a string back", "step-operations"),
    ("can I call context.wait inside a step", "step-operations"),
    ("at most once semantics for a payment step", "step-operations"),
    ("how do I sleep for 3 days", "wait-operations"),
    ("wait for a human approval with a timeout", "wait-operations"),
    ("waitForCallback timeout example", "wait-operations"),
    ("how does an external system send the callback result", "wait-operations"),
    ("poll an API until a job is finished", "wait-operations"),
    ("what is the maximum wait duration", "wait-operations"),
    ("process a list of items in parallel with a concurrency limit", "concurrent-operations"),
    ("Promise.all over durable steps", "concurrent-operations"),
    ("run two branches at the same time and combine results", "concurrent-operations"),
    ("map item function uses the parent context", "concurrent-operations"),
    ("how do I catch a step error in typescript", "error-handling"),
    ("bare except swallows suspension in python", "error-handling"),
    ("which errors are retried by default", "error-handling"),
    ("saga compensation when a later step fails", "advanced-error-handling"),
    ("retry a group of operations together", "advanced-error-handling"),
    ("difference between execution timeout and function timeout", "advanced-error-handling"),
    ("unit test a durable function with jest", "testing-patterns"),
    ("pytest example for durable handler with callbacks", "testing-patterns"),
    ("how do I skip time in tests", "testing-patterns"),
    ("SAM template for a durable function", "deployment-iac"),
    ("what IAM permissions does the durable function role need", "deployment-iac"),
    ("cdk durableConfig example", "deployment-iac"),
    ("deployment failed because FunctionName already exists after adding DurableConfig", "deployment-iac"),
    ("which runtimes are supported", "deployment-iac"),
    ("call another lambda function from a durable function", "advanced-patterns"),
    ("escalate an approval if nobody answers", "advanced-patterns"),
    ("how to avoid starting the same execution twice", "advanced-patterns"),
    ("my execution failed, how do I find out why", "troubleshooting-executions"),
    ("execution stuck in RUNNING", "troubleshooting-executions"),
    ("get-durable-execution-history command", "troubleshooting-executions"),
    ("find the logs for a failed execution", "troubleshooting-executions"),
    ("list failed executions of my function", "troubleshooting-executions"),
]


def test_the_table_is_big_enough_and_covers_every_guide() -> None:
    assert len(QUESTIONS) >= 30
    assert {t for _, t in QUESTIONS} == set(guides.TOPICS)


@pytest.mark.parametrize(("question", "topic"), QUESTIONS)
def test_question_routes_to_expected_guide(question: str, topic: str) -> None:
    topics, hits = guides.route(question)
    assert topic in topics[:2], f"{question!r} -> {topics} ({[h.section.anchor for h in hits]})"
    assert hits and all(h.section.topic in topics for h in hits)
