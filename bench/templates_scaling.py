"""Template checks on one CDK stack with many functions: the time should grow about linearly (each
function's role check reads an index of the file's calls; walking the whole file per function made
800 CDK Python functions take 20 s, 200 CDK TypeScript ones 2.5 s).

Not a timed test. Run: .venv/bin/python bench/templates_scaling.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from lambda_durable_mcp.analyzer import analyze_paths

HEAD = """from aws_cdk import Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_


class Big(Stack):
    def __init__(self, scope, construct_id):
        super().__init__(scope, construct_id)
        fn0 = None
"""


def stack(n: int) -> str:
    return HEAD + "".join(
        f"        role{i} = iam.Role(self, 'R{i}', assumed_by=iam.ServicePrincipal('lambda.amazonaws.com'))\n"
        f"        fn{i} = lambda_.Function(self, 'F{i}', runtime=lambda_.Runtime.PYTHON_3_13, handler='a.h',\n"
        f"            code=lambda_.Code.from_inline('x'), role=role{i}, environment={{'X': fn{i - 1}.function_arn}},\n"
        f"            durable_config=lambda_.DurableConfig(execution_timeout=Duration.minutes(30)))\n"
        f"        fn{i}.add_alias('live')\n" for i in range(1, n + 1))


TS_HEAD = """import { Duration, Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";

export class Big extends Stack {
  constructor(scope: any, id: string) {
    super(scope, id);
"""


def ts_stack(n: int) -> str:
    return TS_HEAD + "".join(
        f"    const role{i} = new iam.Role(this, 'R{i}', {{ assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }});\n"
        f"    const fn{i} = new lambda.Function(this, 'F{i}', {{ runtime: lambda.Runtime.NODEJS_22_X, handler: 'a.h', "
        f"code: lambda.Code.fromInline('x'), role: role{i}, "
        f"durableConfig: {{ executionTimeout: Duration.minutes(30) }} }});\n"
        f"    fn{i}.addAlias('live');\n" for i in range(1, n + 1)) + "  }\n}\n"


def main() -> None:
    cases = (("CDK Python", "py", stack, (100, 200, 400, 800), "in one method"),
             ("CDK TypeScript", "ts", ts_stack, (50, 100, 200), "in one constructor"))
    with tempfile.TemporaryDirectory() as d:
        root = Path(d)
        for label, suffix, make, sizes, where in cases:
            for n in sizes:
                path = root / f"s{n}.{suffix}"
                path.write_text(make(n))
                start = time.process_time()
                found = analyze_paths([path], root=root)
                took = time.process_time() - start
                roles = sum(1 for x in found.diagnostics if x.rule == "DUR051")
                print(f"{label}, {n:4d} functions {where}: {took * 1000:7.0f} ms ({roles} DUR051)")


if __name__ == "__main__":
    main()
