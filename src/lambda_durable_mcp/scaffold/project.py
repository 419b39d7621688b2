"""What a generated project contains, for every language x IaC x pattern (pure: no file writes)."""

import json
import re
from dataclasses import dataclass

from lambda_durable_mcp.scaffold import readme, versions
from lambda_durable_mcp.scaffold.render import render

LANGUAGES = ("typescript", "javascript", "python")
IACS = ("cdk", "sam", "cloudformation")
PATTERNS = ("basic", "saga", "human-approval", "batch-map", "polling", "genai-agent")

# Languages people ask for that have no durable SDK offered here, and IaC tools that may not
# know DurableConfig yet: named so the refusal can say so precisely.
_IAC_ALIASES = {"cfn": "cloudformation", "aws-sam": "sam", "aws-cdk": "cdk"}
_LANGUAGE_ALIASES = {"ts": "typescript", "js": "javascript", "node": "javascript", "nodejs": "javascript", "py": "python"}

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,39}\Z")


class ScaffoldError(ValueError):
    """A request the scaffolder cannot fulfil; the message says what to change."""


@dataclass(frozen=True)
class ProjectFile:
    path: str  # relative, forward slashes
    content: str

    @property
    def size(self) -> int:
        return len(self.content.encode("utf-8"))


@dataclass(frozen=True)
class Project:
    name: str
    language: str
    iac: str
    pattern: str
    files: tuple[ProjectFile, ...]
    handler_path: str
    commands: tuple[str, ...]  # the first commands to run in the new folder

    def file(self, path: str) -> ProjectFile:
        return next(f for f in self.files if f.path == path)


def normalize_language(language: str) -> str:
    value = (language or "").strip().lower()
    value = _LANGUAGE_ALIASES.get(value, value)
    if value not in LANGUAGES:
        raise ScaffoldError(
            f"language {language!r} is not supported: the Lambda Durable Execution SDK is not offered "
            f"for it here. Supported languages: {', '.join(LANGUAGES)}."
        )
    return value


def normalize_iac(iac: str) -> str:
    value = (iac or "").strip().lower()
    value = _IAC_ALIASES.get(value, value)
    if value not in IACS:
        raise ScaffoldError(
            f"iac {iac!r} is not supported: it may not support Lambda durable functions (DurableConfig) "
            f"yet. Supported: {', '.join(IACS)}."
        )
    return value


def normalize_pattern(pattern: str) -> str:
    value = (pattern or "").strip().lower().replace("_", "-")
    if value not in PATTERNS:
        raise ScaffoldError(f"pattern {pattern!r} is not known. Patterns: {', '.join(PATTERNS)}.")
    return value


def validate_name(name: str) -> str:
    if name.startswith("-"):
        raise ScaffoldError(f"name {name!r} starts with '-': use a name that starts with a letter")
    if not _NAME.match(name):
        raise ScaffoldError(
            f"name {name!r} is not usable as a project, stack and function name: use 1-40 letters, "
            "digits and hyphens, starting with a letter (e.g. order-workflow)"
        )
    if name.endswith("-") or "--" in name:
        raise ScaffoldError(f"name {name!r}: no trailing or doubled hyphens (e.g. order-workflow)")
    return name


def _pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("-"))


def _json(value: object) -> str:
    return json.dumps(value, indent=2) + "\n"


def _deps(*groups: dict[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for group in groups:
        merged.update(group)
    return dict(sorted(merged.items()))


GITIGNORE = """node_modules/
build/
dist/
cdk.out/
.aws-sam/
packaged.yaml
response.json
.venv/
__pycache__/
.pytest_cache/
"""


def plan(name: str, language: str = "typescript", iac: str = "cdk", pattern: str = "basic") -> Project:
    """The files of a new project; raises ScaffoldError on any unsupported choice."""
    name = validate_name(name)
    language = normalize_language(language)
    iac = normalize_iac(iac)
    pattern = normalize_pattern(pattern)
    if language == "python":
        files = _python_files(name, iac, pattern)
        handler = "src/handler.py"
    else:
        files = _node_files(name, language, iac, pattern)
        handler = f"src/handler.{'ts' if language == 'typescript' else 'js'}"
    files.append(ProjectFile(".gitignore", GITIGNORE))
    # SAM's convention (`sam local invoke -e`); the deploy tool's invoke command sends it too
    files.append(ProjectFile("events/event.json", json.dumps(readme.SAMPLE_EVENTS[pattern], indent=2) + "\n"))
    doc = readme.render(name=name, language=language, iac=iac, pattern=pattern)
    files.append(ProjectFile("README.md", doc.text))
    return Project(
        name=name,
        language=language,
        iac=iac,
        pattern=pattern,
        files=tuple(sorted(files, key=lambda f: f.path)),
        handler_path=handler,
        commands=tuple(doc.first_commands),
    )


def _values(name: str, language: str, iac: str, pattern: str) -> dict[str, str]:
    return {
        "NAME": name,
        "PATTERN": pattern,
        "STACK_NAME": name,
        "STACK_CLASS": _pascal(name) + "Stack",
        "EXT": "js" if language == "javascript" else "ts",
        "RUNTIME": versions.PYTHON_RUNTIME if language == "python" else versions.NODE_RUNTIME,
        "INFRA_OUT": "infra/" if language == "javascript" else "build/infra/ (compiled by tsc)",
        "ROOT_FROM_INFRA": ".." if language == "javascript" else "../..",
        "PY_VERSION": versions.PYTHON_RUNTIME.removeprefix("python"),
    }


def _node_files(name: str, language: str, iac: str, pattern: str) -> list[ProjectFile]:
    ts = language == "typescript"
    ext = "ts" if ts else "js"
    flavor = {"ts" if ts else "js", "node"}
    values = _values(name, language, iac, pattern)
    files = [
        ProjectFile(f"src/handler.{ext}", render(f"node/{pattern}.handler.tmpl", flavor, values)),
        ProjectFile(f"test/handler.test.{ext}", render(f"node/{pattern}.test.tmpl", flavor, values)),
        ProjectFile("eslint.config.mjs", render("node/eslint.config.tmpl", flavor, values)),
    ]

    scripts: dict[str, str] = {}
    deps = dict(versions.NODE_RUNTIME_DEPS)
    dev = _deps(versions.NODE_TEST_DEPS, versions.TS_DEPS, versions.ESLINT_DEPS)
    if ts:
        dev = _deps(dev, versions.TS_TEST_DEPS, versions.TS_ESLINT_DEPS)
    bundle = (
        f"esbuild src/handler.{ext} --bundle --platform=node --target=node22 "
        "--outfile=dist/handler.js --sourcemap"
    )
    if iac == "cdk":
        deps = _deps(deps, versions.CDK_DEPS)
        dev = _deps(dev, versions.CDK_DEV_DEPS, versions.ESBUILD)
        scripts["build"] = "tsc"
        scripts["synth"] = "cdk synth"
        scripts["deploy"] = "cdk deploy"
        files.append(ProjectFile(f"infra/app.{ext}", render("iac/cdk-app.tmpl", flavor, values)))
        cdk_json: dict[str, object] = {"app": "node build/infra/app.js", "build": "npx tsc"} if ts else {
            "app": "node infra/app.js"
        }
        files.append(ProjectFile("cdk.json", _json(cdk_json)))
    elif iac == "sam":
        dev = _deps(dev, versions.ESBUILD)
        scripts["build"] = "tsc" if not ts else "tsc --noEmit"
        # npm puts node_modules/.bin on PATH, where sam build looks for esbuild.
        scripts["sam:build"] = "sam build"
        files.append(ProjectFile("template.yaml", render("iac/sam.yaml.tmpl", flavor, values)))
    else:
        dev = _deps(dev, versions.ESBUILD)
        scripts["build"] = f"{'tsc --noEmit' if ts else 'tsc'} && {bundle}"
        files.append(ProjectFile("template.yaml", render("iac/cfn.yaml.tmpl", flavor, values)))
    scripts["test"] = "jest"
    scripts["lint"] = "eslint ."

    package = {
        "name": name.lower(),
        "version": "0.1.0",
        "private": True,
        "description": f"{name}: an AWS Lambda durable function ({pattern} pattern)",
        "license": "UNLICENSED",
        "engines": {"node": ">=22"},
        "scripts": dict(sorted(scripts.items())),
        "dependencies": deps,
        "devDependencies": dev,
    }
    files.append(ProjectFile("package.json", _json(package)))

    compiler: dict[str, object] = {
        "target": "ES2022",
        "module": "commonjs",
        "lib": ["ES2022"],
        "types": ["node", "jest"],
        "esModuleInterop": True,
        "skipLibCheck": True,
        "forceConsistentCasingInFileNames": True,
    }
    include = ["src", "test"] + (["infra"] if iac == "cdk" else [])
    if ts:
        # isolatedModules: ts-jest transpiles without type-checking (fast tests); `npm run build`
        # type-checks.
        compiler.update(strict=True, noImplicitReturns=True, isolatedModules=True)
        if iac == "cdk":
            compiler.update(outDir="build", rootDir=".")
        else:
            compiler["noEmit"] = True
        files.append(ProjectFile(
            "jest.config.js",
            'module.exports = {\n  preset: "ts-jest",\n  testEnvironment: "node",\n  roots: ["<rootDir>/test"],\n};\n',
        ))
    else:
        # JavaScript: tsc only type-checks (checkJs), nothing is emitted.
        compiler.update(allowJs=True, checkJs=True, noEmit=True, strict=False)
        files.append(ProjectFile(
            "jest.config.js",
            'module.exports = {\n  testEnvironment: "node",\n  roots: ["<rootDir>/test"],\n};\n',
        ))
    files.append(ProjectFile("tsconfig.json", _json({"compilerOptions": compiler, "include": include})))
    return files


def _python_files(name: str, iac: str, pattern: str) -> list[ProjectFile]:
    values = _values(name, "python", iac, pattern)
    flavor = {"python", "ts"}
    files = [
        ProjectFile("src/handler.py", render(f"python/{pattern}.handler.tmpl", flavor, values)),
        ProjectFile("tests/test_handler.py", render(f"python/{pattern}.test.tmpl", flavor, values)),
        ProjectFile(
            "requirements-dev.txt",
            "-r requirements.txt\n" + "\n".join(versions.PYTHON_DEV_REQUIREMENTS) + "\n",
        ),
        ProjectFile(
            "pyproject.toml",
            f'[project]\nname = "{name.lower()}"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n\n'
            '[tool.pytest.ini_options]\npythonpath = ["src"]\ntestpaths = ["tests"]\n',
        ),
    ]
    runtime = "\n".join(versions.PYTHON_RUNTIME_REQUIREMENTS) + "\n"
    if iac == "sam":
        # sam build installs the requirements.txt in CodeUri (src/), also inside a build container
        # that sees only src/: the pins live there and the project's requirements.txt includes them.
        files.append(ProjectFile("src/requirements.txt", runtime))
        files.append(ProjectFile("requirements.txt", "-r src/requirements.txt\n"))
        files.append(ProjectFile("template.yaml", render("iac/sam.yaml.tmpl", flavor, values)))
    else:
        files.append(ProjectFile("requirements.txt", runtime))
        files.append(ProjectFile("scripts/bundle.py", render("python/bundle.py.tmpl", flavor, values)))
    if iac == "cloudformation":
        files.append(ProjectFile("template.yaml", render("iac/cfn.yaml.tmpl", flavor, values)))
    if iac == "cdk":
        # The CDK app is TypeScript (the CDK CLI needs Node.js anyway; the Python CDK wheel is
        # heavy); the function stays Python.
        values = {**values, "INFRA_OUT": "build/infra/ (compiled by tsc)", "ROOT_FROM_INFRA": "../.."}
        files.append(ProjectFile("infra/app.ts", render("iac/cdk-app.tmpl", flavor, values)))
        files.append(ProjectFile("cdk.json", _json({
            "app": "node build/infra/app.js",
            "build": "npx tsc",
        })))
        files.append(ProjectFile("package.json", _json({
            "name": name.lower() + "-infra",
            "version": "0.1.0",
            "private": True,
            "description": f"CDK app that deploys {name} (the function itself is Python)",
            "license": "UNLICENSED",
            "scripts": {"build": "tsc", "deploy": "cdk deploy", "synth": "cdk synth"},
            "dependencies": _deps(versions.CDK_DEPS),
            "devDependencies": _deps(versions.CDK_DEV_DEPS, versions.TS_DEPS),
        })))
        files.append(ProjectFile("tsconfig.json", _json({
            "compilerOptions": {
                "target": "ES2022",
                "module": "commonjs",
                "lib": ["ES2022"],
                "types": ["node"],
                "strict": True,
                "skipLibCheck": True,
                "outDir": "build",
                "rootDir": ".",
            },
            "include": ["infra"],
        })))
    return files
