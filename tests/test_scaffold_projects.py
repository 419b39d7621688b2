"""Generated projects, run for real: install, own tests, type-check, lint, synth / template checks.

One test per language x IaC combination (9), with the six patterns spread over them, plus one test
per language that runs the tests of every pattern against one shared install. npm and pip use
their default caches (`make toolchain` fills ~/.npm with the same pinned versions).
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TOOLCHAIN

from lambda_durable_mcp.scaffold import LANGUAGES, PATTERNS, plan, write

pytestmark = pytest.mark.slow

NPM = shutil.which("npm")
BIN = Path(sys.executable).parent
needs_node = pytest.mark.skipif(
    NPM is None or not (TOOLCHAIN / "node_modules").exists(), reason="needs Node.js and `make toolchain`"
)

# language, iac, pattern: every combination once, every pattern at least once.
COMBOS = [
    ("typescript", "cdk", "basic"),
    ("typescript", "sam", "human-approval"),
    ("typescript", "cloudformation", "genai-agent"),
    ("javascript", "cdk", "batch-map"),
    ("javascript", "sam", "saga"),
    ("javascript", "cloudformation", "polling"),
    ("python", "cdk", "saga"),
    ("python", "sam", "basic"),
    ("python", "cloudformation", "human-approval"),
]


def run(cmd: list[str], cwd: Path, timeout: int = 300, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "CI": "true", **(env or {})}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=full_env)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed in {cwd} ({proc.returncode}):\n{output[-6000:]}"
    return output


def generate(root: Path, language: str, iac: str, pattern: str, directory: str | None = None) -> Path:
    name = f"{pattern}-{language[:2]}-{iac[:3]}"
    project = plan(name, language=language, iac=iac, pattern=pattern)
    report = write(root, directory or name, project)
    return report.directory


def npm_install(project: Path) -> None:
    assert NPM is not None
    run([NPM, "install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], project, timeout=600)


def python_venv(project: Path) -> Path:
    run([sys.executable, "-m", "venv", ".venv"], project)
    venv_python = project / ".venv" / "bin" / "python"
    run([str(venv_python), "-m", "pip", "install", "-q", "-r", "requirements-dev.txt"], project, timeout=600)
    return venv_python


def check_analyzer(*projects: Path) -> None:
    """This project's own analyzer finds nothing in the generated handlers and infrastructure."""
    from lambda_durable_mcp.analyzer import analyze_paths

    for project in projects:
        handler = next((project / "src").glob("handler.*"))
        infra = [project / p for p in ("template.yaml", "infra/app.ts", "infra/app.js") if (project / p).exists()]
        result = analyze_paths([handler, *infra], root=project)
        findings = [f"{d.rule} {d.path}:{d.line} {d.message}" for d in result.diagnostics]
        assert not findings, f"{project.name}:\n" + "\n".join(findings)


def check_sam(template: Path) -> dict:
    """Transform with the real SAM translator, then cfn-lint both the SAM and the result."""
    from cfnlint.decode import decode_str
    from samtranslator.translator.transform import transform

    run([str(BIN / "cfn-lint"), str(template)], template.parent)
    parsed, matches = decode_str(template.read_text())
    assert not matches, matches
    parsed = json.loads(json.dumps(parsed))
    for resource in parsed["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = "s3://bucket/code.zip"  # what `sam package` does

    class NoManagedPolicies:
        def load(self) -> dict:
            return {}

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    out = transform(parsed, {}, NoManagedPolicies())
    transformed = template.parent / "transformed.json"
    transformed.write_text(json.dumps(out))
    run([str(BIN / "cfn-lint"), str(transformed)], template.parent)
    return out


def check_cloudformation(template: dict) -> None:
    """DurableConfig, the managed policy, a version, an alias and its ARN as an output."""
    resources = template["Resources"]
    kinds = [r["Type"] for r in resources.values()]
    assert "AWS::Lambda::Version" in kinds and "AWS::Lambda::Alias" in kinds, kinds
    functions = [r for r in resources.values() if r["Type"] == "AWS::Lambda::Function"]
    assert len(functions) == 1
    props = functions[0]["Properties"]
    durable = props["DurableConfig"]
    assert 1 <= durable["ExecutionTimeout"] <= 31_622_400
    assert 1 <= durable["RetentionPeriodInDays"] <= 90
    runtime = props["Runtime"]
    assert runtime in ("nodejs22.x", "nodejs24.x", "python3.13", "python3.14"), runtime
    roles = [r for r in resources.values() if r["Type"] == "AWS::IAM::Role"]
    assert any("AWSLambdaBasicDurableExecutionRolePolicy" in json.dumps(r) for r in roles)
    alias_ids = [k for k, r in resources.items() if r["Type"] == "AWS::Lambda::Alias"]
    outputs = json.dumps(template["Outputs"])
    assert any(f'"Ref": "{a}"' in outputs for a in alias_ids), outputs


def load_yaml_template(path: Path) -> dict:
    from cfnlint.decode import decode_str

    parsed, matches = decode_str(path.read_text())
    assert not matches, matches
    return json.loads(json.dumps(parsed))


def check_iac(project: Path, iac: str, env: dict[str, str] | None = None) -> None:
    if iac == "cdk":
        run(["npx", "cdk", "synth", "--no-notices", "--quiet"], project, timeout=600, env=env)
        out = project / "cdk.out"
        template = json.loads(next(out.glob("*.template.json")).read_text())
        check_cloudformation(template)
    elif iac == "sam":
        check_cloudformation(check_sam(project / "template.yaml"))
    else:
        run([str(BIN / "cfn-lint"), "template.yaml"], project)
        check_cloudformation(load_yaml_template(project / "template.yaml"))


@needs_node
@pytest.mark.parametrize(("language", "iac", "pattern"), COMBOS, ids=["-".join(c) for c in COMBOS])
def test_generated_project_installs_tests_and_deploys_offline(
    tmp_path: Path, language: str, iac: str, pattern: str
) -> None:
    project = generate(tmp_path, language, iac, pattern)
    env: dict[str, str] = {}
    if language == "python":
        venv_python = python_venv(project)
        env["PYTHON"] = str(venv_python)  # the CDK app bundles with it
        output = run([str(venv_python), "-m", "pytest", "-q"], project)
        assert " passed" in output and "failed" not in output, output
        if iac == "cdk":
            npm_install(project)
            run(["npx", "tsc", "--noEmit"], project)
        if iac == "cloudformation":
            run([str(venv_python), "scripts/bundle.py", "build"], project)
            assert (project / "build" / "handler.py").exists()
            assert (project / "build" / "aws_durable_execution_sdk_python").is_dir()
    else:
        npm_install(project)
        run(["npm", "test", "--silent"], project)
        run(["npx", "tsc", "--noEmit"], project)
        run(["npx", "eslint", "."], project)
        if iac == "cloudformation":
            run(["npm", "run", "build", "--silent"], project)
            assert (project / "dist" / "handler.js").exists()
    check_iac(project, iac, env)
    check_analyzer(project)


@needs_node
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_pattern_passes_its_own_tests(tmp_path: Path, language: str) -> None:
    """The patterns the combinations above leave out for this language, on one shared install."""
    covered = {pattern for lang, _, pattern in COMBOS if lang == language}
    rest = [p for p in PATTERNS if p not in covered]
    assert covered | set(rest) == set(PATTERNS)
    projects = [generate(tmp_path, language, "sam", pattern) for pattern in rest]
    if language == "python":
        # This suite's interpreter has the same pinned SDK, testing SDK and pytest; the
        # combinations above install requirements-dev.txt into fresh venvs.
        for project in projects:
            run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], project)
    else:
        npm_install(projects[0])
        for project in projects[1:]:
            (project / "node_modules").symlink_to(projects[0] / "node_modules", target_is_directory=True)
        for project in projects:
            run(["npx", "jest", "--ci"], project)
            run(["npx", "tsc", "--noEmit"], project)
            run(["npx", "eslint", "."], project)
    check_analyzer(*projects)
