"""What every tool group shares: the access model (annotations and the write gate), errors, schema trimming.

Gating is enforced here, by the server, not left to annotations: a write tool registered with
``gate="refuse"`` never runs its body without ``--allow-write``.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, model_serializer

from lambda_durable_mcp.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])

MCP_JSON_HINT = (
    # appended to the args that are there: the README's form has the command itself in "command"
    'add "--allow-write" to the server\'s "args" in .mcp.json (e.g. "args": ["--allow-write"]), '
    "then restart the server"
)
# A hosted server (streamable HTTP, the container) is configured by whoever runs it, not in the
# client's .mcp.json, which only holds its URL.
HOSTED_WRITE_HINT = ("ask whoever runs the server to restart it with --allow-write "
                     "(in the container: MCP_FLAGS=--allow-write)")
SENSITIVE_HINT = "restart the server with --allow-sensitive-data-access to include them"


def write_hint(settings: Settings) -> str:
    return MCP_JSON_HINT if settings.transport == "stdio" else HOSTED_WRITE_HINT


@dataclass(frozen=True)
class Access:
    """What a tool does to the world; annotations and the write gate both follow from it.

    writes: creates files, changes AWS resources, runs user code or sends callbacks.
    gate: "refuse" blocks the call without --allow-write; "tool" means the tool handles read-only
    mode itself (a scaffold preview, say) and must call ``require_write`` before writing.
    """

    writes: bool = False
    destructive: bool = False
    idempotent: bool = True
    open_world: bool = False
    gate: Literal["refuse", "tool"] = "refuse"

    def annotations(self, title: str | None = None) -> ToolAnnotations:
        return ToolAnnotations(
            title=title,
            read_only_hint=not self.writes,
            destructive_hint=self.destructive if self.writes else False,
            idempotent_hint=self.idempotent,
            open_world_hint=self.open_world,
        )


READ_LOCAL = Access()
READ_AWS = Access(open_world=True)


def write_refusal(tool_name: str, what: str, settings: Settings) -> ToolError:
    return ToolError(
        f"{tool_name} {what}, and this server runs read-only. "
        f"Start it with --allow-write: {write_hint(settings)}."
    )


def require_write(settings: Settings, tool_name: str, what: str) -> None:
    """For tools with gate="tool": call before the first write."""
    if not settings.allow_write:
        raise write_refusal(tool_name, what, settings)


def withheld_note(what: str = "Execution inputs, results and error data") -> str:
    verb = "is" if what.startswith("The ") else "are"  # "The result is withheld", "Inputs ... are withheld"
    return f"{what} {verb} withheld: {SENSITIVE_HINT}."


_ACCESS_ATTR = "_lambda_durable_access"


def registered_access(server: MCPServer) -> dict[str, Access]:
    """The access model of every registered tool, by name (used by tests and the README table)."""
    return getattr(server, _ACCESS_ATTR, {})


def add_tool(
    server: MCPServer,
    settings: Settings,
    fn: Callable[..., Any],
    *,
    access: Access,
    what: str = "changes files or AWS resources",
    name: str | None = None,
    title: str | None = None,
    description: str | None = None,
) -> None:
    """Register ``fn`` as a tool with truthful annotations; write tools are gated here.

    ``what`` completes the refusal sentence ("<tool> <what>, and this server runs read-only").
    """
    tool_name = name or fn.__name__
    if access.writes and access.gate == "refuse" and not settings.allow_write:

        @functools.wraps(fn)
        def refuse(*args: Any, **kwargs: Any) -> Any:
            raise write_refusal(tool_name, what, settings)

        registered: Callable[..., Any] = refuse
    else:
        registered = fn
    server.add_tool(
        registered,
        name=tool_name,
        title=title,
        description=description or (fn.__doc__ or "").strip(),
        annotations=access.annotations(title),
    )
    table = getattr(server, _ACCESS_ATTR, None)
    if table is None:
        table = {}
        setattr(server, _ACCESS_ATTR, table)
    table[tool_name] = access


def _strip_titles(schema: Any) -> Any:
    """Pydantic puts a "title" on every property; agents pay for each one on every turn."""
    if isinstance(schema, dict):
        for key in [k for k, v in schema.items() if k == "title" and isinstance(v, str)]:
            del schema[key]
        for value in schema.values():
            _strip_titles(value)
    elif isinstance(schema, list):
        for item in schema:
            _strip_titles(item)
    return schema


def trim_schemas(server: MCPServer) -> None:
    """Remove redundant titles from every tool's input and output schema, in place."""
    for tool in server._tool_manager.list_tools():
        # Only string-valued "title" keys go: a property named "title" has a schema (dict) as value.
        _strip_titles(tool.parameters)
        if tool.fn_metadata.output_schema:
            _strip_titles(tool.fn_metadata.output_schema)


class Compact(BaseModel):
    """Serialized without null fields (except those in ``_keep``): agents pay for every character."""

    _keep: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _drop_none(self, handler: Any) -> Any:
        data = handler(self)
        if not isinstance(data, dict):
            return data
        fields = type(self).model_fields
        return {
            k: v for k, v in data.items()
            if k in self._keep or (v is not None and not (v == [] and k in fields and not fields[k].is_required()))
        }
