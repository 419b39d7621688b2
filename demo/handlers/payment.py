"""Demo: a payment step that keeps failing; the execution fails after its retries."""

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration, StepConfig
from aws_durable_execution_sdk_python.retries import RetryStrategyConfig, create_retry_strategy


class PaymentDeclined(Exception):
    pass


def charge(_step_context: object) -> str:
    raise PaymentDeclined("card declined: insufficient funds")


@durable_execution
def handler(event: dict, context: DurableContext) -> str:
    context.step(lambda _: "ok", name="validate-order")
    retry = create_retry_strategy(RetryStrategyConfig(max_attempts=3, initial_delay=Duration.from_seconds(1)))
    return context.step(charge, name="charge-card", config=StepConfig(retry_strategy=retry))
