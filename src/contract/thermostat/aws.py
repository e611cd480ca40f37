"""boto3 clients, imported lazily: boto3 costs 150-450 ms to import, the Pi never needs it.

The endpoint comes from boto3's own ``AWS_ENDPOINT_URL`` (and per-service variants), so
moto_server, LocalStack and AWS are one code path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient


def _config(max_attempts: int) -> Any:
    from botocore.config import Config

    # Short timeouts: a Function URL caller (the Pi) retries; hanging helps nobody.
    return Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=2,
        read_timeout=5,
    )


def dynamodb_client(*, max_attempts: int = 3) -> DynamoDBClient:
    import boto3

    return boto3.client("dynamodb", config=_config(max_attempts))


def sns_client(*, max_attempts: int = 3) -> SNSClient:
    import boto3

    return boto3.client("sns", config=_config(max_attempts))
