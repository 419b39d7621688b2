"""Versions pinned in generated projects: seen installing and passing their tests together.

The Node.js pins equal toolchain/package.json, so the npm cache that `make toolchain` fills serves
generated projects without the network (ESLint is the exception: it is not in the toolchain).
"""

NODE_RUNTIME_DEPS = {
    "@aws/durable-execution-sdk-js": "2.4.0",
}
NODE_TEST_DEPS = {
    "@aws/durable-execution-sdk-js-testing": "1.1.4",
    "jest": "30.5.2",
    "@types/jest": "30.0.0",
}
TS_DEPS = {
    "typescript": "5.9.3",
    "@types/node": "22.19.1",
}
TS_TEST_DEPS = {
    "ts-jest": "29.4.15",
}
CDK_DEPS = {
    "aws-cdk-lib": "2.276.0",
    "constructs": "10.8.1",
}
CDK_DEV_DEPS = {
    "aws-cdk": "2.1148.1",
}
ESBUILD = {"esbuild": "0.28.2"}
ESLINT_DEPS = {
    "eslint": "10.15.0",
    "@eslint/js": "10.0.1",
}
TS_ESLINT_DEPS = {
    "typescript-eslint": "8.74.0",
}

PYTHON_RUNTIME_REQUIREMENTS = ["aws-durable-execution-sdk-python==3.0.0"]
PYTHON_DEV_REQUIREMENTS = [
    "aws-durable-execution-sdk-python-testing==1.4.0",
    "pytest==9.2.0",
]

NODE_RUNTIME = "nodejs22.x"
PYTHON_RUNTIME = "python3.13"
