"""Core endpoints: health (no auth) for load balancers and monitors."""

from django.db import connection
from django.http import HttpRequest
from ninja import Router, Schema

router = Router(tags=["core"])


class HealthOut(Schema):
    status: str
    database: str


@router.get("/health", auth=None, response=HealthOut)
def health(request: HttpRequest) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok", "database": connection.vendor}
