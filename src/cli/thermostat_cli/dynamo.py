"""Paginated Queries and the one place where botocore's errors become CLI errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from thermostat_cli.errors import ConfigProblem, TableUnavailable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Error codes that mean "these credentials are not accepted", not "the request is wrong".
_AUTH_CODES = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "AccessDeniedException",
    "MissingAuthenticationTokenException",
    "InvalidClientTokenId",
}


@contextmanager
def translated_errors(table: str, where: str) -> Iterator[None]:
    """Turn botocore's exceptions into one-line :class:`TableUnavailable` messages."""
    from botocore import exceptions as bce

    try:
        yield
    except (bce.NoCredentialsError, bce.PartialCredentialsError) as err:
        raise TableUnavailable(
            "no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/"
            "AWS_SECRET_ACCESS_KEY, pass --profile, or start `make dev`"
        ) from err
    except bce.ProfileNotFound as err:
        raise ConfigProblem(f"AWS profile not found: {err.kwargs.get('profile')}") from err
    except bce.NoRegionError as err:
        raise ConfigProblem(
            "no AWS region: pass --region or set AWS_REGION (or use a profile with a region)"
        ) from err
    except (
        bce.EndpointConnectionError,
        bce.ConnectTimeoutError,
        bce.ReadTimeoutError,
        bce.ConnectionClosedError,
    ) as err:
        raise TableUnavailable(f"cannot reach DynamoDB at {where}: {err}") from err
    except bce.ClientError as err:
        error = err.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        if code == "ResourceNotFoundException":
            raise TableUnavailable(f"table {table!r} does not exist at {where}") from err
        if code in _AUTH_CODES:
            raise TableUnavailable(f"AWS refused the credentials ({code}): {message}") from err
        raise TableUnavailable(f"DynamoDB error at {where}: {code}: {message}") from err
    except bce.BotoCoreError as err:
        raise TableUnavailable(f"AWS client error: {err}") from err


def plain(item: dict[str, Any]) -> dict[str, Any]:
    """A wire-format item (``{"S": ...}``) as Python values (Decimal numbers)."""
    from boto3.dynamodb.types import TypeDeserializer

    deserializer = TypeDeserializer()
    return {key: deserializer.deserialize(value) for key, value in item.items()}


PageHook = Callable[[int], None]


def query_items(
    client: DynamoDBClient,
    on_page: PageHook | None = None,
    **params: Any,
) -> Iterator[dict[str, Any]]:
    """Every item a Query matches, one page (<= 1 MB) in memory at a time.

    ``on_page`` is told each page's item count as it arrives (for progress output).
    """
    while True:
        page = client.query(**params)
        items = page.get("Items", [])
        if on_page is not None:
            on_page(len(items))
        for item in items:
            yield plain(item)
        last_key = page.get("LastEvaluatedKey")
        if not last_key:
            return
        params["ExclusiveStartKey"] = last_key
