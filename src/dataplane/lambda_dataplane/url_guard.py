"""What a local Function URL checks after the signature, and how it explains a refusal.

The caller still gets AWS's bare ``403 {"Message":"Forbidden"}``; the reason goes only to the
local log and to an observer (``make dev``'s live feed): which IAM action was denied and by
which policy, or for a bad signature the canonical request and string to sign computed here,
so a user can diff them against their client's (botocore logs its own at DEBUG).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from lambda_dataplane.errors import SignatureError, SignatureMismatchError
from lambda_dataplane.iam import Decision, NamedPolicy
from lambda_dataplane.iam_principals import PrincipalDirectory
from lambda_dataplane.sigv4 import Identity
from lambda_dataplane.url_auth import Caller, authorize_url_call


@dataclass(frozen=True)
class UrlEvent:
    """Something worth telling a developer about one request (never sent to the caller)."""

    request_id: str
    status: int
    message: str  # one line
    detail: str | None = None  # more lines (canonical request, string to sign)


UrlObserver = Callable[[UrlEvent], None]


def explain_signature(error: SignatureError) -> tuple[str, str | None]:
    """One line and, for a mismatch, what was signed here."""
    if isinstance(error, SignatureMismatchError):
        detail = (
            f"canonical request computed here:\n{error.canonical_request}\n"
            f"string to sign computed here:\n{error.string_to_sign}"
        )
        return f"signature mismatch: {error}", detail
    return f"authentication failed: {error}", None


def explain_function_reply(status: int, body: bytes) -> str:
    """``function answered 422 invalid_reading: ...`` from an ErrorReply-like JSON body."""
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        code = doc.get("error") or doc.get("errorType") or ""
        text = doc.get("message") or doc.get("Message") or ""
        return f"function answered {status} {code}: {text}".rstrip(": ")
    return f"function answered {status}"


class UrlGuard:
    """IAM authorization of one Function URL: the principals, the function, its policy."""

    def __init__(
        self,
        *,
        directory: PrincipalDirectory,
        function_arn: str,
        auth_type: str,
        resource_policy: NamedPolicy | None,
    ) -> None:
        self.directory = directory
        self.function_arn = function_arn
        self.auth_type = auth_type
        self.resource_policy = resource_policy

    def authorize(self, identity: Identity | None, *, source_ip: str) -> Decision:
        """Both URL actions for the signer (AWS_IAM) or an anonymous caller (NONE)."""
        caller = Caller(None)
        if identity is not None:
            principal = self.directory.lookup(identity.access_key)
            if principal is None:  # the key went away between the signature and now
                return Decision(False, f"unknown access key {identity.access_key!r}")
            caller = Caller(
                principal.arn,
                principal.account_id,
                principal.user_id,
                principal.user_name,
                principal.policies,
            )
        return authorize_url_call(
            caller,
            function_arn=self.function_arn,
            auth_type=self.auth_type,
            resource_policy=self.resource_policy,
            source_ip=source_ip,
            now=datetime.now(UTC),
        )
