"""Function URL events for tests, built by the data plane's own mapping (payload format 2.0)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from lambda_dataplane.sigv4 import Identity
from lambda_dataplane.url_event import HttpRequest, build_event


def event_for_request(
    request: HttpRequest, *, signer: Identity | None = None, **options: Any
) -> dict[str, Any]:
    """The event the data plane hands the function for ``request``, now: signed by ``signer``
    (its account and requestContext.authorizer.iam) or anonymous. options: url_id, region."""
    return build_event(
        request,
        request_id="r",
        account_id=signer.account_id if signer else "anonymous",
        now=datetime.now(UTC),
        authorizer_iam=signer.authorizer_iam() if signer else None,
        **options,
    )
