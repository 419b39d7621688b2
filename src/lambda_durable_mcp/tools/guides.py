"""Tool group: guides. The get_durable_guide tool and the durable-guide:// resources."""

from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceNotFoundError, ToolError
from mcp.server.mcpserver.resources import FunctionResource
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from lambda_durable_mcp import guides
from lambda_durable_mcp.settings import Settings
from lambda_durable_mcp.tools._common import READ_LOCAL, add_tool

URI = "durable-guide://{topic}"


class GuideResult(BaseModel):
    # What the markdown of the text content holds; the markdown itself is not repeated here.
    topics: list[str]  # chosen topic ids, best first
    sections: list[str]  # "topic#section" anchors, in the order the text has them


def _result(topics: list[str], sections: list[str], markdown: str) -> CallToolResult:
    """The markdown itself as the text content, once; the structured part only names it."""
    return CallToolResult(
        content=[TextContent(type="text", text=markdown)],
        structured_content=GuideResult(topics=topics, sections=sections).model_dump(mode="json"),
    )


def _index_text() -> str:
    lines = ["Durable function guides (topic: summary; sections). Call again with topic=, section= or question=."]
    for info in guides.guide_infos():
        slugs = ", ".join(s.slug for s in guides.load_guide(info.id).sections if s.level == 2)
        lines += [f"- {info.id}: {info.summary}", f"  sections: {slugs}"]
    return "\n".join(lines)


def get_durable_guide(
    topic: Annotated[str | None, Field(description="Guide id, e.g. wait-operations")] = None,
    section: Annotated[str | None, Field(description="Section slug, e.g. callbacks")] = None,
    question: Annotated[str | None, Field(description="Free-text question")] = None,
) -> Annotated[CallToolResult, GuideResult]:
    """Guides for Lambda durable functions (TS, Python, JS): replay rules, steps, waits/callbacks,
    map/parallel, errors, testing, deployment, troubleshooting. No arguments: topic index;
    topic (+section): that guide; question: matching sections. Returns markdown. Read before writing
    durable code."""
    try:
        question = (question or "").strip()
        if topic:
            guide = guides.load_guide(topic)
            if section:
                sec = guide.section(section)
                return _result([topic], [sec.anchor], sec.text)
            if not question:
                return _result([topic], [], guide.body)
        if section:
            raise ToolError("section needs a topic. Valid topics: " + ", ".join(guides.TOPICS) + ".")
        if question:
            topics, hits = guides.route(question, topic=topic or None)
            if not hits:
                return _result([], [], "No guide matches that question.\n" + _index_text())
            parts = [f"<!-- {h.section.anchor} -->\n{h.section.text}" for h in hits]
            return _result(topics, [h.section.anchor for h in hits], "\n".join(parts))
        return _result(list(guides.TOPICS), [], _index_text())
    except guides.GuideError as exc:
        raise ToolError(str(exc)) from None


def register(server: MCPServer, settings: Settings) -> None:
    """Register get_durable_guide, the durable-guide://{topic} template and one resource per guide."""
    add_tool(server, settings, get_durable_guide, access=READ_LOCAL, title="Durable function guides",
             description=" ".join((get_durable_guide.__doc__ or "").split()))

    for info in guides.guide_infos():
        server.add_resource(
            FunctionResource(
                uri=URI.format(topic=info.id),
                name=info.id,
                title=info.title,
                description=info.summary,
                mime_type="text/markdown",
                fn=lambda topic=info.id: guides.load_guide(topic).body,
            )
        )

    @server.resource(
        URI,
        name="durable-guide",
        title="Durable function guide",
        description="A durable functions guide by topic id: " + ", ".join(guides.TOPICS),
        mime_type="text/markdown",
    )
    def read_guide(topic: str) -> str:
        try:
            return guides.load_guide(topic).body
        except guides.GuideError as exc:
            raise ResourceNotFoundError(str(exc)) from None
