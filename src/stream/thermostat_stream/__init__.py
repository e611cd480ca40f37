"""The stream function: DynamoDB Streams change records -> rollups, device status, alerts."""
