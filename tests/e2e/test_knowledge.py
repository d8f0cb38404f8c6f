"""Knowledge through the browser: a manager builds a folder, uploads a PDF and writes a
Chinese page, finds it by a Chinese word, links it to a customer; an outsider cannot see or
download it; an admin publishes a pinned announcement to a team and sees who has not read it.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from cashloop.knowledge.models import Document
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "pw-for-tests-1"  # the factories' password
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_root(tmp_path):
    # The live server reads settings in its own thread: change them for the whole test.
    previous = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    settings.MEDIA_ROOT = previous


def sign_in(page: Page, base: str, username: str) -> None:
    # Sign out on the server: a cleared cookie can come back with a late response.
    page.goto(f"{base}/login/")
    if page.locator("header form[action='/logout/'] button").count():
        page.locator("header form[action='/logout/'] button").click()
        expect(page.locator("#id_username")).to_be_visible()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form:has(#id_password) button[type=submit]").click()
    expect(page).to_have_url(f"{base}/")


def test_documents_and_announcements(page, shoot, live_server, company, tmp_path):
    base = live_server.url
    customer = CustomerFactory(owner=company.rep_east, name="杭州青山茶业")
    contract = tmp_path / "合同扫描件.pdf"
    contract.write_bytes(PDF_BYTES)

    # A manager makes a folder for East only.
    sign_in(page, base, company.manager_east.username)
    page.locator("nav.sidebar a[href='/documents/']").click()
    expect(page).to_have_url(f"{base}/documents/")
    page.get_by_test_id("new-folder").click()
    shoot("folder-form", both=True)  # (switching language reloads the form: shoot first)
    page.locator("#id_name").fill("华东合同")
    page.locator("#id_access").select_option("listed")
    page.get_by_label("East", exact=True).check()
    page.locator("[data-testid=folder-form] button[type=submit]").click()
    expect(page.get_by_test_id("breadcrumbs")).to_contain_text("华东合同")

    # Uploads a PDF into it.
    page.get_by_test_id("upload").click()
    page.locator("#id_title").fill("框架合同")
    page.locator("#id_file").set_input_files(str(contract))
    page.locator("#id_tags").fill("合同, 2026")
    page.locator("[data-testid=document-form] button[type=submit]").click()
    expect(page.get_by_test_id("document-title")).to_have_text("框架合同")
    expect(page.get_by_test_id("versions")).to_contain_text("合同扫描件.pdf")
    shoot("file-detail", both=True)

    # Writes a page in Chinese in the same folder.
    folder_id = Document.objects.get(title="框架合同").folder_id
    page.goto(f"{base}/documents/new/?folder={folder_id}")
    shoot("page-form", both=True)
    page.locator("#id_title").fill("回款说明")
    # Written in the rich-text editor as a person would: a line, then bold text.
    page.get_by_test_id("rich-text-body_html").click()
    page.keyboard.type("合同回款计划说明")
    page.keyboard.press("Enter")
    page.locator("button[data-trix-attribute=bold]").click()
    page.keyboard.type("首付款 30%")
    shoot("page-form-filled")
    page.locator("[data-testid=document-form] button[type=submit]").click()
    expect(page.get_by_test_id("document-body")).to_contain_text("合同回款计划说明")
    expect(page.get_by_test_id("document-body").locator("strong")).to_have_text("首付款 30%")
    shoot("page-detail", both=True)

    # Finds it by a Chinese word.
    page.goto(f"{base}/documents/")
    page.get_by_test_id("document-search").fill("回款计划")
    page.get_by_test_id("document-search").press("Enter")
    expect(page.get_by_test_id("documents")).to_contain_text("回款说明")
    expect(page.get_by_test_id("documents")).not_to_contain_text("框架合同")
    shoot("search", both=True)

    # Links it to the customer and sees it on the customer's page.
    page.goto(f"{base}/customers/{customer.pk}/")
    panel = page.get_by_test_id("documents-panel")
    panel.get_by_test_id("link-document").select_option(label="回款说明")
    panel.locator("button[type=submit]").click()
    expect(page.get_by_test_id("documents-panel")).to_contain_text("回款说明")
    shoot("customer-panel", both=True)
    page.goto(f"{base}/documents/?folder={folder_id}")
    shoot("library", both=True)

    # Someone from South sees neither the folder nor the documents, nor may download.
    file_doc = Document.objects.get(title="框架合同")
    sign_in(page, base, company.rep_south.username)
    page.goto(f"{base}/documents/")
    expect(page.get_by_test_id("folder-tree")).not_to_contain_text("华东合同")
    response = page.goto(f"{base}/documents/{file_doc.pk}/")
    assert response is not None and response.status == 404
    response = page.request.get(f"{base}/documents/{file_doc.pk}/download/")
    assert response.status == 404
    response = page.request.get(f"{base}/api/v1/documents/{file_doc.pk}")
    assert response.status == 404
    assert response.json()["error"]["code"] == "document.not_found"

    # An admin publishes a pinned announcement to East.
    sign_in(page, base, company.admin.username)
    page.goto(f"{base}/announcements/")
    page.get_by_test_id("new-announcement").click()
    shoot("announcement-form", both=True)
    page.locator("#id_title").fill("四季度回款冲刺")
    page.get_by_test_id("rich-text-body_html").click()
    page.keyboard.type("请各位在月底前完成回款计划。")
    page.locator("#id_audience").select_option("teams")
    page.get_by_label("East", exact=True).check()
    page.locator("#id_pinned").check()
    page.locator("[data-testid=announcement-form] button[type=submit]").click()
    expect(page.get_by_test_id("unread-by")).to_contain_text("Rep_East")

    # A rep of East sees it pinned and unread on the dashboard, opens it.
    sign_in(page, base, company.rep_east.username)
    panel = page.get_by_test_id("announcements-panel")
    expect(panel).to_contain_text("四季度回款冲刺")
    expect(panel.get_by_test_id("unread-count")).to_be_visible()
    shoot("dashboard", both=True)
    panel.get_by_text("四季度回款冲刺").click()
    expect(page.get_by_test_id("announcement-body")).to_contain_text("回款计划")

    # The admin now sees the rep among the readers, not among those who have not read it.
    sign_in(page, base, company.admin.username)
    page.goto(f"{base}/announcements/")
    page.get_by_test_id("announcement-row").first.get_by_role("link").click()
    expect(page.get_by_test_id("read-by")).to_contain_text("Rep_East")
    expect(page.get_by_test_id("unread-by")).not_to_contain_text("Rep_East")
    expect(page.get_by_test_id("unread-by")).to_contain_text("Mgr_East")
    shoot("announcement-readers", both=True)
