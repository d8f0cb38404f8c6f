"""Reports mailed on a schedule (decision 064): the services and API, bad input refused
with its code and nothing changed, and the daily job sending each period once, to each
recipient in their language, with the files they asked for."""

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core import mail
from openpyxl import load_workbook

from cashloop.core.schedule import DAILY, JOBS
from cashloop.reports import schedule_services as services
from cashloop.reports.models import ReportRecipient, ReportSchedule
from cashloop.reports.schedule_errors import ScheduleError
from cashloop.reports.schedule_services import Recipient
from cashloop.reports.tasks import report_schedules_send
from cashloop.reports.tests.conftest import AS_OF
from tests import ledger_check
from tests.factories import UserFactory

URL = "/api/v1/reports/schedules"
TUESDAY = AS_OF  # 31 March 2026, in ISO week 14
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def weekly(company, **changes):
    fields = {
        "actor": company.finance,
        "name": "AR for managers",
        "report": "ar_summary",
        "frequency": "weekly",
        "weekday": 1,
        "formats": ["pdf", "xlsx"],
        "recipients": [
            Recipient(company.finance.pk, "en"),
            Recipient(company.manager_east.pk, "zh-hans"),
        ],
    }
    return services.report_schedule_create(**{**fields, **changes})


def post(client, user, payload):
    client.force_login(user)
    return client.post(URL, payload, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")


def payload(company, **changes):
    return {
        "name": "Revenue for the CFO",
        "report": "revenue",
        "frequency": "monthly",
        "day": 1,
        "formats": ["xlsx"],
        "recipients": [{"user_id": company.finance.pk, "language": "en"}],
        **changes,
    }


def sheet_rows(content, title):
    book = load_workbook(io.BytesIO(content))
    return [list(row) for row in book[title].iter_rows(values_only=True)]


def test_the_api_creates_reads_changes_and_deletes_a_schedule(client, company):
    made = post(client, company.finance, payload(company))
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["report"] == "revenue" and body["day"] == 1 and body["weekday"] is None
    assert body["formats"] == ["xlsx"] and body["last_period"] == ""
    assert body["recipients"] == [
        {
            "user_id": company.finance.pk,
            "username": company.finance.username,
            "email": company.finance.email,
            "language": "en",
        }
    ]
    one = f"{URL}/{body['id']}"
    assert client.get(URL).json()[0]["id"] == body["id"]
    changed = client.patch(
        one,
        {"frequency": "weekly", "weekday": 4, "recipients": [{"user_id": company.admin.pk}]},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["frequency"], body["weekday"], body["day"]) == ("weekly", 4, None)
    # no language given: the company's default (users keep none of their own)
    assert [(r["user_id"], r["language"]) for r in body["recipients"]] == [
        (company.admin.pk, "zh-hans")
    ]
    assert client.delete(one).status_code == 204
    assert client.get(one).json()["error"]["code"] == ScheduleError.NOT_FOUND.code
    assert not ReportRecipient.objects.exists()


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"report": "profit"}, ScheduleError.UNKNOWN_REPORT),
        ({"frequency": "daily"}, ScheduleError.BAD_FREQUENCY),
        ({"day": 29}, ScheduleError.BAD_DAY),
        ({"day": 0}, ScheduleError.BAD_DAY),
        ({"day": None}, ScheduleError.BAD_DAY),
        ({"frequency": "weekly", "day": None, "weekday": 7}, ScheduleError.BAD_WEEKDAY),
        ({"frequency": "weekly", "day": None}, ScheduleError.BAD_WEEKDAY),
        ({"formats": []}, ScheduleError.NO_FORMAT),
        ({"formats": ["pdf", "docx"]}, ScheduleError.NO_FORMAT),
        ({"recipients": []}, ScheduleError.NO_RECIPIENTS),
        ({"recipients": [{"user_id": 999999}]}, ScheduleError.RECIPIENT_UNKNOWN),
        ({"recipients": [{"user_id": 0, "language": "fr"}]}, ScheduleError.RECIPIENT_UNKNOWN),
    ],
)
def test_bad_input_is_refused_with_its_code_and_nothing_is_made(client, company, changes, error):
    response = post(client, company.finance, payload(company, **changes))
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == error.code
    assert not ReportSchedule.objects.exists() and not ReportRecipient.objects.exists()


def test_recipients_must_have_an_email_a_known_language_and_the_right_to_read(client, company):
    cases = [
        (UserFactory(roles=["finance"], email=""), "en", ScheduleError.RECIPIENT_NO_EMAIL),
        (UserFactory(roles=["finance"]), "fr", ScheduleError.BAD_LANGUAGE),
        # knowledge and approvals only: nothing of the receivables
        (UserFactory(roles=[]), "en", ScheduleError.RECIPIENT_DENIED),
        (UserFactory(roles=["finance"], is_active=False), "en", ScheduleError.RECIPIENT_UNKNOWN),
    ]
    for user, language, error in cases:
        recipients = [
            {"user_id": company.finance.pk},
            {"user_id": user.pk, "language": language},
        ]
        response = post(client, company.finance, payload(company, recipients=recipients))
        assert response.json()["error"]["code"] == error.code, user
        assert response.json()["error"]["details"]["field"] == "recipients"
    assert not ReportSchedule.objects.exists()


def test_a_refused_change_changes_nothing(client, company):
    schedule = weekly(company)
    client.force_login(company.finance)
    denied = UserFactory(roles=[])
    for changes, error in (
        ({"weekday": 9}, ScheduleError.BAD_WEEKDAY),
        ({"frequency": "monthly"}, ScheduleError.BAD_DAY),
        ({"recipients": [{"user_id": denied.pk}]}, ScheduleError.RECIPIENT_DENIED),
        ({"recipients": None}, ScheduleError.NO_RECIPIENTS),
        ({"report": "nothing"}, ScheduleError.UNKNOWN_REPORT),
    ):
        response = client.patch(f"{URL}/{schedule.pk}", changes, content_type="application/json")
        assert response.json()["error"]["code"] == error.code
    schedule.refresh_from_db()
    assert (schedule.report, schedule.frequency, schedule.weekday) == ("ar_summary", "weekly", 1)
    assert sorted(schedule.recipients.values_list("user_id", flat=True)) == sorted(
        [company.finance.pk, company.manager_east.pk]
    )


def test_only_admins_and_finance_keep_schedules(client, company):
    for user in (company.rep_east, company.manager_east, company.viewer):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert post(client, user, payload(company)).status_code == 403
    assert post(client, company.admin, payload(company)).status_code == 201
    schedule = ReportSchedule.objects.get()
    client.force_login(company.rep_east)
    assert client.post(f"{URL}/{schedule.pk}/send").status_code == 403
    assert client.delete(f"{URL}/{schedule.pk}").status_code == 403
    assert ReportSchedule.objects.exists() and not mail.outbox


def test_the_weekly_summary_goes_once_a_week_to_each_in_their_language(company, book):
    schedule = weekly(company)
    # before its weekday nothing is due
    assert services.report_schedules_send_due(today=TUESDAY - timedelta(days=1)) == {}
    # when: the job runs on the day, twice
    assert services.report_schedules_send_due(today=TUESDAY) == {schedule.pk: 2}
    assert services.report_schedules_send_due(today=TUESDAY) == {}
    assert services.report_schedules_send_due(today=TUESDAY + timedelta(days=2)) == {}
    schedule.refresh_from_db()
    assert schedule.last_period == "2026-W14"
    # then: one mail to each, in their language, each with a PDF and a workbook
    english, chinese = sorted(mail.outbox, key=lambda m: m.to[0] != company.finance.email)
    assert english.to == [company.finance.email] and chinese.to == [company.manager_east.email]
    assert english.subject == "Weekly AR summary: AR for managers, 2026-03-31"
    assert "每周应收汇总" in chinese.subject and "AR for managers" in chinese.subject
    for message in (english, chinese):
        (pdf_name, pdf, pdf_type), (xlsx_name, _xlsx, xlsx_type) = message.attachments
        assert pdf_name == "ar_summary-2026-03-31.pdf" and pdf_type == "application/pdf"
        assert pdf.startswith(b"%PDF") and xlsx_name.endswith(".xlsx") and xlsx_type == XLSX
    # each sees what they may: finance every customer, the manager East's only
    aging = sheet_rows(english.attachments[1][1], "Aging")
    assert aging[0][:2] == ["Customer code", "Customer"]
    assert {r[0] for r in aging[1:]} >= {"A-EAST", "B-SOUTH"}
    kpis = dict(sheet_rows(english.attachments[1][1], "AR KPIs"))
    assert kpis["Total receivables"] == pytest.approx(1650.01) and kpis["DSO"] == 76.1
    chinese_aging = sheet_rows(chinese.attachments[1][1], "账龄")
    assert chinese_aging[0][:2] == ["客户编码", "客户"]
    assert "B-SOUTH" not in {r[0] for r in chinese_aging[1:]}
    # the next week's day sends again
    next_week = services.report_schedules_send_due(today=TUESDAY + timedelta(days=7))
    assert next_week == {schedule.pk: 2} and len(mail.outbox) == 4


def test_the_monthly_revenue_goes_once_a_month_with_the_last_twelve_months(company, book):
    schedule = services.report_schedule_create(
        actor=company.admin,
        name="Revenue",
        report="revenue",
        frequency="monthly",
        day=1,
        formats=["xlsx"],
        recipients=[Recipient(company.finance.pk, "en")],
    )
    assert services.report_schedules_send_due(today=date(2026, 4, 1)) == {schedule.pk: 1}
    assert services.report_schedules_send_due(today=date(2026, 4, 30)) == {}
    (message,) = mail.outbox
    (name, content, _type), *others = message.attachments
    assert name == "revenue-2026-04-01.xlsx" and not others
    rows = sheet_rows(content, "Revenue")
    assert rows[0] == ["Month", "Invoiced", "Collected"]
    months = rows[1:13]
    assert [m[0] for m in months] == [
        f"{y}-{m:02d}" for y, m in [(2025, n) for n in range(4, 13)]
    ] + [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    by_month = {m[0]: (Decimal(str(m[1])), Decimal(str(m[2]))) for m in months}
    # March 2026: A4 100.00 and B2 USD 200.00 at 7.1 invoiced; 400.00 + 99.99 + 300.00 applied
    assert by_month["2026-03"] == (Decimal("1520"), Decimal("799.99"))
    assert by_month["2025-10"][0] == Decimal("300")
    assert rows[13][0] == "Total"
    ledger_check.assert_verified()


def test_a_recipient_who_lost_the_right_is_skipped_when_sending(company, book):
    schedule = weekly(company)
    company.manager_east.roles.clear()
    assert services.report_schedules_send_due(today=TUESDAY) == {schedule.pk: 1}
    assert [m.to for m in mail.outbox] == [[company.finance.email]]


def test_send_now_mails_at_once_and_leaves_the_period_to_the_schedule(client, company, book):
    schedule = weekly(company)
    client.force_login(company.finance)
    response = client.post(f"{URL}/{schedule.pk}/send")
    assert response.status_code == 200 and response.json() == {"sent": 2}
    schedule.refresh_from_db()
    assert schedule.last_period == "" and len(mail.outbox) == 2
    assert client.post(f"{URL}/999999/send").status_code == 404


def test_a_failing_mail_server_leaves_the_period_to_the_next_run(company, book, monkeypatch):
    schedule = weekly(company)

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(ConnectionRefusedError):
        services.report_schedules_send_due(today=TUESDAY)
    schedule.refresh_from_db()
    assert schedule.last_period == ""
    monkeypatch.undo()
    assert services.report_schedules_send_due(today=TUESDAY) == {schedule.pk: 2}


def test_the_daily_job_sends_what_is_due(company, book):
    assert JOBS["reports.schedules_send"].every == DAILY
    weekly(company, weekday=0)  # every day of the week is on or after Monday
    assert report_schedules_send.call() == 2
    assert report_schedules_send.call() == 0


def test_the_page_makes_changes_sends_and_deletes_a_schedule(client, company, book):
    client.force_login(company.finance)
    page = client.get("/reports/schedules/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="tab-schedules"' in page and "No scheduled report yet." in page
    form = {
        "name": "Weekly AR",
        "report": "ar_summary",
        "frequency": "weekly",
        "weekday": "0",
        "formats": ["pdf"],
        "recipients": [str(company.manager_east.pk)],
        "language": "en",
        "active": "on",
    }
    # bad input: no recipients; the form says why and nothing is made
    refused = client.post("/reports/schedules/", {**form, "recipients": []})
    assert refused.status_code == 200 and not ReportSchedule.objects.exists()
    assert "Choose at least one recipient." in refused.content.decode() or "至少" in (
        refused.content.decode()
    )
    made = client.post("/reports/schedules/", form)
    assert made.status_code == 302
    schedule = ReportSchedule.objects.get()
    assert schedule.weekday == 0 and schedule.recipients.get().language == "en"
    edited = client.post(
        f"/reports/schedules/{schedule.pk}/",
        {**form, "frequency": "monthly", "weekday": "", "day": "5", "formats": ["pdf", "xlsx"]},
    )
    assert edited.status_code == 302
    schedule.refresh_from_db()
    assert (schedule.frequency, schedule.day, schedule.formats) == ("monthly", 5, ["pdf", "xlsx"])
    assert client.post(f"/reports/schedules/{schedule.pk}/send/").status_code == 302
    assert [m.to for m in mail.outbox] == [[company.manager_east.email]]
    assert client.post(f"/reports/schedules/{schedule.pk}/delete/").status_code == 302
    assert not ReportSchedule.objects.exists()


def test_the_schedules_page_is_not_for_reps(client, company):
    client.force_login(company.rep_east)
    assert client.get("/reports/schedules/").status_code == 403
    page = client.get("/reports/aging/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="tab-schedules"' not in page
