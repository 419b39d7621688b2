"""Demo: an order that waits for a manager's approval through a callback, with a timeout."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, WaitForCallbackConfig


@durable_execution
def handler(event: dict, context: DurableContext) -> dict:
    order = context.step(lambda _: {"order_id": event["order_id"], "total": 42}, name="prepare-order")
    decision = context.wait_for_callback(
        lambda callback_id, _ctx: None,  # in real life: send callback_id to the approver
        name="manager-approval",
        config=WaitForCallbackConfig(timeout=Duration.from_hours(24)),
    )
    return context.step(lambda _: {"order": order, "decision": decision}, name="finalize")
