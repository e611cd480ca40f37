"""A local stack's ``endpoints.json`` record for tests: what the CLI, the dashboard and
``seed-demo`` look for, pointing at an emulator's table."""

from __future__ import annotations

from thermostat.endpoints import Endpoints


def local_endpoints(aws_endpoint_url: str, table_name: str, **changes: str) -> Endpoints:
    """The record a local stack writes for ``table_name`` on ``aws_endpoint_url``; ``changes``
    set any other field."""
    fields = {
        "region": "us-east-1",
        "ingest_url": "http://127.0.0.1:1/",  # nothing listens: these tests read the table
        "access_key_id": "test",
        "secret_access_key": "test",
        "stack_name": "thermostat-dev",
        **changes,
    }
    return Endpoints(aws_endpoint_url=aws_endpoint_url, table_name=table_name, **fields)
