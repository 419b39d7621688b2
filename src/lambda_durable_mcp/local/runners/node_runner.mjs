// Runs one Lambda invocation of a Node.js handler, like the Lambda runtime would.
// Usage: node node_runner.mjs RESPONSE_PATH < request.json
// The request names the module file (a .js/.mjs file, or the .cjs bundle of a TypeScript
// handler) and its exported function, the event and the context values. The response file gets
// {"ok": true, "result": ...} or {"ok": false, "errorType", "errorMessage", "stackTrace"}.
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const responsePath = process.argv[2];
const request = JSON.parse(readFileSync(0, "utf8"));
setTimeout(() => process.exit(124), ((request.timeout_s ?? 900) + 30) * 1000).unref();

function makeContext(values) {
  const deadline = values.deadline_ms ?? Date.now() + 900000;
  return {
    functionName: values.function_name ?? "local-function",
    functionVersion: values.function_version ?? "$LATEST",
    invokedFunctionArn: values.invoked_function_arn ?? "",
    memoryLimitInMB: String(values.memory_limit_in_mb ?? 512),
    awsRequestId: values.aws_request_id ?? "local",
    logGroupName: values.log_group_name ?? "/aws/lambda/local",
    logStreamName: values.log_stream_name ?? "local",
    tenantId: values.tenant_id,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    succeed() {},
    fail() {},
  };
}

function errorResponse(err) {
  const error = err instanceof Error ? err : new Error(String(err));
  return {
    ok: false,
    errorType: error.name || "Error",
    errorMessage: error.message,
    stackTrace: String(error.stack || "").split("\n").slice(0, 20),
  };
}

let response;
try {
  const ns = await import(pathToFileURL(request.file).href);
  let fn = ns[request.handler];
  if (typeof fn !== "function" && ns.default) fn = ns.default[request.handler];
  if (typeof fn !== "function") {
    const exported = Object.keys(ns).filter((k) => typeof ns[k] === "function" && k !== "default");
    throw new Error(`handler '${request.handler}' is not exported by ${request.source ?? request.file}` +
      ` (its exported functions: ${exported.join(", ") || "none"})`);
  }
  const result = await fn(request.event, makeContext(request.context ?? {}));
  response = { ok: true, result: result === undefined ? null : result };
} catch (err) {
  response = errorResponse(err);
}
writeFileSync(responsePath, JSON.stringify(response));
// Lambda freezes the sandbox after the response; here the process ends once it is written.
// Flush piped output first: writes to a pipe are asynchronous in Node.js.
process.stdout.write("", () => process.stderr.write("", () => process.exit(0)));
