"""The guides as content: front matter, sizes, anchors other parts rely on, and facts they state."""

import re

import pytest
from guide_blocks import blocks, guide_path

from lambda_durable_mcp import guides
from lambda_durable_mcp.analyzer.model import RULES

MAX_CHARS = 12_000


def test_all_eleven_guides_exist_with_front_matter() -> None:
    infos = guides.guide_infos()
    assert [i.id for i in infos] == list(guides.TOPICS)
    assert len(infos) == 11
    for info in infos:
        assert info.path.name == f"{info.id}.md"
        assert info.title and len(info.summary) > 40, info.id
        assert len(info.keywords) >= 5, info.id


@pytest.mark.parametrize("topic", guides.TOPICS)
def test_guide_size_and_structure(topic: str) -> None:
    text = guide_path(topic).read_text(encoding="utf-8")
    assert len(text) <= MAX_CHARS, f"{topic} has {len(text)} characters"
    guide = guides.load_guide(topic)
    h2 = [s for s in guide.sections if s.level == 2]
    assert len(h2) >= 4, topic
    slugs = [s.slug for s in guide.sections]
    assert len(slugs) == len(set(slugs)), f"duplicate headings in {topic}"
    assert not guide.body.startswith("---")


@pytest.mark.parametrize("topic", guides.TOPICS)
def test_every_guide_has_python_and_typescript_comes_first(topic: str) -> None:
    langs = [b.lang for b in blocks(topic) if b.lang in ("ts", "python")]
    assert "python" in langs, topic
    if "ts" in langs:
        assert langs.index("ts") < langs.index("python"), f"{topic}: TypeScript is the default, show it first"


REQUIRED_ANCHORS = [
    "replay-model-rules#determinism", "replay-model-rules#state", "replay-model-rules#awaiting",
    "replay-model-rules#side-effects", "replay-model-rules#naming",
    "concurrent-operations#combinators", "concurrent-operations#child-contexts", "concurrent-operations#map",
    "concurrent-operations#parallel",
    "wait-operations#waits", "wait-operations#durations", "wait-operations#callbacks",
    "step-operations#nesting", "step-operations#defining-steps", "step-operations#results",
    "error-handling#catching", "error-handling#retries", "advanced-patterns#invoke",
    "deployment-iac#durableconfig", "deployment-iac#permissions", "deployment-iac#versions",
    "deployment-iac#replacement", "deployment-iac#runtimes",
]


def resolve(anchor: str) -> guides.Section:
    topic, _, slug = anchor.partition("#")
    return guides.load_guide(topic).section(slug)


@pytest.mark.parametrize("anchor", REQUIRED_ANCHORS)
def test_anchors_the_analyzer_uses_exist(anchor: str) -> None:
    assert resolve(anchor).level == 2


def test_every_rule_points_to_an_existing_section() -> None:
    for rule in RULES.values():
        sec = resolve(rule.guide)
        assert len(sec.text) > 200, rule.id


def test_slugify_matches_the_documented_rule() -> None:
    assert guides.slugify("Side effects") == "side-effects"
    assert guides.slugify("DurableConfig") == "durableconfig"
    assert guides.slugify("Results and completion rules") == "results-and-completion-rules"
    assert guides.slugify("  Logs as the fallback!  ") == "logs-as-the-fallback"


def test_headings_inside_code_blocks_are_not_sections() -> None:
    secs = guides._sections("t", "## A\ntext\n```python\n## not a heading\n```\n## B\nmore\n")
    assert [s.slug for s in secs] == ["a", "b"]
    assert "not a heading" in secs[0].text


def event_type_enum() -> set[str]:
    from botocore.session import get_session

    return set(get_session().get_service_model("lambda").shape_for("EventType").enum)


def test_event_types_named_in_guides_exist_in_the_api() -> None:
    known = event_type_enum()
    pattern = re.compile(r"`((?:Execution|Context|Wait|Step|ChainedInvoke|Callback|Invocation)"
                         r"(?:Started|Succeeded|Failed|TimedOut|Stopped|Cancelled|Completed|Paused|Resumed))`")
    for topic in guides.TOPICS:
        for name in pattern.findall(guide_path(topic).read_text()):
            assert name in known, f"{topic}: {name} is not an EventType"


def test_troubleshooting_covers_the_events_that_matter() -> None:
    text = guide_path("troubleshooting-executions").read_text()
    for name in ["ExecutionFailed", "ExecutionTimedOut", "ExecutionStopped", "StepFailed", "CallbackStarted",
                 "CallbackTimedOut", "CallbackFailed", "ChainedInvokeStarted", "ChainedInvokeFailed",
                 "ContextFailed", "InvocationCompleted"]:
        assert f"`{name}`" in text, name
    assert "RetryDetails.CurrentAttempt" in text and "NextAttemptDelaySeconds" in text
    for tool in ["list_durable_executions", "get_durable_execution_history", "diagnose_durable_execution",
                 "send_durable_callback", "stop_durable_execution", "invoke_durable_function",
                 "run_durable_function_locally", "validate_durable_code", "check_durable_deployment"]:
        assert f"`{tool}`" in text, tool
    assert "personal data" in text.lower()
    assert "LoggingConfig.LogGroup" in text and "filter-log-events" in text and "start-query" in text


def test_published_mistakes_are_absent() -> None:
    """Commands that look plausible and do not exist."""
    for topic in guides.TOPICS:
        text = guide_path(topic).read_text()
        assert "list-durable-executions " not in text and "list-durable-executions\n" not in text, topic
        assert "--execution-id" not in text, topic
        for cmd in re.findall(r"aws lambda send-durable-execution-callback-success[^\n]*(?:\\\n[^\n]*)*", text):
            assert "--payload" not in cmd, topic
        for cmd in re.findall(r"aws lambda get-durable-execution-history[^\n]*(?:\\\n[^\n]*)*", text):
            assert "--function-name" not in cmd, topic


def test_durableconfig_limits_match_the_api_model() -> None:
    from botocore.session import get_session

    shape = get_session().get_service_model("lambda").shape_for("DurableConfig")
    timeout = shape.members["ExecutionTimeout"].metadata
    retention = shape.members["RetentionPeriodInDays"].metadata
    text = guide_path("deployment-iac").read_text()
    assert f"{timeout['min']} to {timeout['max']:,} seconds" in text
    assert f"{retention['min']} to {retention['max']}" in text
    assert "AWSLambdaBasicDurableExecutionRolePolicy" in text and "AutoPublishAlias" in text


def test_wait_guide_teaches_callbacks_with_timeouts_in_both_languages() -> None:
    sec = guides.load_guide("wait-operations").section("callbacks").text
    assert "waitForCallback(" in sec and "timeout: { hours: 24 }" in sec
    assert "wait_for_callback(" in sec and "WaitForCallbackConfig(" in sec and "timeout=Duration" in sec
    assert "CallbackTimeoutError" in sec


def test_loader_prefers_packaged_references(tmp_path) -> None:
    packaged, repo = tmp_path / "pkg" / "references", tmp_path / "repo" / "references"
    for folder in (packaged, repo):
        folder.mkdir(parents=True)
        (folder / "getting-started.md").write_text("---\nid: getting-started\n---\n")
    assert guides.references_dir((packaged, repo)) == packaged
    (packaged / "getting-started.md").unlink()
    assert guides.references_dir((packaged, repo)) == repo
    (repo / "getting-started.md").unlink()
    with pytest.raises(FileNotFoundError):
        guides.references_dir((packaged, repo))
    # This checkout (editable install) finds the repository folder.
    assert (guides.references_dir() / "troubleshooting-executions.md").is_file()


def test_unknown_topic_and_section_list_valid_choices() -> None:
    with pytest.raises(guides.GuideError) as err:
        guides.load_guide("nope")
    assert "getting-started" in str(err.value) and "troubleshooting-executions" in str(err.value)
    with pytest.raises(guides.GuideError) as err:
        guides.load_guide("wait-operations").section("nope")
    assert "callbacks" in str(err.value) and "durations" in str(err.value)
