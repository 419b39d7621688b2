"""Runs one Lambda invocation of a Python handler, like the Lambda runtime would.

Standalone on purpose: it runs under the user's project interpreter, which does not have
lambda-durable-mcp installed. Usage: python py_runner.py RESPONSE_PATH < request.json

The request names the handler file and function, the event and the context values. The
response file receives {"ok": true, "result": ...} or {"ok": false, "errorType", "errorMessage",
"stackTrace"}. Whatever the handler prints goes to this process's stdout/stderr, which the server
captures; it never mixes with the response.
"""

import importlib
import importlib.util
import json
import os
import signal
import sys
import time
import traceback


class LambdaContext:
    def __init__(self, values):
        self.function_name = values.get("function_name", "local-function")
        self.function_version = values.get("function_version", "$LATEST")
        self.invoked_function_arn = values.get("invoked_function_arn", "")
        self.memory_limit_in_mb = int(values.get("memory_limit_in_mb", 512))
        self.aws_request_id = values.get("aws_request_id", "local")
        self.log_group_name = values.get("log_group_name", "/aws/lambda/" + self.function_name)
        self.log_stream_name = values.get("log_stream_name", "local")
        self.identity = None
        self.client_context = None
        self.tenant_id = values.get("tenant_id")
        self._deadline_ms = int(values.get("deadline_ms", (time.time() + 900) * 1000))

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def _module_name(path):
    """Import a file inside a package as that package's module, so relative imports work."""
    directory, filename = os.path.split(path)
    parts = [os.path.splitext(filename)[0]]
    while os.path.isfile(os.path.join(directory, "__init__.py")):
        directory, package = os.path.split(directory)
        parts.insert(0, package)
    return directory, ".".join(parts)


def _load(path, extra_paths):
    root, name = _module_name(path)
    for entry in [root, *extra_paths]:
        if entry and entry not in sys.path:
            sys.path.insert(0, entry)
    return importlib.import_module(name)


def _error(exc):
    return {
        "ok": False,
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc)[-20:],
    }


def main():
    response_path = sys.argv[1]
    request = json.load(sys.stdin)
    if hasattr(signal, "alarm"):
        # Outlive the server's own timeout a little, never forever (an orphan must not hang).
        signal.alarm(int(request.get("timeout_s", 900)) + 30)
    try:
        module = _load(request["file"], request.get("sys_path", []))
        handler = getattr(module, request["handler"], None)
        if not callable(handler):
            raise AttributeError(f"handler {request['handler']!r} not found in {request['file']}")
        result = handler(request["event"], LambdaContext(request.get("context", {})))
        response = {"ok": True, "result": result}
        text = json.dumps(response)
    except BaseException as exc:  # the handler's failure is the invocation's result
        if isinstance(exc, KeyboardInterrupt):
            raise
        text = json.dumps(_error(exc), default=str)
    with open(response_path, "w", encoding="utf-8") as out:
        out.write(text)
    sys.stdout.flush()
    sys.stderr.flush()


if __name__ == "__main__":
    main()
