"""The ingest function: Function URL (payload format 2.0) -> validated readings -> DynamoDB."""
