"""`assert_verified()`: every test that moves money ends with the verify check."""

from cashloop.core.verify import verify_all


def assert_verified() -> None:
    problems = [f"{r.name}: {p}" for r in verify_all() for p in r.problems]
    assert problems == [], "\n".join(problems)
