"""Notifications: in-app rows for active users, one email each, read by their owner only."""

from django.core import mail

from cashloop.notifications.models import Notification
from cashloop.notifications.services import notification_send
from cashloop.notifications.tasks import notification_email


def test_send_leaves_a_row_per_active_user_and_emails_once(
    company, django_capture_on_commit_callbacks
):
    company.viewer.is_active = False
    company.viewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        made = notification_send(
            users=[company.rep_east, company.rep_east, company.finance, company.viewer],
            title="Approval waiting",
            body="Write-off INV-1",
            url="/approvals/1/",
        )
    assert sorted(n.user.username for n in made) == ["fin", "rep_east"]
    assert sorted(m.to[0] for m in mail.outbox) == ["fin@example.com", "rep_east@example.com"]
    assert "http://localhost:8000/approvals/1/" in mail.outbox[0].body
    # A retried task finds them sent and sends nothing again.
    assert notification_email.call([n.pk for n in made]) == 0
    assert len(mail.outbox) == 2


def test_without_email_nothing_is_mailed(company, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification_send(users=[company.rep_east], title="Hi", email=False)
    assert mail.outbox == []
    assert Notification.objects.filter(user=company.rep_east).count() == 1


def test_api_lists_only_my_own_and_marks_read(client, company):
    mine = notification_send(users=[company.rep_east], title="Mine", email=False)[0]
    theirs = notification_send(users=[company.rep_south], title="Theirs", email=False)[0]
    client.force_login(company.rep_east)
    body = client.get("/api/v1/notifications?unread=true").json()["items"]
    assert [n["title"] for n in body] == ["Mine"]
    refused = client.post(f"/api/v1/notifications/{theirs.pk}/read")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "notification.not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.post(f"/api/v1/notifications/{mine.pk}/read").json()["read_at"]
    assert client.get("/api/v1/notifications?unread=true").json()["items"] == []


def test_bell_counts_unread_and_opening_follows_the_link(client, company):
    n = notification_send(users=[company.rep_east], title="Look", url="/customers/", email=False)[0]
    notification_send(
        users=[company.rep_east], title="Elsewhere", url="https://evil.example/", email=False
    )
    client.force_login(company.rep_east)
    page = client.get("/notifications/").content.decode()
    assert 'data-testid="notifications-unread">2<' in page
    response = client.post(f"/notifications/{n.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/customers/"
    evil = Notification.objects.get(title="Elsewhere")
    response = client.post(f"/notifications/{evil.pk}/open/")
    assert response["Location"] == "/notifications/"
    client.post("/notifications/read-all/")
    assert (
        'data-testid="notifications-unread"' not in client.get("/notifications/").content.decode()
    )


def test_the_bell_counts_once_per_page(client, company):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notification_send(users=[company.rep_east], title="One", email=False)
    client.force_login(company.rep_east)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/notifications/").content.decode()
    assert 'data-testid="notifications-unread">1<' in page
    counts = [
        q for q in queries if "COUNT" in q["sql"] and "notifications_notification" in q["sql"]
    ]
    assert len(counts) == 1
