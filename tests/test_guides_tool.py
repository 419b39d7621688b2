"""get_durable_guide and the durable-guide:// resources, through a real MCP client."""

import json
from typing import Any

import pytest
from conftest import tool_text
from mcp.shared.exceptions import MCPError

from lambda_durable_mcp import guides

TOOL = "get_durable_guide"


async def call(client: Any, **args: Any) -> Any:
    return await client.call_tool(TOOL, args)


async def test_no_arguments_gives_a_compact_index(client_for: Any) -> None:
    async with client_for() as c:
        result = await call(c)
    assert not result.is_error
    data, text = result.structured_content, tool_text(result)
    assert data["topics"] == list(guides.TOPICS)
    for info in guides.guide_infos():
        assert f"- {info.id}: {info.summary}" in text
    assert "  sections: waits, durations, callbacks" in text
    assert len(text) < 5000  # an index, not the library


async def test_topic_returns_the_whole_guide_without_front_matter(client_for: Any) -> None:
    async with client_for() as c:
        result = await call(c, topic="wait-operations")
    data, text = result.structured_content, tool_text(result)
    assert data["topics"] == ["wait-operations"]
    assert text.startswith("# Waits, callbacks and polling")
    assert "waitForCallback" in text and "wait_for_callback" in text
    assert "keywords:" not in text


async def test_section_by_slug_or_heading(client_for: Any) -> None:
    async with client_for() as c:
        by_slug = await call(c, topic="deployment-iac", section="durableconfig")
        by_anchor = await call(c, topic="deployment-iac", section="#DurableConfig")
    assert by_slug.structured_content == by_anchor.structured_content
    assert tool_text(by_slug) == tool_text(by_anchor)
    assert by_slug.structured_content["sections"] == ["deployment-iac#durableconfig"]
    assert tool_text(by_slug).startswith("## DurableConfig")
    assert "## SAM" not in tool_text(by_slug)


async def test_question_returns_matching_sections_not_the_library(client_for: Any) -> None:
    async with client_for() as c:
        result = await call(c, question="how do I wait for a human approval with a timeout in python?")
    data, text = result.structured_content, tool_text(result)
    assert data["topics"][0] == "wait-operations"
    assert "wait-operations#callbacks" in data["sections"]
    assert "wait_for_callback" in text
    whole = sum(len(guides.load_guide(t).body) for t in guides.TOPICS)
    assert len(text) < whole / 4
    for anchor in data["sections"]:
        assert f"<!-- {anchor} -->" in text


async def test_unknown_topic_and_section_are_tool_errors_listing_valid_ids(client_for: Any) -> None:
    async with client_for() as c:
        bad_topic = await call(c, topic="waits")
        bad_section = await call(c, topic="wait-operations", section="timers")
        section_alone = await call(c, section="callbacks")
    assert bad_topic.is_error and "wait-operations" in tool_text(bad_topic)
    assert "troubleshooting-executions" in tool_text(bad_topic)
    assert bad_section.is_error and "callbacks" in tool_text(bad_section) and "durations" in tool_text(bad_section)
    assert section_alone.is_error and "getting-started" in tool_text(section_alone)


async def test_tool_listing_is_compact_and_read_only(client_for: Any) -> None:
    async with client_for() as c:
        tool = next(t for t in (await c.list_tools()).tools if t.name == TOOL)
    d = tool.model_dump(mode="json", by_alias=True, exclude_none=True)
    size = len(d["description"]) + len(json.dumps(d["inputSchema"])) + len(json.dumps(d["outputSchema"]))
    assert size <= 900, size
    assert tool.annotations.read_only_hint is True and tool.annotations.open_world_hint is False
    assert "topics" in d["outputSchema"]["properties"]


async def test_each_guide_is_a_listed_resource(client_for: Any) -> None:
    async with client_for() as c:
        resources = (await c.list_resources()).resources
        templates = (await c.list_resource_templates()).resource_templates
        contents = (await c.read_resource("durable-guide://troubleshooting-executions")).contents
    listed = {str(r.uri): r for r in resources if str(r.uri).startswith("durable-guide://")}
    assert sorted(listed) == sorted(f"durable-guide://{t}" for t in guides.TOPICS)
    for info in guides.guide_infos():
        r = listed[f"durable-guide://{info.id}"]
        assert r.title == info.title and r.description == info.summary and r.mime_type == "text/markdown"
    assert [t.uri_template for t in templates] == ["durable-guide://{topic}"]
    assert contents[0].text == guides.load_guide("troubleshooting-executions").body
    assert contents[0].mime_type == "text/markdown"


async def test_reading_an_unknown_topic_names_the_valid_ones(client_for: Any) -> None:
    async with client_for() as c:
        with pytest.raises(MCPError) as err:
            await c.read_resource("durable-guide://nope")
    assert "Valid topics" in str(err.value) and "deployment-iac" in str(err.value)


def test_registration_reads_front_matter_only(monkeypatch: Any, tmp_path: Any) -> None:
    """Listing eleven resources at startup must not load and parse eleven guides."""
    from conftest import make_settings

    from lambda_durable_mcp.server import build_server

    guides.load_guide.cache_clear()
    build_server(make_settings(tmp_path))
    assert guides.load_guide.cache_info().currsize == 0


async def test_question_within_a_topic_returns_only_that_guides_sections(client_for: Any) -> None:
    async with client_for() as c:
        data = (await call(c, topic="deployment-iac", question="which iam policy does the role need")).structured_content
        nothing = await call(c, topic="getting-started", question="zzzz qqqq")
    assert data["topics"] == ["deployment-iac"]
    assert data["sections"][0] == "deployment-iac#permissions"
    assert all(a.startswith("deployment-iac#") for a in data["sections"])
    assert nothing.structured_content["topics"] == [] and "getting-started" in tool_text(nothing)


async def test_a_guide_arrives_once_as_markdown(client_for: Any) -> None:
    """The trial's finding 7: the guide came twice (a JSON dump in the text content and the same
    again as structured content), the text copy with its markdown JSON-escaped: about 2x tokens."""
    body = guides.load_guide("error-handling").body
    async with client_for() as c:
        tool = next(t for t in (await c.list_tools()).tools if t.name == TOOL)
        result = await call(c, topic="error-handling")
    assert [b.type for b in result.content] == ["text"]
    assert tool_text(result) == body  # readable as is by a client that forwards only the text
    assert result.structured_content == {"topics": ["error-handling"], "sections": []}
    # the output schema says what is sent, and no more
    assert set(tool.output_schema["required"]) == set(result.structured_content)
    assert set(tool.output_schema["properties"]) == set(result.structured_content)
    sent = len(json.dumps(result.model_dump(mode="json", by_alias=True, exclude_none=True)))
    assert sent < 1.2 * len(body)  # was 16.3 K for 7.6 K of markdown


async def test_question_answers_carry_their_sections_once(client_for: Any) -> None:
    async with client_for() as c:
        result = await call(c, question="saga compensation on failure")
    assert result.structured_content == {
        "topics": ["advanced-error-handling"], "sections": ["advanced-error-handling#sagas-and-compensation"]}
    saga = guides.load_guide("advanced-error-handling").section("sagas-and-compensation").text
    assert tool_text(result) == "<!-- advanced-error-handling#sagas-and-compensation -->\n" + saga
