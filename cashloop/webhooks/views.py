"""Pages of webhooks (decision 060): the subscriptions with a form for a new one; one
subscription with its secret, its form and its deliveries with their attempts, each
resendable."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.scoping import may
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show
from cashloop.webhooks import selectors, services
from cashloop.webhooks.forms import SubscriptionForm
from cashloop.webhooks.models import WebhookSubscription

PAGE_SIZE = 25


def _saved(request: HttpRequest, form: SubscriptionForm, subscription_id: int | None) -> Any:
    """Create or change from the form; the subscription, or None with the refusal shown."""
    if not form.is_valid():
        return None
    try:
        if subscription_id is None:
            return services.webhook_subscription_create(actor=request.user, **form.cleaned_data)
        return services.webhook_subscription_update(
            actor=request.user, subscription_id=subscription_id, **form.cleaned_data
        )
    except DomainError as exc:
        refuse_or_show(exc)
        form_add_domain_error(form, exc)
        return None


@login_required
def subscription_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", WebhookSubscription)
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST":
        need(request.user, "add", WebhookSubscription)
        made = _saved(request, form, None)
        if made is not None:
            messages.success(request, _("Webhook saved: give its secret to the receiver."))
            return redirect("webhooks:detail", subscription_id=made.pk)
    return render(
        request,
        "webhooks/subscription_list.html",
        {
            "subscriptions": selectors.webhook_subscription_list(user=request.user),
            "form": form,
            "can_add": may(request.user, "add", WebhookSubscription),
        },
    )


@login_required
def subscription_detail(request: HttpRequest, subscription_id: int) -> HttpResponse:
    try:
        subscription = selectors.webhook_subscription_get(
            user=request.user, subscription_id=subscription_id
        )
    except DomainError as exc:
        page_error(exc)
    initial = {f: getattr(subscription, f) for f in ("name", "url", "events", "active")}
    form = SubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST":
        need(request.user, "change", WebhookSubscription)
        if _saved(request, form, subscription.pk) is not None:
            messages.success(request, _("Webhook saved."))
            return redirect("webhooks:detail", subscription_id=subscription.pk)
    deliveries = selectors.webhook_delivery_list(
        user=request.user, subscription_id=subscription.pk, status=request.GET.get("status", "")
    )
    return render(
        request,
        "webhooks/subscription_detail.html",
        {
            "subscription": subscription,
            "form": form,
            "page": Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page")),
            "can_change": may(request.user, "change", WebhookSubscription),
        },
    )


@login_required
@require_POST
def subscription_delete(request: HttpRequest, subscription_id: int) -> HttpResponse:
    try:
        services.webhook_subscription_delete(actor=request.user, subscription_id=subscription_id)
    except DomainError as exc:
        refuse_or_show(exc)
    messages.success(request, _("Webhook deleted."))
    return redirect("webhooks:list")


@login_required
@require_POST
def delivery_resend(request: HttpRequest, delivery_id: int) -> HttpResponse:
    try:
        delivery = services.webhook_delivery_resend(actor=request.user, delivery_id=delivery_id)
    except DomainError as exc:
        refuse_or_show(exc)
        return redirect("webhooks:list")
    messages.success(request, _("Delivery queued again."))
    return redirect("webhooks:detail", subscription_id=delivery.subscription_id)
