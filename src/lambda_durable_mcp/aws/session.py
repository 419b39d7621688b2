"""One place that builds boto3 clients: region, profile, endpoint, retries and timeouts.

``endpoint_url`` (from --endpoint-url, or the embedded emulator under --local) applies to the
Lambda client only: the durable execution APIs are Lambda APIs, while IAM or CloudFormation
calls must never go to a Lambda emulator.
"""

import logging
import os
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import boto3

# Bounded: an agent waits on every call. Standard retry mode backs off on throttling and 5xx.
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 30
MAX_ATTEMPTS = 4  # requests per call in all, the first one included
# Seconds; overrides READ_TIMEOUT_S when set (fault tests, or a slow link). Read per client.
READ_TIMEOUT_ENV = "LAMBDA_DURABLE_MCP_AWS_READ_TIMEOUT"

log = logging.getLogger(__name__)


def read_timeout_s() -> float:
    """The read timeout of every AWS call: READ_TIMEOUT_S unless the environment says otherwise."""
    raw = os.environ.get(READ_TIMEOUT_ENV, "").strip()
    if not raw:
        return READ_TIMEOUT_S
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 900:
        log.warning("ignoring %s=%r (want seconds, 0 < s <= 900); using %ss", READ_TIMEOUT_ENV, raw, READ_TIMEOUT_S)
        return READ_TIMEOUT_S
    return value


def profile_free_botocore() -> Any:
    """A botocore session that reads no AWS profile, for the service models and the emulator: a
    missing AWS_PROFILE must not break what needs no account."""
    import botocore.session

    return botocore.session.Session(session_vars={"profile": (None, None, None, None)})


def static_session(region: str | None, key: str, secret: str) -> "boto3.Session":
    """A session with these credentials that reads no AWS profile: AWS_PROFILE (set for the user's real
    account, maybe absent on this machine) must not stop calls to the local emulator."""
    import boto3

    return boto3.Session(region_name=region, aws_access_key_id=key, aws_secret_access_key=secret,
                         botocore_session=profile_free_botocore())


@dataclass(frozen=True)
class AwsTarget:
    region: str | None = None
    profile: str | None = None
    lambda_endpoint_url: str | None = None
    endpoint_urls: tuple[tuple[str, str], ...] = ()  # (service, url) overrides, e.g. for moto in tests
    # Explicit (access key id, secret) instead of the credential chain: the local emulator's dummies.
    static_credentials: tuple[str, str] | None = None


class AwsClients:
    """Lazily created, cached clients for one target. Thread-safe for client creation use."""

    def __init__(self, target: AwsTarget) -> None:
        self.target = target
        self._clients: dict[str, Any] = {}

    @cached_property
    def session(self) -> "boto3.Session":
        import boto3

        if self.target.static_credentials:
            key, secret = self.target.static_credentials
            return static_session(self.target.region, key, secret)
        return boto3.Session(region_name=self.target.region, profile_name=self.target.profile)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(
                connect_timeout=CONNECT_TIMEOUT_S,
                read_timeout=read_timeout_s(),
                # total_max_attempts counts the first request; botocore's max_attempts counts retries only.
                retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS},
                user_agent_extra="lambda-durable-mcp",
            )
            endpoint = dict(self.target.endpoint_urls).get(service)
            if service == "lambda" and self.target.lambda_endpoint_url:
                endpoint = self.target.lambda_endpoint_url
            self._clients[service] = self.session.client(service, config=config, endpoint_url=endpoint)
        return self._clients[service]
