"""Serverless Framework services (`serverless.yml`): the functions with `durableConfig`.

The framework (v4, and the oss-serverless fork) reads `functions.<name>.durableConfig` with
`executionTimeout` and `retentionPeriodInDays` and writes them to the function's CloudFormation
`DurableConfig`. Judged here: the ranges (DUR050), the runtime (DUR054: the function's `runtime`,
else `provider.runtime`), code waits longer than the timeout (DUR055), and a function without
`durableConfig` whose handler is a durable one (DUR050). Not judged, because the
framework decides them: the role (generated from `provider.iam`, DUR051), versions (published on
every deploy by default, DUR052) and the function name (always set by the framework, DUR053).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.templates.cfn import _pos
from lambda_durable_mcp.analyzer.templates.loader import LDict
from lambda_durable_mcp.analyzer.templates.rules import UNKNOWN, DurableFn, handler_files, in_runtime_language


def is_service(doc: Any) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("functions"), dict) and "provider" in doc


def _value(v: Any) -> Any:
    """A literal, or UNKNOWN for a `${...}` variable or an intrinsic the file cannot settle."""
    if isinstance(v, str) and "${" in v:
        return UNKNOWN
    if isinstance(v, dict | list):
        return UNKNOWN
    return v


def functions(doc: LDict, base_dir: Path) -> list[DurableFn]:
    provider = doc.get("provider")
    provider = provider if isinstance(provider, LDict) else LDict()
    out: list[DurableFn] = []
    fns = doc["functions"]
    for name, spec in fns.items():
        if not isinstance(spec, LDict):
            continue
        if "durableConfig" not in spec:
            plain = _without_config(str(name), spec, fns, provider, base_dir)
            if plain is not None:
                out.append(plain)
            continue
        durable = spec["durableConfig"]
        fn = DurableFn(name=str(name), pos=_pos(fns, name), durable_pos=_pos(spec, "durableConfig"),
                       timeout_text="executionTimeout", retention_text="retentionPeriodInDays",
                       function_name_text="name", has_version=True, syntax="serverless",
                       durable_text="durableConfig")
        if isinstance(durable, LDict):
            if "executionTimeout" in durable:
                fn.timeout = _value(durable["executionTimeout"])
                fn.timeout_pos = _pos(durable, "executionTimeout")
            else:  # ExecutionTimeout, as CloudFormation spells it, is not read here
                fn.timeout_case = next((k for k in durable if isinstance(k, str)
                                        and k.lower() == "executiontimeout"), "")
            if "retentionPeriodInDays" in durable:
                fn.retention = _value(durable["retentionPeriodInDays"])
                fn.retention_pos = _pos(durable, "retentionPeriodInDays")
        else:
            fn.timeout = UNKNOWN  # a variable (`${file(...)}`) or something else the file cannot settle
        owner = spec if "runtime" in spec else provider if "runtime" in provider else None
        if owner is not None:
            fn.runtime = _value(owner["runtime"])
            fn.runtime_pos = _pos(owner, "runtime")
        handler = spec.get("handler")
        if isinstance(handler, str) and "${" not in handler and "image" not in spec:
            # paths are relative to the service folder; Python dependencies sit beside serverless.yml
            fn.code_dir = base_dir
            fn.code_files = handler_files(base_dir, handler)
        out.append(fn)
    return out


def _without_config(name: str, spec: LDict, fns: LDict, provider: LDict, base_dir: Path) -> DurableFn | None:
    """A function with no durableConfig, kept to check that its handler is no durable one (DUR050)."""
    handler = spec.get("handler")
    if not isinstance(handler, str) or "${" in handler or "image" in spec:
        return None
    fn = DurableFn(name=name, pos=_pos(fns, name), durable_pos=_pos(fns, name), syntax="serverless",
                   durable_text="durableConfig", durable=False, handler=handler)
    files = handler_files(base_dir, handler)
    runtime = _value(spec.get("runtime", provider.get("runtime")))
    fn.code_files = [f for f in in_runtime_language(files, runtime) if f.is_file()]
    return fn if fn.code_files else None
