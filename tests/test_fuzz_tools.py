"""Bad input never breaks the server: random JSON at every tool's arguments gives a tool result.

AWS calls go to a local endpoint that refuses everything at once (AWS_ENDPOINT_URL), so that the
fuzzing exercises our argument handling, not network time-outs.
"""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import pytest
from conftest import connect, make_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=40) | st.sampled_from(["", "-rf", "../..", "/etc/passwd", "x:handler", "a" * 300]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


class Refuse(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = json.dumps({"__type": "ValidationException", "message": "fuzz endpoint"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("X-Amzn-ErrorType", "ValidationException")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def refusing_endpoint() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def arguments_for(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    props = schema.get("properties", {})
    keys = st.sampled_from(sorted(props)) if props else st.nothing()
    shaped = st.dictionaries(keys, JSON, max_size=len(props)) if props else st.just({})
    return shaped | st.dictionaries(st.text(max_size=8), JSON, max_size=3)


async def call_everything(workspace: Path, flags: dict[str, bool], data: st.DataObject) -> None:
    async with connect(make_settings(workspace, **flags)) as client:
        tools = (await client.list_tools()).tools
        for tool in tools:
            args = data.draw(arguments_for(tool.input_schema), label=tool.name)
            with anyio.fail_after(60):
                result = await client.call_tool(tool.name, args)
            assert isinstance(result.is_error, bool)
            if result.is_error:
                text = " ".join(getattr(b, "text", "") for b in result.content)
                assert "Traceback" not in text, text
        assert len((await client.list_tools()).tools) == len(tools), "the server still answers"


@pytest.mark.parametrize("flags", [{}, {"allow_write": True, "allow_sensitive_data_access": True}])
def test_random_arguments_always_get_a_tool_result(
    flags: dict[str, bool], refusing_endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", refusing_endpoint)
    workspace = tmp_path / "ws"
    workspace.mkdir()

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        anyio.run(call_everything, workspace, flags, data)

    run()
