"""AWS clients from botocore, imported lazily: the Pi never needs them.

botocore, not boto3: the functions use nothing of boto3's own, and importing boto3 brings
s3transfer and boto3's resource layer with it, a good part of a cold start inside the image
(docs/benchmarks.md). One botocore session per process: creating one registers botocore's
handlers, which every client then copies.

The endpoint comes from botocore's own ``AWS_ENDPOINT_URL`` (and per-service variants), so
moto_server, LocalStack and AWS are one code path.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from botocore.session import Session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient


@cache
def session() -> Session:
    """The process's botocore session (its region and credentials from the environment)."""
    import botocore.session

    return botocore.session.get_session()


def _config(max_attempts: int) -> Any:
    from botocore.config import Config

    # Short timeouts: a Function URL caller (the Pi) retries; hanging helps nobody.
    return Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=2,
        read_timeout=5,
    )


def dynamodb_client(*, max_attempts: int = 3) -> DynamoDBClient:
    client = session().create_client("dynamodb", config=_config(max_attempts))
    return cast("DynamoDBClient", client)


def sns_client(*, max_attempts: int = 3) -> SNSClient:
    return cast("SNSClient", session().create_client("sns", config=_config(max_attempts)))
