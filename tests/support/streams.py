"""Read a table's real DynamoDB stream (moto's or DynamoDB Local's) as Lambda's event."""

from __future__ import annotations

from typing import Any

import boto3


class StreamReader:
    """Hands out each stream record once, in order, as Lambda would deliver it."""

    def __init__(self, stream_arn: str) -> None:
        self.stream_arn = stream_arn
        self._client = boto3.client("dynamodbstreams")
        self._iterators: dict[str, str | None] = {}

    def records(self) -> list[dict[str, Any]]:
        shards = self._client.describe_stream(StreamArn=self.stream_arn)["StreamDescription"][
            "Shards"
        ]
        records: list[dict[str, Any]] = []
        for shard in shards:
            shard_id = shard["ShardId"]
            if shard_id not in self._iterators:
                self._iterators[shard_id] = self._client.get_shard_iterator(
                    StreamArn=self.stream_arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            iterator = self._iterators[shard_id]
            while iterator:
                page = self._client.get_records(ShardIterator=iterator, Limit=1000)
                records.extend(dict(record) for record in page["Records"])
                iterator = page.get("NextShardIterator")
                if not page["Records"]:
                    break
            self._iterators[shard_id] = iterator
        for record in records:
            record["eventSourceARN"] = self.stream_arn
            # boto3 parses ApproximateCreationDateTime; Lambda sends epoch seconds.
            created = record["dynamodb"].get("ApproximateCreationDateTime")
            if created is not None and not isinstance(created, (int, float)):
                record["dynamodb"]["ApproximateCreationDateTime"] = int(created.timestamp())
        return records

    def event(self) -> dict[str, Any]:
        return {"Records": self.records()}
