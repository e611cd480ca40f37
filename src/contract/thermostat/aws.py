"""AWS clients from botocore, imported lazily: the Pi never needs them.

botocore, not boto3: the functions use nothing of boto3's own, and importing boto3 brings
s3transfer and boto3's resource layer with it, a good part of a cold start inside the image
(docs/benchmarks.md). One botocore session per process: creating one registers botocore's
handlers, which every client then copies.

The endpoint comes from botocore's own ``AWS_ENDPOINT_URL`` (and per-service variants), so
moto_server, LocalStack and AWS are one code path.

With ``THERMOSTAT_BOTOCORE_WITHOUT_DOCS=1`` (set in the images) botocore is imported without
its documentation generator: ``botocore.docs`` (reST writers, an HTML parser, example
builders) is more than half of botocore's import, and it only writes the docstrings that
``help()`` shows. Its package is stood in by an empty one (its light submodules, such as
``botocore.docs.utils``, still load from disk) and ``botocore.docs.docstring`` by docstrings
that stay empty. Only in a process of its own (a function): boto3's own docs need the real one.
"""

from __future__ import annotations

import os
import sys
import types
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from botocore.session import Session
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sns import SNSClient


WITHOUT_DOCS = "THERMOSTAT_BOTOCORE_WITHOUT_DOCS"


class _Undocumented(str):
    """Stands in for botocore's lazily written docstrings: an empty one, never written."""

    def __new__(cls, *args: Any, **kwargs: Any) -> _Undocumented:
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()


def skip_botocore_docs() -> bool:
    """Stand in for ``botocore.docs`` before botocore is imported; False if it is too late."""
    if "botocore.docs" in sys.modules:
        docstring = sys.modules.get("botocore.docs.docstring")
        return getattr(docstring, "ClientMethodDocstring", None) is _Undocumented
    spec = find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        return False
    package = types.ModuleType("botocore.docs")
    package.__path__ = [str(Path(spec.submodule_search_locations[0]) / "docs")]
    docstring = types.ModuleType("botocore.docs.docstring")
    for name in ("LazyLoadedDocstring", "ClientMethodDocstring", "WaiterDocstring"):
        setattr(docstring, name, _Undocumented)
    docstring.PaginatorDocstring = _Undocumented  # type: ignore[attr-defined]
    sys.modules["botocore.docs"] = package
    sys.modules["botocore.docs.docstring"] = docstring
    return True


@cache
def session() -> Session:
    """The process's botocore session (its region and credentials from the environment)."""
    if os.environ.get(WITHOUT_DOCS) == "1":
        skip_botocore_docs()
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
