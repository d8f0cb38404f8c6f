"""Report schedule endpoints under /api/v1/reports/schedules (decision 064): list, create,
read, change, delete, and send now.  Bad input answers 422 with a `report.*` code and
changes nothing."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from cashloop.reports import schedule_selectors as selectors
from cashloop.reports import schedule_services as services
from cashloop.reports.schedule_schemas import (
    RecipientIn,
    ScheduleIn,
    ScheduleOut,
    SchedulePatch,
    SentOut,
)

router = Router(tags=["reports"])


def _recipients(rows: list[RecipientIn] | None) -> list[services.Recipient] | None:
    if rows is None:
        return None
    return [services.Recipient(r.user_id, r.language) for r in rows]


def _fresh(request: HttpRequest, schedule_id: int) -> Any:
    return selectors.report_schedule_get(user=request.user, schedule_id=schedule_id)


@router.get("", response=list[ScheduleOut])
def schedule_list(request: HttpRequest) -> Any:
    return list(selectors.report_schedule_list(user=request.user))


@router.post("", response={201: ScheduleOut})
def schedule_create(request: HttpRequest, payload: ScheduleIn) -> Any:
    fields = payload.dict(exclude={"recipients"})
    made = services.report_schedule_create(
        actor=request.user, recipients=_recipients(payload.recipients) or [], **fields
    )
    return Status(201, _fresh(request, made.pk))


@router.get("/{schedule_id}", response=ScheduleOut)
def schedule_get(request: HttpRequest, schedule_id: int) -> Any:
    return _fresh(request, schedule_id)


@router.patch("/{schedule_id}", response=ScheduleOut)
def schedule_update(request: HttpRequest, schedule_id: int, payload: SchedulePatch) -> Any:
    fields = payload.dict(exclude_unset=True, exclude={"recipients"})
    if "recipients" in payload.model_fields_set:
        fields["recipients"] = _recipients(payload.recipients) or []
    services.report_schedule_update(actor=request.user, schedule_id=schedule_id, **fields)
    return _fresh(request, schedule_id)


@router.delete("/{schedule_id}", response={204: None})
def schedule_delete(request: HttpRequest, schedule_id: int) -> Any:
    services.report_schedule_delete(actor=request.user, schedule_id=schedule_id)
    return Status(204, None)


@router.post("/{schedule_id}/send", response=SentOut)
def schedule_send(request: HttpRequest, schedule_id: int) -> Any:
    """Mail the report now to every recipient; the scheduled mail of the period still goes."""
    return {"sent": services.report_schedule_send(actor=request.user, schedule_id=schedule_id)}
