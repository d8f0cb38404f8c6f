"""The dunning pages: policies with levels, the preview with Run now, the log."""

from __future__ import annotations

from datetime import timedelta

from django.test import TestCase
from django.utils import timezone, translation

from cashloop.collections.models import DunningLog, DunningPolicy
from cashloop.collections.tests.conftest import issue
from tests.factories import CustomerFactory


def level_post(rows):
    data = {
        "level-TOTAL_FORMS": str(len(rows)),
        "level-INITIAL_FORMS": "0",
        "level-MIN_NUM_FORMS": "0",
        "level-MAX_NUM_FORMS": "20",
    }
    for n, (name, days) in enumerate(rows):
        data.update(
            {
                f"level-{n}-name": name,
                f"level-{n}-days_overdue": str(days),
                f"level-{n}-send_email": "on",
                f"level-{n}-task_due_days": "3",
                f"level-{n}-fee": "0",
            }
        )
    return data


def test_a_policy_is_made_on_its_page_and_bad_levels_are_shown(client, company):
    client.force_login(company.finance)
    with translation.override("en"):
        bad = client.post(
            "/dunning/policies/new/",
            {"name": "Std", "is_default": "on", **level_post([("Late", 15), ("Early", 1)])},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert bad.status_code == 200 and "comes after a level from 15 days" in bad.text
    assert not DunningPolicy.objects.exists()
    ok = client.post(
        "/dunning/policies/new/",
        {"name": "Std", "is_default": "on", **level_post([("Early", 1), ("Late", 15)])},
    )
    assert ok.status_code == 302
    policy = DunningPolicy.objects.get()
    assert [lv.name for lv in policy.levels.all()] == ["Early", "Late"]
    listing = client.get("/dunning/policies/")
    assert "Early" in listing.text and "Late" in listing.text
    edit = client.get(f"/dunning/policies/{policy.pk}/")
    assert edit.status_code == 200 and 'value="Late"' in edit.text


def test_preview_then_run_now_then_the_log(client, company, policy, debtor):
    issue(company, debtor, issue_date=timezone.localdate() - timedelta(days=31))
    client.force_login(company.finance)
    preview = client.get("/dunning/")
    assert preview.status_code == 200 and 'data-testid="preview-row-DEBTOR"' in preview.text
    assert 'data-testid="run-now"' in preview.text
    with TestCase.captureOnCommitCallbacks(execute=True):
        ran = client.post("/dunning/run/")
    assert ran.status_code == 302 and DunningLog.objects.count() == 1
    log = DunningLog.objects.get()
    page = client.get("/dunning/log/")
    assert f'data-testid="log-row-{log.pk}"' in page.text
    detail = client.get(f"/dunning/log/{log.pk}/")
    assert detail.status_code == 200 and "ap@debtor.example" in detail.text
    # Nothing left for today: the preview says so, and offers no run.
    assert 'data-testid="run-now"' not in client.get("/dunning/").text


def test_the_preview_lists_a_screenful_and_counts_everyone(
    client, company, policy, debtor, monkeypatch
):
    monkeypatch.setattr("cashloop.collections.views.PREVIEW_ROWS", 1)
    month_ago = timezone.localdate() - timedelta(days=31)
    issue(company, debtor, issue_date=month_ago)
    issue(company, CustomerFactory(owner=company.rep_south, code="ZLAST"), issue_date=month_ago)
    client.force_login(company.finance)
    with translation.override("zh-hans"):
        page = client.get("/dunning/", HTTP_ACCEPT_LANGUAGE="zh-hans").text
    assert 'data-testid="preview-row-DEBTOR"' in page and "preview-row-ZLAST" not in page
    assert "今日运行将就 2 笔分期款提醒 2 位客户" in page and "下方按编码列出前 1 位客户。" in page


def test_pages_need_the_rights(client, company):
    client.force_login(company.viewer)
    assert client.get("/dunning/policies/").status_code == 403
    assert client.post("/dunning/run/").status_code == 403
    assert not DunningLog.objects.exists()


def test_a_message_not_emailed_yet_is_rendered_on_its_page_and_in_the_api(
    client, company, policy, debtor
):
    """The run writes no message (the email task does); until then the page and the API
    show it rendered from the customer's items of the run's day, and store nothing."""
    invoice = issue(company, debtor, issue_date=timezone.localdate() - timedelta(days=31))
    client.force_login(company.finance)
    assert client.post("/dunning/run/").status_code == 302  # the email is not sent
    log = DunningLog.objects.get()
    assert log.body == "" and log.emailed_at is None and log.emailed_to
    detail = client.get(f"/dunning/log/{log.pk}/")
    assert 'data-testid="log-message"' in detail.text and invoice.number in detail.text
    body = client.get(f"/api/v1/dunning/log/{log.pk}").json()["body"]
    assert invoice.number in body
    log.refresh_from_db()
    assert log.body == ""
