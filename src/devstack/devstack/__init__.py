"""``make dev``: moto_server, the stack, the local Lambda data plane and a simulated Pi."""
