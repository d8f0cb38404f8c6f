"""Background tasks of banking: run the matching engine over lines just imported or posted.

Idempotent: only lines still waiting are read, and a line applied once is not waiting
any more, so running the task again (or twice at once, each line locked as it is
applied) recognises nothing twice.
"""

from __future__ import annotations

from django_tasks import task

from cashloop.banking import match_services
from cashloop.identity.models import User


@task()
def statement_lines_auto_match(line_ids: list[int], actor_id: int | None = None) -> dict[str, int]:
    """Apply the sure proposals of these lines and suggest the rest (decision 045)."""
    actor = User.objects.filter(pk=actor_id, is_active=True).first() if actor_id else None
    result = match_services.statement_lines_auto_match(actor=actor, line_ids=line_ids)
    return {
        "applied": len(result.applied),
        "suggested": len(result.suggested),
        "unmatched": len(result.unmatched),
    }
