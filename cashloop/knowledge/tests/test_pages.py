"""Knowledge pages: library, upload, detail, downloads, links on customer and opportunity
pages, announcements and the dashboard panel; refusals show on the page and change nothing."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from cashloop.knowledge import services
from cashloop.knowledge.choices import Access, Audience
from cashloop.knowledge.models import (
    Announcement,
    AnnouncementRead,
    Document,
    DocumentLink,
    Folder,
)
from cashloop.knowledge.tests.conftest import PDF_BYTES, exe_as_pdf, pdf
from tests.factories import CustomerFactory


def east_only(company):
    folder = services.folder_create(
        actor=company.manager_east,
        name="华东资料",
        access=Access.LISTED,
        team_ids=[company.east.pk],
    )
    document = services.document_create(
        actor=company.manager_east, title="华东合同", folder_id=folder.pk, upload=pdf()
    )
    return folder, document


def test_library_lists_folders_and_searches_chinese(client, company):
    folder, _document = east_only(company)
    services.document_create(
        actor=company.manager_east, title="说明", body_html="<p>合同回款计划说明</p>"
    )
    client.force_login(company.manager_east)
    page = client.get("/documents/").content.decode()
    assert "华东资料" in page
    assert "说明" in page
    inside = client.get(f"/documents/?folder={folder.pk}").content.decode()
    assert "华东合同" in inside
    found = client.get("/documents/", {"q": "回款计划"}).content.decode()
    assert "说明" in found
    search = client.get("/search/", {"q": "回款计划"}).content.decode()
    assert "说明" in search


def test_list_page_queries_do_not_grow_with_documents(client, company):
    client.force_login(company.manager_east)
    services.document_create(actor=company.manager_east, title="一", tags=["a"])
    with CaptureQueriesContext(connection) as few:
        client.get("/documents/")
    for n in range(8):
        services.document_create(actor=company.manager_east, title=f"文{n}", tags=["a", f"t{n}"])
    with CaptureQueriesContext(connection) as many:
        client.get("/documents/")
    assert len(many) == len(few)


def test_outsider_gets_404_on_page_folder_and_download(client, company):
    folder, document = east_only(company)
    client.force_login(company.rep_south)
    assert "华东" not in client.get("/documents/").content.decode()
    for path in (
        f"/documents/{document.pk}/",
        f"/documents/{document.pk}/download/",
        f"/documents/{document.pk}/versions/1/download/",
        f"/documents/?folder={folder.pk}",
    ):
        assert client.get(path).status_code == 404, path
    client.force_login(company.rep_east)
    download = client.get(f"/documents/{document.pk}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES


def test_upload_page_refuses_an_executable_and_stores_nothing(client, company):
    client.force_login(company.manager_east)
    with translation.override("en"):
        response = client.post(
            "/documents/upload/",
            {"title": "发票", "folder": "", "access": "inherit", "file": exe_as_pdf()},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 422
    assert "Only PDF, Word" in response.content.decode()
    assert not Document.objects.exists()


def test_upload_page_stores_a_pdf(client, company):
    client.force_login(company.manager_east)
    response = client.post(
        "/documents/upload/",
        {"title": "合同", "folder": "", "access": "inherit", "tags": "合同，2026", "file": pdf()},
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/documents/{document.pk}/"
    assert sorted(document.tags.values_list("name", flat=True)) == ["2026", "合同"]
    detail = client.get(f"/documents/{document.pk}/").content.decode()
    assert "合同回款计划.pdf" in detail


def test_folder_page_refuses_moving_under_its_child(client, company):
    top = services.folder_create(actor=company.admin, name="上")
    child = services.folder_create(actor=company.admin, name="下", parent_id=top.pk)
    client.force_login(company.admin)
    with translation.override("en"):
        response = client.post(
            f"/documents/folders/{top.pk}/edit/",
            {"name": "上", "folder": str(child.pk), "access": "inherit"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert "cannot be moved into itself" in response.content.decode()
    assert Folder.objects.get(pk=top.pk).parent_id is None


def test_page_strips_script_and_renders_text(client, company):
    client.force_login(company.manager_east)
    response = client.post(
        "/documents/new/",
        {
            "title": "制度",
            "folder": "",
            "access": "inherit",
            "body_html": "<h2>标题</h2><script>alert('x')</script>",
        },
    )
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "<h2>标题</h2>" in detail
    assert "alert('x')" not in detail


def test_customer_page_links_and_lists_only_visible_documents(client, company):
    customer = CustomerFactory(owner=company.rep_east)
    _folder, secret = east_only(company)
    shared = services.document_create(actor=company.admin, title="公开手册")
    services.document_link(actor=company.admin, document_id=secret.pk, customer_id=customer.pk)
    client.force_login(company.rep_east)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'data-testid="documents-panel"' in page
    assert "华东合同" in page
    response = client.post(
        "/documents/links/",
        {"document": shared.pk, "customer_id": customer.pk, "next": f"/customers/{customer.pk}/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.pk}/#documents"
    assert DocumentLink.objects.filter(customer=customer).count() == 2
    # a finance clerk sees the customer but not East's folder: only the shared document
    client.force_login(company.finance)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "公开手册" in page
    assert "华东合同" not in page


def test_opportunity_page_has_the_documents_panel(client, company):
    from cashloop.sales import services as sales_services

    customer = CustomerFactory(owner=company.rep_east)
    opportunity = sales_services.opportunity_create(
        actor=company.rep_east,
        customer_id=customer.pk,
        name="大单",
        amount="1000",
        currency="CNY",
        expected_close_date=date(2030, 1, 31),
    )
    document = services.document_create(actor=company.rep_east, title="方案")
    services.document_link(
        actor=company.rep_east, document_id=document.pk, opportunity_id=opportunity.pk
    )
    client.force_login(company.rep_east)
    page = client.get(f"/sales/opportunities/{opportunity.pk}/").content.decode()
    assert 'data-testid="documents-panel"' in page
    assert "方案" in page


def test_announcement_page_records_receipt_and_author_sees_unread(client, company):
    note = services.announcement_publish(
        actor=company.admin,
        title="回款冲刺",
        audience=Audience.TEAMS,
        team_ids=[company.east.pk],
        pinned=True,
    )
    client.force_login(company.rep_east)
    dashboard = client.get("/").content.decode()
    assert "回款冲刺" in dashboard
    assert 'data-testid="unread-count"' in dashboard
    detail = client.get(f"/announcements/{note.pk}/").content.decode()
    assert 'data-testid="unread-by"' not in detail
    assert AnnouncementRead.objects.filter(announcement=note, user=company.rep_east).exists()
    client.force_login(company.admin)
    detail = client.get(f"/announcements/{note.pk}/").content.decode()
    assert "Mgr_East" in detail
    assert "Rep_Sub" in detail
    client.force_login(company.rep_south)
    assert client.get(f"/announcements/{note.pk}/").status_code == 404


def test_announcement_form_refuses_teams_audience_without_teams(client, company):
    client.force_login(company.admin)
    response = client.post(
        "/announcements/new/", {"title": "x", "audience": "teams", "body_html": ""}
    )
    assert response.status_code == 422
    client.force_login(company.manager_east)
    assert client.get("/announcements/new/").status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "file is empty."), (b"%PDF-1.4\n" + b"0" * 4096, "is larger than the 1.0")],
)
def test_upload_page_refuses_empty_and_too_large_files(client, company, settings, data, message):
    settings.CASHLOOP_UPLOAD_MAX_BYTES = 1024
    client.force_login(company.manager_east)
    with translation.override("en"):
        response = client.post(
            "/documents/upload/",
            {"title": "x", "folder": "", "access": "inherit", "file": pdf(data=data)},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Document.objects.exists()


def test_page_form_does_not_offer_or_accept_a_hidden_folder(client, company):
    hidden = services.folder_create(
        actor=company.admin, name="南区专用", access=Access.LISTED, team_ids=[company.south.pk]
    )
    client.force_login(company.manager_east)
    assert "南区专用" not in client.get("/documents/new/").content.decode()
    response = client.post(
        "/documents/new/", {"title": "x", "folder": str(hidden.pk), "access": "inherit"}
    )
    assert response.status_code == 200
    assert not Document.objects.exists()


def test_announcement_form_refuses_an_unknown_team(client, company):
    client.force_login(company.admin)
    response = client.post(
        "/announcements/new/", {"title": "x", "audience": "teams", "teams": ["424242"]}
    )
    assert response.status_code == 422
    assert not Announcement.objects.exists()


def test_documents_panel_costs_the_same_with_more_links(company, rf):
    from django.template import Context, Template

    customer = CustomerFactory(owner=company.rep_east)
    services.folder_create(
        actor=company.admin, name="东", access=Access.LISTED, team_ids=[company.east.pk]
    )
    template = Template("{% load knowledge_tags %}{% documents_panel customer=customer %}")
    request = rf.get("/")
    request.user = company.rep_east

    def render():
        with CaptureQueriesContext(connection) as queries:
            html = template.render(Context({"request": request, "customer": customer}))
        return html, len(queries)

    render()  # the user's roles are read once per request
    _html, few = render()
    for n in range(6):
        document = services.document_create(actor=company.admin, title=f"文档{n}", tags=["t"])
        services.document_link(
            actor=company.admin, document_id=document.pk, customer_id=customer.pk
        )
    html, many = render()
    assert html.count('data-testid="linked-document"') == 6
    assert many == few <= 7


def test_announcement_edit_and_withdraw_pages(client, company):
    note = services.announcement_publish(
        actor=company.admin, title="季度会议", body_html="<p>周五</p>"
    )
    client.force_login(company.rep_east)
    page = client.get(f"/announcements/{note.pk}/").content.decode()
    assert "announcement-edit" not in page and "announcement-withdraw" not in page
    assert client.get(f"/announcements/{note.pk}/edit/").status_code == 403
    assert client.post(f"/announcements/{note.pk}/withdraw/").status_code == 403
    client.force_login(company.admin)
    page = client.get(f"/announcements/{note.pk}/").content.decode()
    assert "announcement-edit" in page and "announcement-withdraw" in page
    form = client.get(f"/announcements/{note.pk}/edit/")
    assert form.context["form"].initial["title"] == "季度会议"
    saved = client.post(
        f"/announcements/{note.pk}/edit/",
        {"title": "季度会议改到周六", "body_html": "<p>周六</p>", "audience": "all"},
    )
    assert saved.status_code == 302
    note.refresh_from_db()
    assert note.title == "季度会议改到周六"
    assert client.post(f"/announcements/{note.pk}/withdraw/").status_code == 302
    assert not type(note).objects.filter(pk=note.pk).exists()
