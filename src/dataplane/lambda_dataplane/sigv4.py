"""Verify AWS Signature Version 4 on incoming requests, the way a Function URL with AWS_IAM does.

Algorithm: https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
(Authorization header form and presigned query-string form).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from lambda_dataplane.errors import SignatureError, SignatureMismatchError, UnknownKeyError
from lambda_dataplane.sigv4_canonical import (
    canonical_headers,
    canonical_query,
    canonical_uri,
    signing_key,
)

ALGORITHM = "AWS4-HMAC-SHA256"
_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_MAX_PRESIGN_SECONDS = 7 * 24 * 3600
_REQUIRED_SIGNED = ("host", "x-amz-date")


@dataclass(frozen=True)
class Credential:
    """A secret key and the IAM identity it stands for (shown in authorizer.iam)."""

    secret_access_key: str
    account_id: str = "123456789012"
    user_arn: str | None = None  # default arn:aws:iam::<account_id>:user/local-dev
    user_id: str | None = None  # default: the access key id
    # Temporary (STS) credentials only: the X-Amz-Security-Token a request must carry. A
    # long-term key has none, and a request that sends one anyway is refused, as AWS does.
    session_token: str | None = None


@dataclass(frozen=True)
class Identity:
    """Who signed a verified request."""

    access_key: str
    account_id: str
    user_arn: str
    user_id: str

    def authorizer_iam(self) -> dict[str, Any]:
        """requestContext.authorizer.iam as Lambda fills it for Function URLs."""
        return {
            "accessKey": self.access_key,
            "accountId": self.account_id,
            "callerId": self.user_id,
            "cognitoIdentity": None,
            "principalOrgId": None,
            "userArn": self.user_arn,
            "userId": self.user_id,
        }


@dataclass(frozen=True)
class _Claim:
    access_key: str
    scope: list[str]
    signed_headers: list[str]
    signature: str
    amz_date: str
    expires: int | None  # presigned URLs only


def _claim(elements: Mapping[str, str], prefix: str, amz_date: str, expires: int | None) -> _Claim:
    """The three elements both forms carry, named ``Credential``, ``SignedHeaders`` and
    ``Signature`` in the Authorization header and the same with ``X-Amz-`` in a presigned
    URL's query."""
    access_key, *scope = elements[f"{prefix}Credential"].split("/")
    signed_headers = elements[f"{prefix}SignedHeaders"].split(";")
    return _Claim(
        access_key, scope, signed_headers, elements[f"{prefix}Signature"], amz_date, expires
    )


def _parse_authorization(value: str, headers: Mapping[str, str]) -> _Claim:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise SignatureError(f"unsupported algorithm {algorithm!r}")
    fields = dict(p.strip().partition("=")[::2] for p in rest.split(","))
    try:
        return _claim(fields, "", headers["x-amz-date"], None)
    except KeyError as err:
        raise SignatureError(f"authorization lacks {err.args[0]}") from err


def _parse_presigned(query: Mapping[str, str]) -> _Claim:
    try:
        if query["X-Amz-Algorithm"] != ALGORITHM:
            raise SignatureError(f"unsupported algorithm {query['X-Amz-Algorithm']!r}")
        return _claim(query, "X-Amz-", query["X-Amz-Date"], int(query["X-Amz-Expires"]))
    except KeyError as err:
        raise SignatureError(f"presigned URL lacks {err.args[0]}") from err
    except ValueError as err:
        raise SignatureError("X-Amz-Expires is not a number") from err


def _same(given: str | None, expected: str | None) -> bool:
    if given is None or expected is None:
        return given is expected
    return hmac.compare_digest(given.encode(), expected.encode())


class SigV4Verifier:
    """Checks requests against known credentials for one service and region.

    credentials: access key id -> Credential, or a function that looks a key up (None if
    unknown), such as PrincipalDirectory.credential. max_skew: how far X-Amz-Date may be from now
    (AWS: 5 minutes). clock: returns the current aware UTC time (injectable for tests).
    """

    def __init__(
        self,
        credentials: Mapping[str, Credential] | Callable[[str], Credential | None],
        *,
        region: str,
        service: str = "lambda",
        max_skew: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._lookup: Callable[[str], Credential | None] = (
            dict(credentials).get if isinstance(credentials, Mapping) else credentials
        )
        self.region, self.service = region, service
        self.max_skew, self.clock = max_skew, clock

    def verify(
        self, method: str, raw_target: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Identity:
        """The signer's identity, or SignatureError saying what is wrong."""
        header_list = list(headers)
        lower = {k.lower(): v for k, v in header_list}
        raw_path, _, raw_query = raw_target.partition("?")
        query = {
            unquote(k): unquote(v)
            for k, _, v in (p.partition("=") for p in raw_query.split("&") if p)
        }
        if "authorization" in lower:
            claim = _parse_authorization(lower["authorization"], lower)
        elif "X-Amz-Signature" in query:
            claim = _parse_presigned(query)
        else:
            raise SignatureError("request is not signed")
        credential = self._check_claim(claim)
        token = lower.get("x-amz-security-token", query.get("X-Amz-Security-Token"))
        if not _same(token, credential.session_token):
            raise SignatureError("the security token included in the request is invalid")
        canonical = "\n".join(
            [
                method.upper(),
                canonical_uri(raw_path),
                canonical_query(raw_query, exclude="X-Amz-Signature"),
                canonical_headers(header_list, claim.signed_headers),
                ";".join(claim.signed_headers),
                hashlib.sha256(body).hexdigest(),
            ]
        )
        scope = "/".join(claim.scope)
        to_sign = "\n".join(
            [ALGORITHM, claim.amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()]
        )
        key = signing_key(credential.secret_access_key, *claim.scope[:3])
        expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), claim.signature.encode()):
            raise SignatureMismatchError(
                "signature does not match", canonical_request=canonical, string_to_sign=to_sign
            )
        account = credential.account_id
        return Identity(
            access_key=claim.access_key,
            account_id=account,
            user_arn=credential.user_arn or f"arn:aws:iam::{account}:user/local-dev",
            user_id=credential.user_id or claim.access_key,
        )

    def _check_claim(self, claim: _Claim) -> Credential:
        credential = self._lookup(claim.access_key)
        if credential is None:
            raise UnknownKeyError(f"unknown access key {claim.access_key!r}")
        if len(claim.scope) != 4 or claim.scope[3] != "aws4_request":
            raise SignatureError(f"malformed credential scope {'/'.join(claim.scope)!r}")
        date, region, service = claim.scope[:3]
        if (region, service) != (self.region, self.service):
            raise SignatureError(f"scope {region}/{service} is not {self.region}/{self.service}")
        if not re.fullmatch(r"\d{8}T\d{6}Z", claim.amz_date) or claim.amz_date[:8] != date:
            raise SignatureError(f"bad X-Amz-Date {claim.amz_date!r} for scope date {date}")
        missing = [h for h in _REQUIRED_SIGNED if h not in claim.signed_headers]
        if missing and not (claim.expires is not None and missing == ["x-amz-date"]):
            raise SignatureError(f"required headers not signed: {missing}")
        self._check_time(claim)
        return credential

    def _check_time(self, claim: _Claim) -> None:
        try:
            signed_at = datetime.strptime(claim.amz_date, _DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError as err:  # digits in the right places, but no such time (month 13)
            raise SignatureError(f"X-Amz-Date {claim.amz_date!r} is not a date") from err
        now = self.clock()
        if signed_at - now > self.max_skew:
            raise SignatureError(f"X-Amz-Date {claim.amz_date} is in the future")
        if claim.expires is None:
            if now - signed_at > self.max_skew:
                raise SignatureError(f"X-Amz-Date {claim.amz_date} is older than {self.max_skew}")
        elif not 0 < claim.expires <= _MAX_PRESIGN_SECONDS:
            raise SignatureError(f"X-Amz-Expires {claim.expires} out of range")
        elif now > signed_at + timedelta(seconds=claim.expires):
            raise SignatureError("presigned URL has expired")
