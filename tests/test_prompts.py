"""Workflow prompts: listed with described arguments, rendered, and naming only tools, arguments and
guide sections that exist on the live server (so the prompts cannot drift from the tools)."""

import json
import re
from typing import Any

import pytest
from conftest import tool_text
from mcp.shared.exceptions import MCPError

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:live/durable-execution/e/1"
RENDERS = [
    ("review-replay-safety", {"path": "src/handler.ts"}),
    ("build-saga", {"name": "order-saga"}),
    ("build-saga", {"name": "order-saga", "language": "python"}),
    ("build-saga", {"name": "order-saga", "language": "javascript"}),
    ("build-saga", {"name": "order-saga", "language": "TypeScript"}),
    ("debug-execution", {"execution_arn": ARN}),
]
TOOL = re.compile(r"\b[a-z]+(?:_[a-z]+){2,}\b")
ARG = re.compile(r"\b([a-z_]+)=(\"[^\"]*\"|\[[^\]]*\]|[^\s,;)]*)")
# Tools whose literal calls in a prompt are made for real: read-only, or a preview without --allow-write.
CALLABLE = {"get_durable_guide", "scaffold_durable_project"}


def mentions(text: str, tools: set[str]) -> list[tuple[str, str]]:
    """(tool, the clause after it): up to the next tool, the end of the sentence or of the line."""
    found = [m for m in TOOL.finditer(text) if m.group() in tools]
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        clause = re.split(r"\n|\. ", text[m.end():end])[0]
        out.append((m.group(), clause))
    return out


async def test_prompt_arguments_are_described(client_for: Any) -> None:
    async with client_for() as client:
        prompts = (await client.list_prompts()).prompts
    assert {p.name for p in prompts} == {name for name, _ in RENDERS}
    for prompt in prompts:
        for arg in prompt.arguments or []:
            assert arg.description, (prompt.name, arg.name)
    language = next(a for p in prompts for a in p.arguments or [] if a.name == "language")
    assert all(lang in language.description for lang in ("typescript", "javascript", "python"))
    path = next(a for p in prompts for a in p.arguments or [] if a.name == "path")
    assert "workspace root" in path.description


@pytest.mark.parametrize(("prompt", "args"), RENDERS, ids=[f"{p}-{'-'.join(a.values())}" for p, a in RENDERS])
async def test_prompt_names_only_real_tools_arguments_and_guides(client_for: Any, prompt: str, args: dict) -> None:
    async with client_for(local=True) as client:
        schemas = {t.name: t.input_schema for t in (await client.list_tools()).tools}
        text = (await client.get_prompt(prompt, args)).messages[0].content.text  # type: ignore[union-attr]
        for value in args.values():
            assert value.lower() in text, (prompt, value)
        assert not re.search(r"\bsection\b(?!=)", text), "name a guide section as section=<slug> so it is checked"
        unknown = set(TOOL.findall(text)) - set(schemas)
        assert not unknown, f"{prompt} names unknown tools {unknown}"
        for uri in re.findall(r"durable-guide://[a-z-]+", text):
            await client.read_resource(uri)
        for tool, clause in mentions(text, set(schemas)):
            schema = schemas[tool]
            given = dict(ARG.findall(clause))
            for arg, value in given.items():
                assert arg in schema["properties"], f"{prompt}: {tool} has no argument {arg}"
                enum = schema["properties"][arg].get("enum")
                if enum and value.startswith('"'):
                    assert json.loads(value) in enum, f"{prompt}: {tool} {arg}={value} is not one of {enum}"
            if given and clause.startswith(" with "):  # a call spelled out must be complete
                missing = set(schema.get("required", [])) - set(given)
                assert not missing, f"{prompt}: {tool} call lacks {missing}"
            literal = given and all(not v.startswith("<") for v in given.values())
            if tool in CALLABLE and literal:
                call = {k: json.loads(v) if v[:1] in '"[' else v for k, v in given.items()}
                result = await client.call_tool(tool, call)
                assert not result.is_error, f"{prompt}: {tool} {call} -> {tool_text(result)}"


async def test_build_saga_points_at_the_saga_section_and_the_failing_step(client_for: Any) -> None:
    async with client_for() as client:
        text = (await client.get_prompt("build-saga", {"name": "shop"})).messages[0].content.text  # type: ignore[union-attr]
        section = await client.call_tool(
            "get_durable_guide", {"topic": "advanced-error-handling", "section": "sagas-and-compensation"}
        )
    assert "topic=advanced-error-handling section=sagas-and-compensation" in text
    assert "compensation" in tool_text(section).lower()
    assert 'directory="shop"' in text and "re-raise the original error" in text and "must name that step" in text


async def test_build_saga_refuses_an_unknown_language(client_for: Any) -> None:
    async with client_for() as client:
        with pytest.raises(MCPError, match="typescript, javascript, python, not .go."):
            await client.get_prompt("build-saga", {"name": "shop", "language": "go"})


async def test_debug_execution_sends_the_agent_to_the_guide_diagnose_names(client_for: Any) -> None:
    async with client_for() as client:
        text = (await client.get_prompt("debug-execution", {"execution_arn": ARN})).messages[0].content.text  # type: ignore[union-attr]
    assert "topic=<diagnose's guide>" in text and "troubleshooting-executions" not in text
