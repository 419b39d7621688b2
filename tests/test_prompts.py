"""Workflow prompts: listed, rendered with their arguments, and naming only tools that exist."""

import re

from test_server import EXPECTED_ORDER

from lambda_durable_mcp.guides import guide_infos

PROMPTS = {
    "review-replay-safety": {"path": "src/handler.ts"},
    "build-saga": {"name": "order-saga", "language": "python"},
    "debug-execution": {"execution_arn": "arn:aws:lambda:us-east-1:123456789012:function:f:live/durable-execution/e/1"},
}


async def test_prompts_render_with_their_arguments(client_for) -> None:  # type: ignore[no-untyped-def]
    async with client_for() as client:
        listed = {p.name: p for p in (await client.list_prompts()).prompts}
        assert set(listed) == set(PROMPTS)
        for name, args in PROMPTS.items():
            result = await client.get_prompt(name, args)
            text = result.messages[0].content.text  # type: ignore[union-attr]
            for value in args.values():
                assert value in text, (name, value)
            for tool in set(re.findall(r"\b[a-z]+(?:_[a-z]+){2,}\b", text)):
                assert tool in EXPECTED_ORDER, f"prompt {name} names unknown tool {tool}"
            topics = {g.id for g in guide_infos()}
            for topic in re.findall(r"topic=([a-z-]+)", text) + re.findall(r"durable-guide://([a-z-]+)", text):
                assert topic in topics, f"prompt {name} names unknown guide {topic}"
