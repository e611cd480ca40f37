"""The uploader against the real ingest function behind a local HTTP server."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import deque
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from ingest_fake import IngestServer, Reply
from pi_fakes import make_readings

from thermostat.api import MAX_BODY_BYTES
from thermostat_pi.config import load_config
from thermostat_pi.endpoint import EndpointWatcher
from thermostat_pi.replies import parse_retry_after
from thermostat_pi.spool import Spool, Spooled
from thermostat_pi.uploader import Uploader, endpoint_auth, make_auth, pack


class Backoff:
    """A fake sleep: records each delay and runs what the test scheduled for it."""

    def __init__(self) -> None:
        self.delays: list[float] = []
        self.hooks: list[object] = []

    def __call__(self, delay: float) -> None:
        self.delays.append(delay)
        for hook in list(self.hooks):
            hook()  # type: ignore[operator]


UNAVAILABLE = {"error": "service_unavailable", "message": "send them again"}


def uploader(spool: Spool, url: str, sleep: Backoff, **kwargs: object) -> Uploader:
    options: dict[str, object] = {"batch_size": 50, "timeout_s": 0.3, "jitter": lambda: 0.5}
    options.update(kwargs)
    return Uploader(spool=spool, url=url, sleep=sleep, **options)  # type: ignore[arg-type]


def fill(spool: Spool, count: int) -> list[dict[str, object]]:
    readings = make_readings(count)
    for reading in readings:
        spool.append(reading)
    return [r.to_wire() for r in readings]


def test_1000_readings_arrive_once_in_order_through_outages_500_429_and_timeouts(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """Three outages, a 500, a 429 and a timeout: each reading arrives once, in order."""
    spool = Spool(tmp_path / "spool.db")
    pending = deque(make_readings(1000))
    expected = [r.to_wire() for r in pending]
    backoff = Backoff()

    def produce(count: int) -> None:  # the control loop keeps spooling during backoff
        for _ in range(min(count, len(pending))):
            spool.append(pending.popleft())

    backoff.hooks.append(lambda: produce(7))

    def outage() -> None:
        ingest.stop()
        failures = len(backoff.delays) + 3

        def come_back() -> None:
            if len(backoff.delays) == failures:
                ingest.start()

        backoff.hooks.append(come_back)

    faults = [
        outage,
        lambda: ingest.script.append(Reply(500, {"error": "internal", "message": "boom"})),
        outage,
        lambda: ingest.script.append(Reply(429, {"error": "throttled"}, {"Retry-After": "7"})),
        lambda: ingest.script.append(Reply(503, delay_s=0.6)),  # longer than the timeout
        outage,
    ]
    sender = uploader(spool, ingest.url, backoff)
    for fault in faults:
        produce(60)
        fault()
        assert sender.drain()
    produce(len(pending))
    assert sender.drain()

    assert ingest.stored == expected
    assert spool.status().depth == 0
    assert 7.0 in backoff.delays  # Retry-After honoured
    assert len(backoff.delays) == 3 * 3 + 3


def test_invalid_readings_go_to_dead_letters_and_the_rest_is_sent(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """A 422 moves exactly the listed readings to dead letters, with the reason; others arrive."""
    spool = Spool(tmp_path / "spool.db")
    readings = [r.to_wire() for r in make_readings(120)]
    bad = {3, 60, 119}  # as if spooled by an older client that kept the power-on value
    for i, reading in enumerate(readings):
        body = dict(reading, temperature_c=85.0) if i in bad else reading
        spool.append_texts([json.dumps(body)])
    backoff = Backoff()
    assert uploader(spool, ingest.url, backoff).drain()
    assert ingest.stored == [r for i, r in enumerate(readings) if i not in bad]
    letters = spool.dead_letters()
    assert [letter.body["recorded_at"] for letter in letters] == [
        readings[i]["recorded_at"] for i in sorted(bad)
    ]
    for letter in letters:
        reason = json.loads(letter.reason)
        assert (reason["status"], reason["error"]) == (422, "invalid_readings")
        assert "85.0 C is the DS18B20 power-on value" in reason["errors"][0]["msg"]
    assert backoff.delays == []
    assert spool.status().dead_lettered == 3


def test_too_many_readings_splits_the_batch(tmp_path: Path, ingest: IngestServer) -> None:
    """413 too_many_readings with the function's maximum: later batches keep to it."""
    ingest.configure(max_readings_per_request=30)
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 100)
    sender = uploader(spool, ingest.url, Backoff(), batch_size=100)
    assert sender.drain()
    assert ingest.stored == sent
    assert sender.batch_limit == 30
    assert [len(r["body"]["readings"]) for r in ingest.requests] == [100, 30, 30, 30, 10]


def test_413_without_a_maximum_halves_the_batch(tmp_path: Path, ingest: IngestServer) -> None:
    """A 413 that names no maximum (a proxy's) halves the batch."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 100)
    ingest.script.append(Reply(413, {"error": "payload_too_large", "message": "big"}))
    sender = uploader(spool, ingest.url, Backoff(), batch_size=100)
    assert sender.drain()
    assert (ingest.stored, sender.batch_limit) == (sent, 50)


def test_single_reading_too_large_is_dead_lettered(tmp_path: Path, ingest: IngestServer) -> None:
    """A lone reading answered with 413 cannot ever be sent: it is dead-lettered."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 2)
    ingest.script.append(Reply(413, {"error": "payload_too_large", "message": "big"}))
    assert uploader(spool, ingest.url, Backoff(), batch_size=1).drain()
    assert ingest.stored == sent[1:]
    assert "payload_too_large" in spool.dead_letters()[0].reason


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 415])
def test_configuration_errors_keep_everything_queued(
    tmp_path: Path, ingest: IngestServer, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Other 4xx answers keep every reading, log an error and report it in status."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 10)
    ingest.script.extend([Reply(status, {"error": "forbidden", "message": "no"})] * 2)
    backoff = Backoff()
    sender = uploader(spool, ingest.url, backoff)
    with caplog.at_level(logging.ERROR):
        assert not sender.drain(max_failures=2)
    assert spool.status().depth == 10
    assert "check the endpoint url" in (spool.status().last_error or "")
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    assert sender.drain()  # once the configuration is fixed, all of it goes
    assert ingest.stored == sent
    assert spool.status().last_error is None


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, None),
        Reply(200, {"ok": True}),
        Reply(200, {"stored": True}),
        Reply(200, {"stored": 0}),
        Reply(200, {"stored": -1}),
        Reply(200, {"stored": "5"}),
        Reply(200, {"stored": 6}),  # more than were sent: an answer to something else
        Reply(200, [{"stored": 5}]),
        Reply(307, None, {"Location": "/again"}),
    ],
    ids=[
        "200-not-json",
        "200-other-json",
        "stored-true",
        "stored-0",
        "stored-minus-1",
        "stored-string",
        "stored-more-than-sent",
        "list",
        "redirect",
    ],
)
def test_an_answer_that_is_not_the_ingest_functions_deletes_nothing(
    tmp_path: Path, ingest: IngestServer, reply: Reply
) -> None:
    """Only a StoredReply acknowledges: any other 200 (or a redirect) deletes nothing."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 5)
    ingest.script.append(reply)
    backoff = Backoff()
    assert uploader(spool, ingest.url, backoff).drain()
    assert len(backoff.delays) == 1
    assert ingest.stored == sent
    assert len(ingest.requests) == 2  # the redirect was not followed


def test_503_acks_what_the_server_stored(tmp_path: Path, ingest: IngestServer) -> None:
    """503 with `stored` indices: those are not resent; the rest follow after Retry-After."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 10)
    ingest.script.append(Reply(503, {**UNAVAILABLE, "stored": [0, 1, 2]}, {"Retry-After": "3"}))
    backoff = Backoff()
    assert uploader(spool, ingest.url, backoff).drain()
    assert ingest.stored == sent[3:]
    assert backoff.delays == [3.0]


def test_503_outside_the_contract_acks_nothing(tmp_path: Path, ingest: IngestServer) -> None:
    """A 503 whose body is not an ErrorReply (a proxy's) deletes nothing, whatever it lists."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 4)
    ingest.script.append(Reply(503, {"stored": [0, 1]}))
    assert uploader(spool, ingest.url, Backoff()).drain()
    assert ingest.stored == sent


def test_backoff_grows_exponentially_with_full_jitter_up_to_the_cap(tmp_path: Path) -> None:
    """Delays are jitter * min(cap, base * 2^n): here 1, 2, 4, 5, 5 with jitter 1."""
    spool = Spool(tmp_path / "spool.db")
    fill(spool, 1)
    backoff = Backoff()
    sender = uploader(
        spool, "http://127.0.0.1:9/", backoff, jitter=lambda: 1.0, backoff_max_s=5.0
    )  # port 9 (discard) is closed here: connection refused
    assert not sender.drain(max_failures=6)
    assert backoff.delays == [1.0, 2.0, 4.0, 5.0, 5.0]
    assert "network error" in (spool.status().last_error or "")


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    """Retry-After may be delta-seconds or an HTTP-date; garbage is ignored."""
    assert parse_retry_after("12") == 12.0
    assert parse_retry_after("Wed, 21 Oct 2026 07:28:10 GMT", now=lambda: 1792567680.0) == 10.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_aws_iam_requests_carry_a_valid_sigv4_signature_for_lambda(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """AWS_IAM: the signature botocore computes for the received request is the one sent."""
    spool = Spool(tmp_path / "spool.db")
    fill(spool, 2)
    auth = make_auth(
        "AWS_IAM", region="eu-west-1", access_key_id="AKIDTEST", secret_access_key="secret"
    )
    assert uploader(spool, ingest.url, Backoff(), auth=auth).drain()
    received = ingest.requests[0]
    headers = {k.lower(): v for k, v in received["headers"].items()}
    authorization = headers["authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
    assert "/eu-west-1/lambda/aws4_request" in authorization
    assert headers["x-amz-content-sha256"] == hashlib.sha256(received["raw"]).hexdigest()

    # Verify as AWS would, with an independent implementation (botocore, tests only).
    signed_names = authorization.split("SignedHeaders=")[1].split(",")[0].split(";")
    request = AWSRequest(
        method="POST",
        url=ingest.url,
        data=received["raw"],
        headers={name: headers[name] for name in signed_names if name != "host"},
    )
    request.context["timestamp"] = headers["x-amz-date"]
    verifier = SigV4Auth(Credentials("AKIDTEST", "secret"), "lambda", "eu-west-1")
    string_to_sign = verifier.string_to_sign(request, verifier.canonical_request(request))
    assert authorization.endswith(f"Signature={verifier.signature(string_to_sign, request)}")


def test_a_rewritten_keys_file_signs_the_next_upload(tmp_path: Path, ingest: IngestServer) -> None:
    """Key rotation: new keys in keys.toml are used from the next POST, no restart, no loss."""
    keys = tmp_path / "keys.toml"
    keys.write_text('access_key_id = "AKIDOLD"\nsecret_access_key = "old"\n')
    keys.chmod(0o600)
    config = tmp_path / "pi.toml"
    config.write_text(
        'device_id = "pi-keys"\nspool_path = "spool.db"\n[endpoint]\n'
        f'url = "{ingest.url}"\nregion = "eu-west-1"\nkeys_file = "keys.toml"\n'
    )
    source = load_config(config, env={}).endpoint_source
    endpoint = source.resolve()
    spool = Spool(tmp_path / "spool.db")
    sender = uploader(
        spool,
        ingest.url,
        Backoff(),
        auth=endpoint_auth(endpoint),
        watcher=EndpointWatcher(source, endpoint),
        batch_size=1,
    )
    sent = fill(spool, 1)
    assert sender.drain()
    keys.write_text('access_key_id = "AKIDNEW"\nsecret_access_key = "new"\n')
    sent += fill(spool, 1)
    assert sender.drain()
    signed_with = [
        {k.lower(): v for k, v in r["headers"].items()}["authorization"].split("/")[0]
        for r in ingest.requests
    ]
    assert signed_with == [
        "AWS4-HMAC-SHA256 Credential=AKIDOLD",
        "AWS4-HMAC-SHA256 Credential=AKIDNEW",
    ]
    assert ingest.stored == sent


def test_auth_none_sends_unsigned(tmp_path: Path, ingest: IngestServer) -> None:
    """NONE: no Authorization header at all."""
    spool = Spool(tmp_path / "spool.db")
    fill(spool, 1)
    assert uploader(
        spool,
        ingest.url,
        Backoff(),
        auth=make_auth("NONE", region="x", access_key_id=None, secret_access_key=None),
    ).drain()
    assert "authorization" not in {k.lower() for k in ingest.requests[0]["headers"]}


def test_unsendable_rows_are_dead_lettered_and_the_rest_is_sent(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """Rows that are not JSON, not an object, or hold NaN go to dead letters; none blocks."""
    spool = Spool(tmp_path / "spool.db")
    readings = [r.to_wire() for r in make_readings(6)]
    broken = ["{not json", '"a string"', '{"temperature_c": NaN}']
    for reading, junk in zip(readings, [*broken, None, None, None], strict=True):
        if junk is not None:
            spool.append_texts([junk])
        spool.append_texts([json.dumps(reading)])
    backoff = Backoff()
    assert uploader(spool, ingest.url, backoff, batch_size=4).drain()
    assert ingest.stored == readings
    assert [letter.text for letter in spool.dead_letters()] == broken
    reasons = [json.loads(letter.reason) for letter in spool.dead_letters()]
    assert {r["error"] for r in reasons} == {"unsendable_row"}
    assert backoff.delays == []


def test_a_row_larger_than_any_request_is_dead_lettered(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """A row over the ingest body limit can never be sent: dead-lettered, the rest sent."""
    spool = Spool(tmp_path / "spool.db")
    readings = [r.to_wire() for r in make_readings(2)]
    spool.append_texts([json.dumps(dict(readings[0], note="x" * MAX_BODY_BYTES))])
    spool.append_texts([json.dumps(readings[1])])
    assert uploader(spool, ingest.url, Backoff()).drain()
    assert ingest.stored == readings[1:]
    assert "larger than any request" in spool.dead_letters()[0].reason


def test_batches_are_cut_to_fit_the_body_limit() -> None:
    """pack stops a batch before the body would pass the ingest function's byte limit."""
    row = json.dumps({"pad": "x" * (MAX_BODY_BYTES // 3)})
    batch, body, unusable = pack([Spooled(i, row) for i in range(1, 6)])
    assert (len(batch), unusable) == (2, {})
    assert len(body) <= MAX_BODY_BYTES
    assert json.loads(body) == {"readings": [json.loads(row)] * 2}


def test_the_device_report_counts_against_the_body_limit() -> None:
    """Rows that fill a body to the byte exactly without the report leave one out with it."""
    report = {"settings_version": 7, "settings_error": "e" * 300, "software": "thermostat-pi/9"}
    row = json.dumps({"pad": "x" * (MAX_BODY_BYTES // 2 - 100)})
    rows = [Spooled(i, row) for i in range(1, 4)]
    bare_batch, bare, _ = pack(rows)
    assert len(bare_batch) == 2 and len(bare) + 300 > MAX_BODY_BYTES
    batch, body, _ = pack(rows, report)
    assert len(batch) == 1 and len(body) <= MAX_BODY_BYTES
    assert json.loads(body) == {"readings": [json.loads(row)], "device": report}


def test_409_acks_what_was_stored_and_never_resends_a_conflict(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """409: `stored` indices are deleted, `items` dead-lettered, the rest sent again at once."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 5)
    conflict = {"loc": "recorded_at", "msg": "another reading of this device and time"}
    ingest.script.append(
        Reply(
            409,
            {
                "error": "conflict",
                "message": "1 reading conflicts with a stored one",
                "stored": [0, 1, 3],
                "items": [{"index": 2, "errors": [conflict]}],
            },
        )
    )
    backoff = Backoff()
    assert uploader(spool, ingest.url, backoff).drain()
    assert ingest.stored == [sent[4]]  # 0, 1 and 3 were stored by the 409's request
    assert [r["body"]["readings"] for r in ingest.requests[1:]] == [[sent[4]]]
    [letter] = spool.dead_letters()
    assert letter.body == sent[2]
    reason = json.loads(letter.reason)
    assert (reason["status"], reason["error"], reason["errors"]) == (409, "conflict", [conflict])
    assert backoff.delays == []
    assert spool.status().acked == 4


def test_403_device_mismatch_keeps_the_readings_and_says_so_loudly(
    tmp_path: Path, ingest: IngestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """403 device_mismatch: nothing deleted, an ERROR naming the device problem, in status."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 3)
    mismatch = {"error": "device_mismatch", "message": "this key sends for pi-other only"}
    ingest.script.extend([Reply(403, mismatch)] * 2)
    sender = uploader(spool, ingest.url, Backoff())
    with caplog.at_level(logging.ERROR):
        assert not sender.drain(max_failures=2)
    assert spool.status().depth == 3
    assert "device_mismatch" in (spool.status().last_error or "")
    assert any("another device" in r.getMessage() for r in caplog.records if r.levelno == 40)
    assert sender.drain()
    assert ingest.stored == sent


def test_aws_forbidden_is_reported_with_its_message(tmp_path: Path, ingest: IngestServer) -> None:
    """AWS's own 403 {"Message": "Forbidden"} (wrong keys) keeps everything and names it."""
    spool = Spool(tmp_path / "spool.db")
    fill(spool, 2)
    ingest.script.append(Reply(403, {"Message": "Forbidden"}))
    assert not uploader(spool, ingest.url, Backoff()).drain(max_failures=1)
    assert spool.status().depth == 2
    assert "403 Forbidden" in (spool.status().last_error or "")


def test_429_rate_limited_waits_for_retry_after_and_acks_nothing(
    tmp_path: Path, ingest: IngestServer
) -> None:
    """429 rate_limited: nothing deleted (even if the body lists `stored`); Retry-After kept."""
    spool = Spool(tmp_path / "spool.db")
    sent = fill(spool, 4)
    limited = {"error": "rate_limited", "message": "slow down", "stored": [0, 1]}
    ingest.script.append(Reply(429, limited, {"Retry-After": "120"}))
    backoff = Backoff()
    assert uploader(spool, ingest.url, backoff).drain()
    assert backoff.delays == [120.0]
    assert ingest.stored == sent
