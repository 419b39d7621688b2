"""What the Python frontend recognises: qualified names (resolved through imports) and object kinds."""

SDK = "aws_durable_execution_sdk_python"
SDK_PREFIX = SDK + "."

# DurableContext methods that create a durable operation, with the positional index of the
# function argument(s), the name and the config.
#            method:                  (func index, name index, config index)
OPERATIONS: dict[str, tuple[int | None, int, int]] = {
    "step": (0, 1, 2),
    "wait": (None, 1, 99),
    "wait_for_callback": (0, 1, 2),
    "create_callback": (None, 0, 1),
    "wait_for_condition": (0, 2, 1),
    "invoke": (None, 2, 3),
    "map": (1, 2, 3),
    "parallel": (0, 1, 2),
    "run_in_child_context": (0, 1, 2),
}
FUNC_KEYWORD = {"step": "func", "wait_for_callback": "submitter", "wait_for_condition": "check",
                "map": "func", "parallel": "functions", "run_in_child_context": "func"}
# The role a function argument of each operation gets.
ARG_ROLE = {"step": "step", "wait_for_callback": "submitter", "wait_for_condition": "check",
            "map": "child", "parallel": "child", "run_in_child_context": "child"}
# Which SDK decorator makes ``op(fn(x))`` correct.
BINDING_DECORATOR = {"step": "durable_step", "wait_for_callback": "durable_wait_for_callback",
                     "run_in_child_context": "durable_with_child_context",
                     "parallel": "durable_parallel_branch"}

DECORATOR_ROLES = {
    "durable_execution": "orch",
    "durable_handler": "orch",  # the decorator's name in early SDK releases
    "durable_with_child_context": "child",
    "durable_parallel_branch": "child",
    "durable_step": "step",
    "durable_wait_for_callback": "submitter",
}

CLOCK = {
    "datetime.datetime.now", "datetime.datetime.utcnow", "datetime.datetime.today", "datetime.date.today",
    "time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns", "time.perf_counter",
    "time.perf_counter_ns", "time.process_time", "time.process_time_ns", "time.thread_time",
    "arrow.now", "arrow.utcnow", "pendulum.now", "pendulum.today", "pendulum.yesterday", "pendulum.tomorrow",
}
# Clocks that count from a per-process origin: a reading is only comparable within one process.
PROCESS_CLOCKS = {"time.monotonic", "time.monotonic_ns", "time.perf_counter", "time.perf_counter_ns",
                  "time.process_time", "time.process_time_ns", "time.thread_time", "time.thread_time_ns"}
CLOCK_NOARG = {"time.localtime", "time.gmtime", "time.ctime", "time.asctime", "time.strftime"}
RANDOM_PREFIXES = ("random.", "secrets.", "numpy.random.", "ulid.", "nanoid.", "shortuuid.", "ksuid.",
                   "cuid.", "uuid6.", "faker.")
RANDOM_EXACT = {"uuid.uuid1", "uuid.uuid4", "uuid.uuid6", "uuid.uuid7", "uuid.uuid8", "os.urandom",
                "os.getrandom", "random", "secrets"}
RANDOM_DETERMINISTIC = {"secrets.compare_digest", "random.getstate", "random.setstate"}
RANDOM_SEEDED = {"random.Random", "random.seed", "numpy.random.default_rng", "numpy.random.seed",
                 "numpy.random.RandomState"}
HTTP_MODULES = ("requests", "httpx", "urllib3", "aiohttp")
HTTP_READ = {"get", "head", "options"}
HTTP_WRITE = {"post", "put", "patch", "delete"}
READ_CALLS = {
    "urllib.request.urlopen", "socket.create_connection", "socket.getaddrinfo", "os.listdir", "os.scandir",
    "os.walk", "os.stat", "os.path.exists", "os.path.isfile", "os.path.isdir", "os.path.getsize",
    "os.path.getmtime", "glob.glob", "glob.iglob", "io.open", "shelve.open", "dbm.open",
}
WRITE_CALLS = {
    "os.remove", "os.unlink", "os.rename", "os.replace", "os.makedirs", "os.mkdir", "os.rmdir",
    "shutil.copy", "shutil.copyfile", "shutil.copy2", "shutil.copytree", "shutil.move", "shutil.rmtree",
    "smtplib.SMTP.sendmail", "subprocess.run", "subprocess.call", "subprocess.check_call",
    "subprocess.check_output", "subprocess.Popen", "os.system",
}
INVOCATION_CALLS = {"os.getpid", "os.getppid", "socket.gethostname", "platform.node", "os.uname",
                    "threading.get_ident", "threading.get_native_id"}
ENV_CALLS = {"os.getenv", "os.environ.get", "os.getenvb", "os.environ.setdefault"}
SLEEP_CALLS = {"time.sleep", "asyncio.sleep", "trio.sleep", "anyio.sleep", "gevent.sleep"}
PRINT_CALLS = {"print", "pprint.pprint", "pprint.pp", "sys.stdout.write", "sys.stderr.write",
               "builtins.print"}
LOGGING_FUNCS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"}
THREADING_CALLS = {
    "threading.Thread", "threading.Timer", "concurrent.futures.ThreadPoolExecutor",
    "concurrent.futures.ProcessPoolExecutor", "multiprocessing.Process", "multiprocessing.Pool",
    "asyncio.gather", "asyncio.wait", "asyncio.create_task", "asyncio.as_completed", "asyncio.to_thread",
    "asyncio.run", "asyncio.ensure_future", "asyncio.wait_for", "_thread.start_new_thread",
}
EXECUTOR_METHODS = {"submit", "map", "apply_async", "starmap", "imap", "run_in_executor", "create_task",
                    "start_soon"}

# Constructors whose result is an object we track, by qualified name -> kind.
CONSTRUCTORS = {
    "boto3.client": "aws", "boto3.resource": "aws", "boto3.session.Session": "aws-session",
    "boto3.Session": "aws-session", "aioboto3.Session": "aws-session",
    "requests.Session": "http", "requests.session": "http", "httpx.Client": "http",
    "httpx.AsyncClient": "http", "aiohttp.ClientSession": "http", "urllib3.PoolManager": "http",
    "psycopg2.connect": "db", "psycopg.connect": "db", "pymysql.connect": "db", "sqlite3.connect": "db",
    "mysql.connector.connect": "db", "pg8000.connect": "db", "pymongo.MongoClient": "db",
    "redis.Redis": "db", "redis.StrictRedis": "db", "redis.from_url": "db", "sqlalchemy.create_engine": "db",
    "logging.getLogger": "logger", "structlog.get_logger": "logger", "structlog.getLogger": "logger",
    "aws_lambda_powertools.Logger": "logger", "aws_lambda_powertools.logging.Logger": "logger",
    "aws_lambda_powertools.Metrics": "metrics", "aws_lambda_powertools.metrics.Metrics": "metrics",
    "pathlib.Path": "path", "pathlib.PurePath": "path",
    "concurrent.futures.ThreadPoolExecutor": "executor", "concurrent.futures.ProcessPoolExecutor": "executor",
    "multiprocessing.Pool": "executor", "asyncio.TaskGroup": "executor", "anyio.create_task_group": "executor",
}
# Kinds a project factory function can hand out (``def client(): return boto3.client(...)``).
FACTORY_KINDS = {"aws", "aws-session", "http", "db"}
MODULE_OBJECTS = {"loguru.logger": "logger", "logging": "logging-module"}
AWS_DERIVED = {"client", "resource", "Table", "Bucket", "Queue", "Topic", "Object", "meta"}
AWS_NEUTRAL = {"get_paginator", "get_waiter", "can_paginate", "close", "exceptions", "generate_presigned_url",
               "generate_presigned_post"}
AWS_WRITE_PREFIXES = (
    "put_", "send_", "publish", "create_", "delete_", "update_", "upload_", "batch_write", "write_", "start_",
    "stop_", "invoke", "transact_write", "copy_", "modify_", "remove_", "add_", "tag_", "untag_",
    "terminate_", "reboot_", "run_", "change_", "associate_", "attach_", "detach_", "disable_", "enable_",
    "register_", "deregister_", "set_", "restore_", "reset_", "import_", "purge_", "increment_", "execute_",
    "change_message_visibility", "copy", "delete", "put", "upload_file", "upload_fileobj",
)
# Writes that a retry repeats with a visible effect (put_item/put_object overwrite: idempotent).
NON_IDEMPOTENT = {"send_message", "send_message_batch", "publish", "publish_batch", "put_events",
                  "send_email", "send_raw_email", "send_templated_email", "send_bulk_templated_email",
                  "put_record", "put_records", "put_record_batch", "start_execution", "invoke", "invoke_async",
                  "post", "patch", "add_metric", "put_metric_data", "create_invalidation", "send_task_success"}
# The same inside a literal argument (InvalidationBatch, batch Entries); "Id" there is an entry id.
NESTED_IDEMPOTENCY_KEYS = {"MessageDeduplicationId", "CallerReference", "ClientToken", "ClientRequestToken",
                           "IdempotencyToken"}
_NO_TOKEN = "has no idempotency token; let consumers deduplicate on an id from the input"
# DUR035 fixes by API (boto3 method name): what makes a retry of it safe.
IDEMPOTENCY_FIX = {
    "invoke": "Lambda Invoke takes no idempotency token; invoke the function with {ctx}.invoke(...) from "
              "orchestration code (checkpointed, runs once; it waits for the result)",
    "invoke_async": "Lambda InvokeAsync takes no idempotency token; invoke the function with {ctx}.invoke(...) "
                    "from orchestration code (checkpointed, runs once; it waits for the result)",
    "send_message": "for a FIFO queue pass MessageDeduplicationId (built from the input); a standard queue has "
                    "none, so let the consumer deduplicate",
    "send_message_batch": "for a FIFO queue give each entry a MessageDeduplicationId (built from the input); a "
                          "standard queue has none, so let the consumer deduplicate",
    "publish": "for a FIFO topic pass MessageDeduplicationId (built from the input); a standard topic has none, "
               "so let subscribers deduplicate",
    "publish_batch": "for a FIFO topic give each entry a MessageDeduplicationId (built from the input); a "
                     "standard topic has none, so let subscribers deduplicate",
    "put_events": "EventBridge PutEvents " + _NO_TOKEN + " (put it in Detail)",
    "send_email": "SES has no idempotency token, so a retry sends the email again; accept that",
    "send_raw_email": "SES has no idempotency token, so a retry sends the email again; accept that",
    "send_templated_email": "SES has no idempotency token, so a retry sends the email again; accept that",
    "send_bulk_templated_email": "SES has no idempotency token, so a retry sends the emails again; accept that",
    "put_record": "Kinesis " + _NO_TOKEN,
    "put_records": "Kinesis " + _NO_TOKEN,
    "put_record_batch": "Firehose " + _NO_TOKEN,
    "start_execution": "pass name= built from the input (Step Functions starts one execution per name)",
    "put_metric_data": "CloudWatch metric data has no idempotency token, so a retry counts the data points "
                       "twice; accept that",
    "add_metric": "metric data has no idempotency token, so a retry counts it twice; accept that",
    "create_invalidation": "build InvalidationBatch's CallerReference from the input (not the clock)",
    "send_task_success": "SendTaskSuccess takes no idempotency token and a task token completes once, so "
                         "treat the error a repeated call gets as success",
}
IDEMPOTENCY_KEYWORDS = {"MessageDeduplicationId", "ClientToken", "ClientRequestToken", "IdempotencyToken",
                        "idempotency_key", "CallerReference", "name", "Id"}
DB_WRITE_METHODS = {"set", "setex", "setnx", "mset", "incr", "incrby", "decr", "decrby", "delete", "hset",
                    "hdel", "hincrby", "lpush", "rpush", "lpop", "rpop", "sadd", "srem", "zadd", "zrem",
                    "publish", "expire", "insert_one", "insert_many", "update_one", "update_many",
                    "delete_one", "delete_many", "replace_one", "commit", "bulk_write", "xadd"}
DB_NEUTRAL = {"cursor", "close", "rollback", "pipeline", "__enter__", "__exit__"}
PATH_READ = {"read_text", "read_bytes", "open", "exists", "iterdir", "glob", "rglob", "stat", "is_file",
             "is_dir"}
PATH_WRITE = {"write_text", "write_bytes", "mkdir", "unlink", "touch", "rename", "replace", "rmdir",
              "symlink_to", "chmod"}
METRIC_METHODS = {"add_metric", "put_metric", "flush_metrics", "add_metadata", "increment", "gauge",
                  "histogram", "timing"}
MUTATING_METHODS = {"append", "extend", "insert", "pop", "remove", "clear", "update", "add", "discard",
                    "setdefault", "popitem", "sort", "reverse", "appendleft", "extendleft", "popleft",
                    "__setitem__", "__delitem__"}
MUTABLE_FACTORIES = {"list", "dict", "set", "bytearray", "collections.defaultdict", "collections.deque",
                     "collections.Counter", "collections.OrderedDict", "defaultdict", "deque", "Counter",
                     "OrderedDict"}
SET_FACTORIES = {"set", "frozenset"}
THIRD_PARTY_ROOTS = {"boto3", "botocore", "requests", "httpx", "aiohttp", "urllib3", "pydantic", "aws_lambda_powertools",
                     SDK, "numpy", "pandas", "redis", "psycopg2", "psycopg", "pymysql", "sqlalchemy", "structlog",
                     "loguru", "arrow", "pendulum", "ulid", "nanoid", "shortuuid", "typing_extensions", "attrs"}

MAX_WAIT_SECONDS = 31_622_400


def clock_or_random(q: str, nargs: int) -> str | None:
    """DUR001 for a call that reads the clock, DUR002 for one that is random, by its qualified name and
    number of positional arguments (`random.Random(seed)` and `datetime.now` with an argument are not)."""
    if q in CLOCK or (q in CLOCK_NOARG and nargs < (2 if q == "time.strftime" else 1)):
        return "DUR001"
    if (q in RANDOM_EXACT or q.startswith(RANDOM_PREFIXES)) and q not in RANDOM_DETERMINISTIC \
            and not (q in RANDOM_SEEDED and nargs):
        return "DUR002"
    return None
