"""What the TypeScript/JavaScript frontend knows about APIs: the durable SDK and the usual suspects.

Names come from the installed @aws/durable-execution-sdk-js 2.4 type declarations
(types/durable-context.d.ts, callback.d.ts, batch.d.ts, wait-condition.d.ts) and the public
Node.js, AWS SDK v3 and common library APIs.
"""

import re

from lambda_durable_mcp.analyzer.writes import condition_guards_a_repeat

SDK_MODULE = "@aws/durable-execution-sdk-js"

# Durable operations on a DurableContext -> the positional arguments after the optional name.
# "fn" = a function run as step-wrapped code, "body" = a function run as child (orchestration) code,
# "branches" = an array of functions / {name, func}, "duration", "config", "items", "input", "func_id",
# "promises".
DURABLE_OPS: dict[str, tuple[str, ...]] = {
    "step": ("fn", "config"),
    "runInChildContext": ("body", "config"),
    "wait": ("duration",),
    "waitForCondition": ("check", "config"),
    "createCallback": ("config",),
    "waitForCallback": ("submitter", "config"),
    "map": ("items", "body", "config"),
    "parallel": ("branches", "config"),
    "invoke": ("func_id", "input", "config"),
}
PROMISE_COMBINATORS = frozenset({"all", "allSettled", "any", "race"})

# Functions in these modules / globals read the clock, draw randomness, read invocation state.
# Keys are (module, dotted name); module "" means a global (not shadowed by a local binding).
CLOCK: dict[tuple[str, str], str] = {
    ("", "Date.now"): "Date.now()",
    ("", "performance.now"): "performance.now()",
    ("perf_hooks", "performance.now"): "performance.now()",
    ("", "process.hrtime"): "process.hrtime()",
    ("", "process.hrtime.bigint"): "process.hrtime.bigint()",
    ("process", "hrtime"): "process.hrtime()",
    ("process", "hrtime.bigint"): "process.hrtime.bigint()",
    ("", "process.uptime"): "process.uptime()",
    ("", "Temporal.Now.instant"): "Temporal.Now.instant()",
    ("", "Temporal.Now.plainDateTimeISO"): "Temporal.Now.plainDateTimeISO()",
    ("", "Temporal.Now.zonedDateTimeISO"): "Temporal.Now.zonedDateTimeISO()",
    ("luxon", "DateTime.now"): "DateTime.now()",
    ("luxon", "DateTime.local"): "DateTime.local()",
    ("luxon", "DateTime.utc"): "DateTime.utc()",
}
# Called with no arguments these return "now".
CLOCK_NOARGS: dict[tuple[str, str], str] = {
    ("", "Date"): "Date()",
    ("dayjs", ""): "dayjs()",
    ("moment", ""): "moment()",
    ("moment", "utc"): "moment.utc()",
}
RANDOM: dict[tuple[str, str], str] = {
    ("", "Math.random"): "Math.random()",
    ("", "crypto.randomUUID"): "crypto.randomUUID()",
    ("", "crypto.getRandomValues"): "crypto.getRandomValues()",
    ("crypto", "randomUUID"): "randomUUID()",
    ("crypto", "randomBytes"): "randomBytes()",
    ("crypto", "randomInt"): "randomInt()",
    ("crypto", "randomFillSync"): "randomFillSync()",
    ("crypto", "randomFill"): "randomFill()",
    ("crypto", "getRandomValues"): "getRandomValues()",
    ("crypto", "webcrypto.getRandomValues"): "webcrypto.getRandomValues()",
    ("crypto", "webcrypto.randomUUID"): "webcrypto.randomUUID()",
    ("uuid", "v1"): "uuid v1()",
    ("uuid", "v4"): "uuid v4()",
    ("uuid", "v6"): "uuid v6()",
    ("uuid", "v7"): "uuid v7()",
    ("nanoid", "nanoid"): "nanoid()",
    ("ulid", "ulid"): "ulid()",
    ("ulidx", "ulid"): "ulid()",
    ("cuid", ""): "cuid()",
    ("@paralleldrive/cuid2", "createId"): "createId()",
    ("short-uuid", "generate"): "short-uuid generate()",
}
# Invocation-specific state (DUR004): always flagged outside steps.
INVOCATION_CALLS: dict[tuple[str, str], str] = {
    ("os", "hostname"): "os.hostname()",
    ("os", "networkInterfaces"): "os.networkInterfaces()",
}
INVOCATION_METHODS = frozenset({"getRemainingTimeInMillis"})

SLEEP_GLOBALS = frozenset({"setTimeout", "setInterval"})
SLEEP_CALLS: dict[tuple[str, str], str] = {
    ("timers", "setTimeout"): "setTimeout()",
    ("timers", "setInterval"): "setInterval()",
    ("delay", ""): "delay()",
    ("sleep-promise", ""): "sleep()",
    ("await-sleep", ""): "sleep()",
}
LOG_METHODS = frozenset({"log", "info", "warn", "error", "debug", "trace", "fatal", "dir", "table", "critical"})
LOGGER_MODULES = frozenset({
    "@aws-lambda-powertools/logger", "pino", "winston", "bunyan", "loglevel", "log4js",
})
METRICS_MODULES = frozenset({"@aws-lambda-powertools/metrics", "aws-embedded-metrics"})
METRICS_METHODS = frozenset({"addMetric", "publishStoredMetrics", "putMetric", "flush", "singleMetric"})

HTTP_WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
HTTP_READ_METHODS = frozenset({"get", "head", "options", "request", "stream", "paginate"})
HTTP_MODULES = frozenset({"axios", "got", "node-fetch", "undici", "ky", "superagent", "needle", "cross-fetch"})
NODE_HTTP = frozenset({"http", "https", "http2"})

FS_MODULES = frozenset({"fs", "fs-extra", "graceful-fs"})
FS_READ = re.compile(
    r"^(readFile|readFileSync|readdir|readdirSync|stat|statSync|lstat|lstatSync|exists|existsSync|access|"
    r"accessSync|createReadStream|open|openSync|read|readSync|readJson|readJsonSync|realpath|realpathSync|"
    r"readlink|readlinkSync|opendir|opendirSync|pathExists|pathExistsSync)$"
)
FS_WRITE = re.compile(
    r"^(writeFile|writeFileSync|appendFile|appendFileSync|mkdir|mkdirSync|rm|rmSync|rmdir|rmdirSync|unlink|"
    r"unlinkSync|rename|renameSync|copyFile|copyFileSync|cp|cpSync|createWriteStream|truncate|truncateSync|"
    r"symlink|symlinkSync|chmod|chmodSync|chown|chownSync|utimes|utimesSync|write|writeSync|writeJson|"
    r"writeJsonSync|outputFile|outputFileSync|outputJson|outputJsonSync|remove|removeSync|emptyDir|"
    r"emptyDirSync|ensureDir|ensureDirSync|ensureFile|ensureFileSync|move|moveSync|copy|copySync|mkdtemp|"
    r"mkdtempSync|link|linkSync)$"
)
DB_MODULES = frozenset({
    "pg", "mysql", "mysql2", "mongodb", "mongoose", "ioredis", "redis", "@prisma/client", "knex",
    "sequelize", "typeorm", "better-sqlite3", "sqlite3", "@planetscale/database", "postgres",
    "@neondatabase/serverless", "@vercel/postgres",
})
DB_WRITE = re.compile(
    r"^(insert|insertOne|insertMany|update|updateOne|updateMany|delete|deleteOne|deleteMany|del|set|setex|"
    r"hset|hdel|lpush|rpush|sadd|srem|zadd|incr|incrby|decr|expire|publish|create|createMany|upsert|save|"
    r"replaceOne|findOneAndUpdate|findOneAndDelete|bulkWrite|exec|execute|run|destroy|remove|truncate)$"
)

# Methods of a database client that take the SQL text first; `unsafe` is postgres.js's raw query
SQL_TEXT_METHODS = frozenset({"query", "unsafe", "raw"})

AWS_READ_PREFIX = re.compile(
    r"^(Get|List|Describe|Query|Scan|BatchGet|TransactGet|Head|Select|Lookup|Search|Check|Test|Validate|"
    r"Estimate|Filter|Receive|Read|Download|Detect|Simulate|Preview|Export|Retrieve|Count)"
)
AWS_WRITE_PREFIX = re.compile(
    r"^(Put|Update|Delete|Send|Publish|Create|Start|Invoke|BatchWrite|TransactWrite|Copy|Upload|Remove|Add|"
    r"Tag|Untag|Stop|Terminate|Modify|Set|Reset|Execute|Change|Attach|Detach|Associate|Disassociate|Enable|"
    r"Disable|Register|Deregister|Import|Restore|Cancel|Complete|Abort|Write|Increment|Append|Run|Reboot|"
    r"Purge|Release|Allocate|Subscribe|Unsubscribe|Confirm|Upsert|Merge|Restart|Resume|Pause|Signal|Notify|"
    r"Apply|Replace|Rotate|Revoke|Grant|Assign|Unassign|Submit|Post)"
)
# AWS calls that are not idempotent on retry unless given an idempotency token (DUR035).
AWS_NON_IDEMPOTENT = re.compile(
    r"^(SendMessage|SendMessageBatch|Publish|PublishBatch|PutEvents|SendEmail|SendRawEmail|"
    r"SendTemplatedEmail|SendBulkEmail|SendBulkTemplatedEmail|Invoke|InvokeAsync|StartExecution|PutRecord|"
    r"PutRecords|SendCommand|StartSyncExecution|PutMetricData|SendSMSMessage|SendMessages)$"
)
# A DynamoDB update that adds to a value (ADD, or SET n = n + :v) applies twice when retried.
_CONDITION = re.compile(rb"ConditionExpression\s*:\s*(?:([`'\"])(.*?)\1)?", re.S)


def guards_a_repeat(body: bytes) -> bool:
    """Whether an update command's object text has a ConditionExpression that makes a second
    application fail (lambda_durable_mcp.analyzer.writes.condition_guards_a_repeat)."""
    m = _CONDITION.search(body)
    if m is None:
        return False
    cond = m.group(2)
    return condition_guards_a_repeat(cond.decode("utf-8", "replace") if cond is not None else None)


COUNTER_UPDATE = re.compile(rb"UpdateExpression\s*:\s*[`'\"][^`'\"]*(?:\bADD\b|[+-]\s*:)", re.IGNORECASE)
IDEMPOTENCY_HINT = re.compile(
    rb"MessageDeduplicationId|ClientToken|IdempotencyToken|[Ii]dempotency[-_]?[Kk]ey|idempotency|"
    rb"ClientRequestToken|DeduplicationId"
)

# Constructors whose instances survive a JSON round trip (or resolve before checkpointing).
JSON_SAFE_CTORS = frozenset({"Array", "Object", "String", "Number", "Boolean", "Promise", "URL", "Error"})
MUTATING_METHODS = frozenset({
    "push", "pop", "shift", "unshift", "splice", "sort", "reverse", "fill", "copyWithin", "set", "delete",
    "add", "clear",
})
MUTABLE_CTORS = frozenset({"Map", "Set", "WeakMap", "WeakSet", "Array", "Object"})

TS_EXTS = (".ts", ".mts", ".cts")
TSX_EXTS = (".tsx",)
JS_EXTS = (".js", ".mjs", ".cjs", ".jsx")
DECL_SUFFIXES = (".d.ts", ".d.mts", ".d.cts")
RESOLVE_EXTS = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
# A ".js" import specifier may name a ".ts" source (TypeScript's node16/nodenext convention).
SPEC_EXT_ALIASES = {
    ".js": (".js", ".ts", ".tsx", ".jsx"),
    ".jsx": (".jsx", ".tsx"),
    ".mjs": (".mjs", ".mts"),
    ".cjs": (".cjs", ".cts"),
    ".ts": (".ts",),
    ".tsx": (".tsx",),
    ".mts": (".mts",),
    ".cts": (".cts",),
}

MAX_WAIT_SECONDS = 31_622_400


def normalize_module(spec: str) -> str:
    """'node:fs/promises' -> 'fs'; 'mysql2/promise' -> 'mysql2'; '@aws-sdk/client-s3' stays."""
    if spec.startswith((".", "/")):
        return spec
    if spec.startswith("node:"):
        spec = spec[5:]
    if spec.startswith("@"):
        parts = spec.split("/")
        return "/".join(parts[:2])
    return spec.split("/", 1)[0]

# the `where` of a call from orchestration code to a function writing module state: DUR013, not DUR012
ORCHESTRATION = "orchestration code"


# Import specifiers that never name the project's own code: node builtins, the AWS SDKs, the durable
# SDK, CDK and type packages (the monorepo resolver is not asked about them).
NOT_PROJECT_SPEC = re.compile(r"^(?:node:|@aws-sdk/|@aws/durable-execution-sdk|@aws-lambda-powertools/|aws-sdk$|"
                              r"aws-cdk-lib|constructs$|@types/)")

# A logger method -> the durable logger's (error, warn, info, debug; its `log` takes a level first)
DURABLE_LOG_METHOD = {"log": "info", "info": "info", "warn": "warn", "warning": "warn", "error": "error",
                      "debug": "debug", "trace": "debug", "verbose": "debug", "silly": "debug", "fatal": "error",
                      "critical": "error", "table": "info", "dir": "info"}

# A durable wait lasts a second at least (DUR031): what a DUR009 fix says about shorter pauses
SHORT_PAUSE = (" (N >= 1: a durable wait lasts a second at least; a shorter pause, such as a rate limit, belongs "
               "in the step with the work it paces)")
