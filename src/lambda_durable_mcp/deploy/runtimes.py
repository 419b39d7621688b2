"""Which Lambda runtimes the durable SDKs support, checked against botocore's Runtime enum."""

import json
import re
from functools import lru_cache
from pathlib import Path

from lambda_durable_mcp.deploy.project import Handler

DEFAULT_RUNTIME = {"python": "python3.13", "node": "nodejs22.x"}
MIN_NODE = 22
MIN_PYTHON = 13  # python3.13+ ships the durable SDK; 3.11/3.12 work only with the SDK bundled


@lru_cache(maxsize=1)
def known_runtimes() -> frozenset[str]:
    """The Runtime enum of the installed botocore Lambda model."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    return frozenset(model.shape_for("Runtime").enum)


def support(runtime: str | None) -> tuple[bool, str]:
    """(supported, what to do if not) for a Lambda Runtime value."""
    if not runtime:
        return False, "container image or unknown runtime: use a nodejs22.x+ or python3.13+ zip runtime"
    node = re.fullmatch(r"nodejs(\d+)\.x", runtime)
    if node:
        if int(node.group(1)) >= MIN_NODE:
            return True, ""
        return False, f"{runtime} is too old for the durable SDK: use nodejs{MIN_NODE}.x or later"
    python = re.fullmatch(r"python3\.(\d+)", runtime)
    if python:
        minor = int(python.group(1))
        if minor >= MIN_PYTHON:
            return True, ""
        if minor >= 11:
            return False, (f"{runtime} has no durable SDK built in: use python3.{MIN_PYTHON}+ or bundle "
                           "aws-durable-execution-sdk-python in the package")
        return False, f"{runtime} is too old for the durable SDK: use python3.{MIN_PYTHON} or later"
    return False, f"{runtime} has no durable execution SDK: use nodejs{MIN_NODE}.x+ or python3.{MIN_PYTHON}+"


def choose_runtime(handler: Handler, project: Path) -> str:
    """The project's declared version when it is supported and botocore knows it, else the default."""
    wanted = None
    if handler.language == "python":
        version_file = project / ".python-version"
        if version_file.is_file():
            match = re.match(r"\s*3\.(\d+)", version_file.read_text())
            wanted = f"python3.{match.group(1)}" if match else None
    else:
        try:
            engines = json.loads((project / "package.json").read_text()).get("engines", {})
            match = re.search(r"(\d+)", str(engines.get("node", "")))
            wanted = f"nodejs{match.group(1)}.x" if match else None
        except (OSError, ValueError, AttributeError):
            wanted = None
    if wanted and support(wanted)[0] and wanted in known_runtimes():
        return wanted
    return DEFAULT_RUNTIME[handler.language]
