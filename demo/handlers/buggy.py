"""Demo: two classic replay bugs, which validate_durable_code finds."""

import time
import uuid

from aws_durable_execution_sdk_python import DurableContext, durable_execution


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    started = time.time()  # a new value on every replay
    order_id = str(uuid.uuid4())  # a different id on every replay
    context.step(lambda _: {"id": order_id}, name="save-order")
    return {"order_id": order_id, "started": started}
