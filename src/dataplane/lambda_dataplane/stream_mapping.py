"""The DynamoDB Streams event source mapping: one poller thread per shard.

Shards are processed parent before child, as Lambda does, so records of one key stay in
order across a shard split: a child shard starts (from TRIM_HORIZON) only once its
parent is finished. ``StartingPosition`` applies to the shards found at start; with
``LATEST`` the closed ones are skipped.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from lambda_dataplane.config import Invoker
from lambda_dataplane.shard_poller import ShardPoller
from lambda_dataplane.stream_config import StreamMappingConfig

log = logging.getLogger(__name__)


def plan_shards(
    shards: Iterable[Mapping[str, Any]],
    *,
    known: set[str],
    finished: set[str],
    starting_position: str,
    initial: bool,
) -> list[tuple[str, str | None]]:
    """New shards to start, each with its iterator type, or ``None``: skip it as finished."""
    listed = list(shards)
    ids = {shard["ShardId"] for shard in listed}
    plan: list[tuple[str, str | None]] = []
    for shard in listed:
        shard_id = shard["ShardId"]
        if shard_id in known:
            continue
        closed = "EndingSequenceNumber" in shard.get("SequenceNumberRange", {})
        if initial and starting_position == "LATEST":
            plan.append((shard_id, None if closed else "LATEST"))
            continue
        parent = shard.get("ParentShardId")
        if parent in ids and parent not in finished:
            continue  # its parent's records come first
        plan.append((shard_id, starting_position if initial else "TRIM_HORIZON"))
    return plan


def queue_url_from_arn(sqs: Any, arn: str) -> str:
    """``arn:aws:sqs:<region>:<account>:<name>`` to the queue URL SendMessage needs."""
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise ValueError(f"not an SQS queue ARN: {arn!r}")
    answer = sqs.get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])
    return str(answer["QueueUrl"])


class StreamMapping:
    """Runs the mapping until :meth:`stop`; pollers are exposed for tests and logs."""

    def __init__(
        self,
        config: StreamMappingConfig,
        *,
        invoker: Invoker,
        streams: Any,
        sqs: Any,
        poll_interval: float = 0.1,
        discovery_interval: float = 1.0,
        retry_backoff: float = 0.1,
    ) -> None:
        self.config = config
        self._invoker, self._streams, self._sqs = invoker, streams, sqs
        self._poll_interval, self._discovery_interval = poll_interval, discovery_interval
        self._retry_backoff = retry_backoff
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self.pollers: dict[str, ShardPoller] = {}
        self._finished: set[str] = set()
        self._destination_url: str | None = None

    def start(self) -> None:
        """Resolve the destination queue (failing loudly now, not at the first failure) and
        open the shards' iterators before returning, so ``LATEST`` means "from this call on"
        and a write made after start() is never skipped."""
        if self.config.on_failure_destination:
            self._destination_url = queue_url_from_arn(
                self._sqs, self.config.on_failure_destination
            )
        initial = True
        try:
            self._start_new_shards(initial=True)
            initial = False
        except (BotoCoreError, ClientError) as err:
            log.warning("describe_stream failed: %s (retrying)", err)
        self._spawn(self._discover, "stream-discovery", initial)

    @property
    def running(self) -> bool:
        """Whether any of its threads (discovery, shard pollers) is still alive."""
        with self._lock:
            return any(thread.is_alive() for thread in self._threads)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout)

    def _spawn(self, target: Any, name: str, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _discover(self, initial: bool) -> None:
        while not self._stop.wait(self._discovery_interval if not initial else 0):
            try:
                self._start_new_shards(initial)
                initial = False
            except (BotoCoreError, ClientError) as err:
                log.warning("describe_stream failed: %s", err)

    def _list_shards(self) -> list[Mapping[str, Any]]:
        shards: list[Mapping[str, Any]] = []
        args: dict[str, Any] = {"StreamArn": self.config.stream_arn}
        while True:
            page = self._streams.describe_stream(**args)["StreamDescription"]
            shards.extend(page.get("Shards", []))
            last = page.get("LastEvaluatedShardId")
            if not last:
                return shards
            args["ExclusiveStartShardId"] = last

    def _start_new_shards(self, initial: bool) -> None:
        with self._lock:
            known, finished = set(self.pollers) | self._finished, set(self._finished)
        plan = plan_shards(
            self._list_shards(),
            known=known,
            finished=finished,
            starting_position=self.config.starting_position,
            initial=initial,
        )
        for shard_id, iterator_type in plan:
            if iterator_type is None:
                with self._lock:
                    self._finished.add(shard_id)
                continue
            poller = ShardPoller(
                self.config,
                shard_id=shard_id,
                iterator_type=iterator_type,
                streams=self._streams,
                sqs=self._sqs,
                invoker=self._invoker,
                destination_url=self._destination_url,
                retry_backoff=self._retry_backoff,
            )
            poller.reader.open()
            with self._lock:
                self.pollers[shard_id] = poller
            self._spawn(self._poll, f"shard-{shard_id[-8:]}", poller)

    def _poll(self, poller: ShardPoller) -> None:
        while not self._stop.is_set():
            try:
                busy = poller.step()
            except (BotoCoreError, ClientError) as err:
                log.warning("shard %s: %s", poller.shard_id, err)
                busy = False
            except Exception:
                # Keep the shard alive (Lambda's poller does): log it, back off, go on.
                log.exception("shard %s: unexpected error", poller.shard_id)
                self._stop.wait(1.0)
                busy = False
            if poller.finished:
                with self._lock:
                    self._finished.add(poller.shard_id)
                return
            if not busy:
                self._stop.wait(self._poll_interval)
