"""Infrastructure-template frontend of the replay-safety analyzer: DUR050-DUR055.

Reads SAM and CloudFormation templates (YAML with short-form intrinsics, or JSON), CDK apps in
TypeScript or Python, Serverless Framework services (`serverless.yml`) and Terraform modules
(`.tf`), finds the functions with a durable configuration and checks their timeout and retention,
role permissions, published versions, fixed names, runtimes, and code waits that outlast the
execution timeout. ``yaml`` and ``tree_sitter`` are imported only when a file needs them.
"""

from __future__ import annotations

import logging
import os
import re
from collections import OrderedDict
from pathlib import Path
from typing import Any

from lambda_durable_mcp.analyzer.frontend import ModuleSummary, ProjectView
from lambda_durable_mcp.analyzer.model import Diagnostic

__all__ = ["FRONTEND", "TemplateFrontend"]

log = logging.getLogger(__name__)

_TEMPLATE_EXTS = (".yaml", ".yml", ".json", ".template")
_CDK_EXTS = (".ts", ".mts", ".cts", ".js", ".mjs", ".cjs")
_NOT_TEMPLATES = {"package.json", "package-lock.json", "tsconfig.json", "cdk.json", "cdk.context.json",
                  "jsconfig.json", ".eslintrc.json", "samconfig.yaml", "samconfig.yml"}
_YAML_MARK = re.compile(rb"^(AWSTemplateFormatVersion|Transform|Resources)\s*:", re.M)
_YAML_AWS_TYPE = re.compile(rb"^\s+Type\s*:\s*['\"]?AWS::", re.M)
# A schema that merely describes these keys has objects where a template has strings.
_JSON_MARK = re.compile(rb"\"(AWSTemplateFormatVersion\"\s*:\s*\"|Transform\"\s*:\s*[\"\[]|Resources\"\s*:\s*\{)")
_JSON_AWS_TYPE = re.compile(rb"\"Type\"\s*:\s*\"AWS::")
_CDK_IMPORT = re.compile(rb"""(?:from\s+|import\s+|require\(\s*)['"](?:aws-cdk-lib|@aws-cdk/)""")
_CDK_FUNCTION = re.compile(rb"\bnew\s+(?:[\w$]+\.)*(?:Function|NodejsFunction|PythonFunction|CfnFunction)\s*\(")
# A CDK Python app imports aws_cdk at the start of a line (after a UTF-8 BOM on the first); the Python frontend
# reads the same file as code.
_CDK_PY_IMPORT = re.compile(rb"^(?:\xef\xbb\xbf)?[ \t]*(?:from[ \t]+aws_cdk(?:\.\w+)*[ \t]+import|import[ \t]+aws_cdk\b)", re.M)
# Every class read ends in "Function"; an import under another name (``Function as LambdaFunction``) names it too.
_CDK_PY_FUNCTION = re.compile(rb"Function\b")
_MAX_BYTES = 5_000_000
_SERVERLESS_NAMES = ("serverless.yml", "serverless.yaml")  # Serverless Framework services
_SERVERLESS_DURABLE = re.compile(rb"^[ \t]+durableConfig[ \t]*:", re.M)
# A Terraform file is read when it declares a Lambda function (its module's other files are read with it).
_TF_FUNCTION = re.compile(rb'^(?:\xef\xbb\xbf)?[ \t]*resource[ \t]+"?aws_lambda_function"?[ \t]', re.M)


def _decode(source: bytes) -> str:
    return source.decode("utf-8-sig", errors="replace")


class TemplateFrontend:
    name = "template"

    def _kind(self, path: str, source: bytes) -> str | None:
        name = os.path.basename(path).lower()  # Path(path).name and .suffix without pathlib's parsing
        if len(source) > _MAX_BYTES or name in _NOT_TEMPLATES:
            return None
        if name in _SERVERLESS_NAMES:
            return "serverless" if b"durableConfig" in source and _SERVERLESS_DURABLE.search(source) else None
        dot = name.rfind(".")
        suffix = name[dot:] if 0 < dot < len(name) - 1 else ""
        if suffix == ".tf":
            return "terraform" if b"aws_lambda_function" in source and _TF_FUNCTION.search(source) else None
        if suffix in _TEMPLATE_EXTS:
            head = source.lstrip()[:1]
            if head in (b"{", b"[") or suffix == ".json":
                if _JSON_MARK.search(source) and _JSON_AWS_TYPE.search(source):
                    return "json"
                return None
            if _YAML_MARK.search(source) and (_YAML_AWS_TYPE.search(source) or b"AWSTemplateFormatVersion" in source
                                              or b"AWS::Serverless" in source):
                return "yaml"
            return None
        if suffix in _CDK_EXTS and not name.endswith(".d.ts"):
            # the substring test first: most code files never mention the CDK
            if b"aws-cdk" in source and _CDK_IMPORT.search(source) and _CDK_FUNCTION.search(source):
                return "cdk"
        elif suffix == ".py" and b"aws_cdk" in source:  # ordinary Python pays for the substring test only
            if _CDK_PY_IMPORT.search(source) and _CDK_PY_FUNCTION.search(source):
                return "cdk-python"
        return None

    def accepts(self, path: str, source: bytes) -> bool:
        return self._kind(path, source) is not None

    def __init__(self) -> None:
        # summarize() then check() parse the same bytes: keep the last result.
        self._last: tuple[bytes, object, Exception | None] | None = None
        self._fns: OrderedDict[str, tuple[bytes, str, list[Any]]] = OrderedDict()

    def _load(self, kind: str, source: bytes) -> object:
        from lambda_durable_mcp.analyzer.templates.loader import load_json, load_yaml

        if self._last is not None and self._last[0] is source:
            if self._last[2] is not None:
                raise self._last[2]
            return self._last[1]
        try:
            if kind == "terraform":
                from lambda_durable_mcp.analyzer.templates.terraform import parse

                doc: object = parse(source, "")
            else:
                text = _decode(source)
                doc = load_json(text) if kind == "json" else load_yaml(text)
        except Exception as e:
            self._last = (source, None, e)
            raise
        self._last = (source, doc, None)
        return doc

    def summarize(self, path: str, source: bytes) -> ModuleSummary:
        from lambda_durable_mcp.analyzer.templates.loader import TemplateParseError

        summary = ModuleSummary(path=path)
        kind = self._kind(path, source)
        if kind in ("yaml", "json", "serverless", "terraform"):
            try:
                self._load(kind, source)
            except TemplateParseError as e:
                summary.parse_error = f"{e.line}: {e.message}"
            except Exception as e:  # noqa: BLE001 - never a traceback for a broken file
                summary.parse_error = f"1: cannot read template: {type(e).__name__}"
        if kind is not None and summary.parse_error is None:
            try:
                fns = self._functions(kind, path, source)
                summary.env_targets = [t for fn in fns for t in fn.env_targets]
                # the functions' handler files: linting the template alone still sees their waits (DUR055)
                # normalized: a followed file is shown by this path (lambda/app.py, not lib/../lambda/app.py)
                summary.imports = [os.path.normpath(f.absolute()) for fn in fns for f in fn.code_files]
            except Exception:  # noqa: BLE001 - DUR032's code side then just sees no binding
                log.debug("functions of %s not read", path, exc_info=True)
        return summary

    def _functions(self, kind: str, path: str, source: bytes, root: str = "") -> list[Any]:
        """The durable functions a template or CDK file defines. summarize() (for the environment
        DUR032 reads) and check() of one run ask with the very same bytes object, so an answer is
        kept for that object only: another run re-reads the folders the answer depends on."""
        where = "" if os.path.isabs(path) else root  # the folder a relative path is read from
        entry = self._fns.get(path)
        if entry is not None and entry[0] is source and entry[1] == where:
            return entry[2]
        fns = self._functions_uncached(kind, path, source, root)
        self._fns[path] = (source, where, fns)
        while len(self._fns) > 32:
            self._fns.popitem(last=False)
        return fns

    def _functions_uncached(self, kind: str, path: str, source: bytes, root: str) -> list[Any]:
        from lambda_durable_mcp.analyzer.templates.loader import LDict

        full = Path(path)
        if not full.is_absolute():
            full = Path(root or ".") / full
        if kind == "cdk":
            from lambda_durable_mcp.analyzer.templates.cdk import functions as cdk_functions

            return cdk_functions(_decode(source), full)
        if kind == "cdk-python":
            from lambda_durable_mcp.analyzer.templates.cdk_python import functions as cdk_python_functions

            return cdk_python_functions(_decode(source), full)
        doc = self._load(kind, source)
        if kind == "terraform":
            from lambda_durable_mcp.analyzer.templates.terraform import functions as module_functions

            return module_functions(doc, full) if isinstance(doc, list) else []
        if kind == "serverless":
            from lambda_durable_mcp.analyzer.templates.serverless import functions as service_functions
            from lambda_durable_mcp.analyzer.templates.serverless import is_service

            return service_functions(doc, full.parent) if isinstance(doc, LDict) and is_service(doc) else []
        from lambda_durable_mcp.analyzer.templates.cfn import functions, is_template

        if not isinstance(doc, LDict) or not is_template(doc):
            return []
        return functions(doc, full.parent, kind)

    def check(self, path: str, source: bytes, project: ProjectView) -> list[Diagnostic]:
        try:
            return self._check(path, source, project)
        except Exception:  # noqa: BLE001 - a frontend bug must not stop the other files
            log.warning("template analysis of %s stopped: internal error (details at debug level)", path)
            log.debug("template analysis of %s failed", path, exc_info=True)
            return []

    def _check(self, path: str, source: bytes, project: ProjectView) -> list[Diagnostic]:
        from lambda_durable_mcp.analyzer.templates.loader import TemplateParseError
        from lambda_durable_mcp.analyzer.templates.rules import check_functions

        kind = self._kind(path, source)
        if kind is None:
            return []
        try:
            fns = self._functions(kind, path, source, project.root)
        except TemplateParseError:
            return []  # summarize() reported it
        return check_functions(path, fns, project)


FRONTEND = TemplateFrontend()
