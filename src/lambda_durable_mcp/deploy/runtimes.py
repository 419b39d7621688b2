"""Which Lambda runtimes the durable SDKs support, checked against botocore's Runtime enum."""

import json
import re
from functools import lru_cache
from pathlib import Path

from lambda_durable_mcp.deploy.project import Handler

DEFAULT_RUNTIME = {"python": "python3.13", "node": "nodejs22.x"}


@lru_cache(maxsize=1)
def known_runtimes() -> frozenset[str]:
    """The Runtime enum of the installed botocore Lambda model."""
    from lambda_durable_mcp.aws.session import profile_free_botocore

    model = profile_free_botocore().get_service_model("lambda")
    return frozenset(model.shape_for("Runtime").enum)


_KNOWN_FAMILY = re.compile(r"(nodejs|python|java|dotnet)\d")


def support(runtime: str | None, package_type: str | None = None) -> tuple[bool | None, str]:
    """(supported, what to know) for a Lambda Runtime value: True, False (with the fix), or None when it
    cannot be told from the configuration (container image, custom or unknown runtime, Python 3.11/3.12
    whose package may bundle the SDK). The same judgement as the analyzer's DUR054
    (``analyzer.templates.rules.runtime_problem``)."""
    from lambda_durable_mcp.analyzer.templates.rules import runtime_problem

    if package_type == "Image":
        return None, "a container image: whether it bundles a durable SDK cannot be read from its configuration"
    if not runtime:
        return None, "no runtime in the configuration: whether the package has a durable SDK cannot be told"
    problem = runtime_problem(runtime, None)
    if problem is not None:
        severity, what, fix = problem
        text = f"{what}: {fix[:1].lower()}{fix[1:].rstrip('.')}"
        return (False, text) if severity == "error" else (None, text + " (the package was not inspected)")
    if _KNOWN_FAMILY.match(runtime):
        return True, ""
    return None, (f"{runtime} is a custom or unknown runtime: it runs durable executions only when its package "
                  "bundles a durable SDK (not inspected)")


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
