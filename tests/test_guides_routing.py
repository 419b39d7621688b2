"""Question routing: realistic developer questions land on the right guide (top two), and the
questions an agent asks in the middle of a task get the section that answers them first.

Run ``python tests/test_guides_routing.py`` to print the hit rates and the misses."""

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


# ---------------------------------------------------------------- sections, first
#
# Questions an agent asks in the middle of a task, with the sections any of which is a right first
# answer. Written from the guides' contents; the last block was written after the router was tuned
# on the others, as a check that the tuning generalises (it scored top-1 0.69, top-3 0.94 then).
CB = "wait-operations#callbacks"
APPROVAL = "advanced-patterns#approval-with-reminders-and-escalation"
SAGA = "advanced-error-handling#sagas-and-compensation"
SECTION_QUESTIONS: list[tuple[str, set[str]]] = [
    # finding 6 of the agent-journey trial, verbatim
    ("wait for a human approval for orders over 1000", {CB, APPROVAL}),
    ("compensate failed order", {SAGA}),
    ("register compensation after step succeeds rethrow", {SAGA}),
    ("saga compensation on failure", {SAGA}),
    # sagas and errors
    ("undo the payment if shipping fails", {SAGA}),
    ("roll back the earlier steps when a later step fails", {SAGA}),
    ("refund the customer when the order cannot be shipped", {SAGA}),
    ("retry a flaky HTTP call 3 times with exponential backoff", {"step-operations#retries", "error-handling#retries"}),
    ("do not retry when the card is declined", {"error-handling#retries", "error-handling#catching"}),
    ("catch StepError and read the original error type in python", {"error-handling#catching", "error-handling#how-failures-surface"}),
    ("make the execution fail with a clear error message", {"error-handling#failing-on-purpose"}),
    ("bad input should fail fast without burning retries", {"advanced-error-handling#poison-inputs"}),
    ("retry submit job, wait and check the outcome as one unit", {"advanced-error-handling#retrying-a-block"}),
    ("some items in my map failed but the batch still succeeded",
     {"advanced-error-handling#partial-failure-in-map-and-parallel", "concurrent-operations#results-and-completion-rules"}),
    ("NonDeterministicExecutionError after I deployed new code", {"advanced-error-handling#non-determinism-after-a-deploy"}),
    ("invocation timeout vs execution timeout vs callback timeout", {"advanced-error-handling#timeouts"}),
    # waits, callbacks, polling
    ("send a reminder if the manager has not approved within 2 days, then escalate", {APPROVAL}),
    ("pause the workflow for 24 hours before sending a follow-up email", {"wait-operations#waits"}),
    ("how long can a wait be at most", {"wait-operations#durations"}),
    ("give the callback id to a slack bot and wait for the button click", {CB, "wait-operations#create-a-callback-yourself"}),
    ("resume the waiting execution from my webhook handler", {"wait-operations#completing-a-callback-from-outside"}),
    ("approve a pending request from the aws cli", {"wait-operations#completing-a-callback-from-outside", "troubleshooting-executions#acting-on-an-execution"}),
    ("poll the job status every minute until it completes", {"wait-operations#wait-for-a-condition"}),
    ("check an external API repeatedly until the export is ready", {"wait-operations#wait-for-a-condition"}),
    ("what happens when nobody answers the callback", {CB, "advanced-error-handling#timeouts"}),
    ("heartbeat timeout for a long running external task", {CB, "wait-operations#completing-a-callback-from-outside"}),
    # replay rules, steps
    ("generate an order id with a uuid in the handler", {"replay-model-rules#determinism"}),
    ("get the current time in orchestration code", {"replay-model-rules#determinism"}),
    ("counter variable updated inside a step is zero after resume", {"replay-model-rules#state"}),
    ("forgot to await a step in typescript", {"replay-model-rules#awaiting"}),
    ("write to dynamodb from the workflow without duplicates on replay", {"replay-model-rules#side-effects", "step-operations#semantics"}),
    ("charge the credit card at most once even if lambda crashes", {"step-operations#semantics"}),
    ("step returns a Map and it comes back empty", {"step-operations#results"}),
    ("call context.step inside another step", {"step-operations#nesting"}),
    # concurrency
    ("fan out over a list of user ids, 10 at a time", {"concurrent-operations#map", "advanced-patterns#large-fan-out"}),
    ("run the fraud check and the inventory check at the same time", {"concurrent-operations#parallel"}),
    ("process 10000 records from an S3 manifest without a huge history", {"advanced-patterns#large-fan-out"}),
    ("group a few steps under one name so they replay together", {"concurrent-operations#child-contexts"}),
    ("stop the batch as soon as 3 items succeed", {"concurrent-operations#results-and-completion-rules", "advanced-error-handling#partial-failure-in-map-and-parallel"}),
    ("race a payment against a timer and take whichever finishes first", {"concurrent-operations#combinators"}),
    ("map vs parallel vs child context, which one should I use", {"concurrent-operations#choosing-a-tool"}),
    # testing
    ("write a jest test that approves the callback", {"testing-patterns#callbacks-in-typescript-tests"}),
    ("pytest for a handler that waits for a callback", {"testing-patterns#callbacks-and-history-in-python-tests"}),
    ("test a handler that sleeps 7 days without actually waiting", {"testing-patterns#what-the-test-runners-do"}),
    ("run my assertions against the deployed function", {"testing-patterns#against-the-real-service"}),
    # deployment
    ("add DurableConfig to my SAM template", {"deployment-iac#sam"}),
    ("which managed policy does the execution role need", {"deployment-iac#permissions"}),
    ("stack update fails: function name already exists after making it durable", {"deployment-iac#replacement"}),
    ("why must I invoke a version or an alias", {"deployment-iac#versions", "getting-started#invoke-it"}),
    ("set the execution timeout and retention period", {"deployment-iac#durableconfig"}),
    ("is nodejs20.x supported", {"deployment-iac#runtimes"}),
    # advanced patterns
    ("call another lambda and wait for its result", {"advanced-patterns#invoke"}),
    ("a redelivered SQS message must not start the workflow twice", {"advanced-patterns#idempotent-start"}),
    ("run a nightly job every day with a loop", {"advanced-patterns#loops-and-schedules"}),
    ("the step result is a 2 MB document", {"advanced-patterns#large-payloads"}),
    ("use the powertools logger with the durable context", {"advanced-patterns#loggers-and-serdes"}),
    # troubleshooting
    ("my execution failed, which step threw", {"troubleshooting-executions#the-history", "troubleshooting-executions#events-that-matter", "troubleshooting-executions#order-of-work"}),
    ("find the executions behind the live alias", {"troubleshooting-executions#from-alias-to-executions"}),
    ("which CloudWatch log group has the invocation output", {"troubleshooting-executions#logs-as-the-fallback"}),
    ("stop a stuck execution", {"troubleshooting-executions#acting-on-an-execution", "error-handling#failing-on-purpose"}),
    ("read the history without exposing customer emails", {"troubleshooting-executions#personal-data"}),
    # getting started
    ("install the python sdk", {"getting-started#install-the-sdk"}),
    ("minimal durable handler in typescript", {"getting-started#first-handler-in-typescript"}),
    ("use the sdk from plain javascript with require", {"getting-started#javascript-commonjs-and-esm"}),
    # written after tuning (held out)
    ("manager must sign off on expenses above 500 before payout", {CB, "advanced-patterns#approval-with-reminders-and-escalation"}),
    ("release the inventory reservation if the payment step fails", {SAGA}),
    ("cancel the hotel booking when the flight booking fails", {SAGA}),
    ("resize 500 images concurrently", {"concurrent-operations#map", "advanced-patterns#large-fan-out"}),
    ("keep checking whether the EMR cluster is up", {"wait-operations#wait-for-a-condition"}),
    ("delay the reminder email by 3 days", {"wait-operations#waits"}),
    ("math random in handler gives a different value on replay", {"replay-model-rules#determinism"}),
    ("the third-party API is rate limited, retry with a longer delay", {"step-operations#retries", "error-handling#retries"}),
    ("jest test where the step throws on the first two attempts", {"testing-patterns#typescript-with-jest", "testing-patterns#what-to-test"}),
    ("AccessDenied on CheckpointDurableExecution", {"deployment-iac#permissions"}),
    ("invoke a child workflow in another function", {"advanced-patterns#invoke"}),
    ("the execution shows TIMED_OUT", {"advanced-error-handling#timeouts", "troubleshooting-executions#events-that-matter"}),
    ("send callback failure from python with boto3", {"wait-operations#completing-a-callback-from-outside"}),
    ("error thrown inside runInChildContext has the wrong type", {"advanced-error-handling#mapping-child-errors"}),
    ("tolerate up to 5 failed items in a map", {"advanced-error-handling#partial-failure-in-map-and-parallel", "concurrent-operations#results-and-completion-rules"}),
    ("Promise.all over context.step calls", {"concurrent-operations#combinators", "replay-model-rules#awaiting"}),
]

TOP1_AT_LEAST = 0.75  # was 0.58 (top-3 0.73) before stemming, the synonym table and the cutoff
TOP3_AT_LEAST = 0.92


def hit_rates() -> tuple[float, float, list[str]]:
    top1 = top3 = 0
    misses = []
    for question, right in SECTION_QUESTIONS:
        anchors = [h.section.anchor for h in guides.route(question)[1]]
        top1 += bool(anchors) and anchors[0] in right
        top3 += bool(set(anchors[:3]) & right)
        if not anchors or anchors[0] not in right:
            misses.append(f"{question!r} -> {anchors}")
    n = len(SECTION_QUESTIONS)
    return top1 / n, top3 / n, misses


def test_the_section_table_is_big_and_names_real_sections() -> None:
    assert len(SECTION_QUESTIONS) >= 40
    assert len({q for q, _ in SECTION_QUESTIONS}) == len(SECTION_QUESTIONS)
    anchors = {s.anchor for s in guides.all_sections() if s.level == 2}
    for _, right in SECTION_QUESTIONS:
        assert right <= anchors, right - anchors
    assert {a.partition("#")[0] for _, r in SECTION_QUESTIONS for a in r} == set(guides.TOPICS)


def test_the_answering_section_comes_first() -> None:
    top1, top3, misses = hit_rates()
    assert top1 >= TOP1_AT_LEAST and top3 >= TOP3_AT_LEAST, (top1, top3, misses)


@pytest.mark.parametrize(
    ("question", "first"),
    [  # the agent-journey trial's misses (finding 6)
        ("wait for a human approval for orders over 1000", CB),
        ("compensate failed order", SAGA),
        ("register compensation after step succeeds rethrow", SAGA),
        ("saga compensation on failure", SAGA),
    ],
)
def test_task_shaped_questions_find_their_section(question: str, first: str) -> None:
    anchors = [h.section.anchor for h in guides.route(question)[1]]
    assert anchors[0] == first, anchors


def test_the_approval_question_also_finds_the_approval_pattern() -> None:
    anchors = [h.section.anchor for h in guides.route("wait for a human approval for orders over 1000")[1]]
    assert APPROVAL in anchors, anchors


def test_a_clear_answer_is_not_padded() -> None:
    """The trial's saga question came with three unrelated sections (2.2 K of its 4.3 K)."""
    for question in ("saga compensation on failure", "compensate failed order"):
        topics, hits = guides.route(question)
        assert [h.section.anchor for h in hits] == [SAGA], (question, hits)
        assert topics == ["advanced-error-handling"]
    sizes = [len(guides.route(q)[1]) for q, _ in SECTION_QUESTIONS]
    assert sum(sizes) / len(sizes) < 3  # was 3.9: nearly always the maximum of 4


@pytest.mark.parametrize(
    ("words", "stem"),
    [
        (("compensate", "compensation", "compensating", "compensated"), None),
        (("approve", "approval", "approved", "approvers"), None),
        (("retry", "retries", "retried", "retrying"), "retry"),
        (("fail", "failed", "failure", "failing"), "fail"),
        (("deterministic", "determinism"), None),
    ],
)
def test_word_forms_meet(words: tuple[str, ...], stem: str | None) -> None:
    stems = {guides.stem(w) for w in words}
    assert len(stems) == 1, stems
    assert stem is None or stems == {stem}


def test_domain_synonyms_reach_the_guides_words() -> None:
    assert guides.query_terms("undo the payment")[guides.stem("compensation")] > 0
    assert guides.query_terms("fan out over users")[guides.stem("map")] > 0
    assert guides.query_terms("poll until ready")["waitforcondit"] > 0
    assert guides.query_terms("sign off by a human")[guides.stem("callback")] > 0


def test_routing_is_deterministic() -> None:
    question = "retry a flaky HTTP call 3 times with exponential backoff"
    first = [(h.section.anchor, h.score) for h in guides.route(question)[1]]
    guides._index.cache_clear()
    assert [(h.section.anchor, h.score) for h in guides.route(question)[1]] == first


if __name__ == "__main__":
    top1, top3, misses = hit_rates()
    print(f"{len(SECTION_QUESTIONS)} questions: top-1 {top1:.3f}, top-3 {top3:.3f}")
    print("\n".join(misses))
