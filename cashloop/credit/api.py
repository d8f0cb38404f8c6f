"""Credit endpoints under /api/v1/credit: a customer's credit (limit, exposure, available,
score, holds), placing holds, asking their release and a limit change (through approval),
the open holds, and risk signals (recorded one by one or from a CSV)."""

from typing import Any

from django.http import HttpRequest
from ninja import File, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from cashloop.core.errors import DomainError
from cashloop.core.scoping import require
from cashloop.credit import selectors, services
from cashloop.credit.errors import CreditError
from cashloop.credit.models import CreditHold
from cashloop.credit.schemas import (
    CreditOut,
    HoldIn,
    HoldOut,
    LimitChangeOut,
    LimitIn,
    ReleaseIn,
    SignalIn,
    SignalOut,
)
from cashloop.credit.scoring import explanation_text, score_summary
from cashloop.credit.signals import risk_signals_import

router = Router(tags=["credit"])


@router.get("/customers/{customer_id}", response=CreditOut)
def credit_get(request: HttpRequest, customer_id: int) -> Any:
    require(request.user, "view", CreditHold)
    credit = selectors.customer_credit(user=request.user, customer_id=customer_id)
    if credit is None:
        raise DomainError(CreditError.CUSTOMER_NOT_FOUND)
    position = credit["position"]
    return {
        "customer_id": customer_id,
        "limit": position.limit,
        "currency": position.currency,
        "exposure": position.exposure.total,
        "receivables": position.exposure.receivables,
        "contracted": position.exposure.contracted,
        "quotes": position.exposure.quotes,
        "available": position.available,
        "on_hold": position.hold is not None,
        "score": position.score,
        "score_summary": score_summary(position.score, position.score_explained),
        "explanation": [
            {"code": item["code"], "points": item["points"], "text": explanation_text(item)}
            for item in position.score_explained
        ],
        "holds": credit["holds"],
    }


@router.post("/customers/{customer_id}/holds", response={201: HoldOut})
def hold_place(request: HttpRequest, customer_id: int, payload: HoldIn) -> Any:
    return Status(
        201,
        services.credit_hold_place(
            actor=request.user,
            customer_id=customer_id,
            reason=payload.reason,
            source=payload.source,
        ),
    )


@router.post("/customers/{customer_id}/release", response=list[HoldOut])
def hold_release(request: HttpRequest, customer_id: int, payload: ReleaseIn) -> Any:
    return services.credit_hold_release_request(
        actor=request.user, customer_id=customer_id, reason=payload.reason
    )


@router.post("/customers/{customer_id}/limit", response={201: LimitChangeOut})
def limit_change(request: HttpRequest, customer_id: int, payload: LimitIn) -> Any:
    return Status(
        201,
        services.credit_limit_change_request(
            actor=request.user, customer_id=customer_id, **payload.dict()
        ),
    )


@router.get("/holds", response=list[HoldOut])
@paginate(LimitOffsetPagination)
def hold_list(request: HttpRequest, open: bool = True) -> Any:
    return selectors.holds_list(user=request.user, open_only=open)


@router.get("/signals", response=list[SignalOut])
@paginate(LimitOffsetPagination)
def signal_list(request: HttpRequest, customer_id: int | None = None) -> Any:
    return selectors.signals_list(user=request.user, customer_id=customer_id)


@router.post("/signals", response={201: SignalOut})
def signal_create(request: HttpRequest, payload: SignalIn) -> Any:
    return Status(
        201,
        services.risk_signal_create(actor=request.user, signal=services.SignalIn(**payload.dict())),
    )


@router.post("/signals/import", response={201: list[SignalOut]})
def signal_import(request: HttpRequest, file: File[UploadedFile]) -> Any:
    return Status(201, risk_signals_import(actor=request.user, data=file.read()))
