"""Background tasks of contracts; each idempotent (running it twice changes nothing)."""
