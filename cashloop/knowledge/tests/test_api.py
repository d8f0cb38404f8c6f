"""Knowledge API: uploads as multipart, guarded downloads, search, links, announcements;
every bad input answers with its status and code and changes nothing."""

from cashloop.knowledge import services
from cashloop.knowledge.choices import Access
from cashloop.knowledge.models import Announcement, Document, DocumentLink, Folder
from cashloop.knowledge.tests.conftest import EXE_BYTES, PDF_BYTES, exe_as_pdf, pdf
from tests.factories import CustomerFactory


def post(client, path, payload):
    return client.post(path, payload, content_type="application/json")


def error_code(response):
    return response.json()["error"]["code"]


def test_manager_journey_folder_upload_page_search_link(client, company):
    client.force_login(company.manager_east)
    folder = post(
        client,
        "/api/v1/documents/folders",
        {"name": "合同资料", "access": "listed", "team_ids": [company.east.pk]},
    )
    assert folder.status_code == 201, folder.content
    folder_id = folder.json()["id"]
    uploaded = client.post(
        "/api/v1/documents/upload",
        {"title": "框架合同", "folder_id": folder_id, "tags": "合同,2026", "file": pdf()},
    )
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["file_name"] == "合同回款计划.pdf"
    assert sorted(uploaded.json()["tags"]) == ["2026", "合同"]
    page = post(
        client,
        "/api/v1/documents",
        {"title": "说明", "folder_id": folder_id, "body_html": "<p>合同回款计划说明</p>"},
    )
    assert page.status_code == 201
    found = client.get("/api/v1/documents", {"q": "回款计划"}).json()["items"]
    assert {d["title"] for d in found} == {"说明", "框架合同"}  # the file by its name
    customer = CustomerFactory(owner=company.rep_east)
    link = post(
        client, f"/api/v1/documents/{page.json()['id']}/links", {"customer_id": customer.pk}
    )
    assert link.status_code == 201, link.content
    linked = client.get("/api/v1/documents", {"customer_id": customer.pk}).json()["items"]
    assert [d["title"] for d in linked] == ["说明"]
    versions = client.get(f"/api/v1/documents/{uploaded.json()['id']}/versions").json()
    download = client.get(versions[0]["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert "attachment" in download["Content-Disposition"]


def test_user_outside_the_team_can_neither_see_nor_download(client, company):
    folder = services.folder_create(
        actor=company.manager_east, name="东", access=Access.LISTED, team_ids=[company.east.pk]
    )
    document = services.document_create(
        actor=company.manager_east, title="内部", folder_id=folder.pk, upload=pdf()
    )
    client.force_login(company.rep_south)
    assert client.get("/api/v1/documents").json()["items"] == []
    assert client.get("/api/v1/documents", {"q": "内部"}).json()["items"] == []
    for path in (
        f"/api/v1/documents/{document.pk}",
        f"/api/v1/documents/{document.pk}/versions",
        f"/api/v1/documents/{document.pk}/versions/1/download",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert error_code(response) == "document.not_found"
    search = client.get("/api/v1/search", {"q": "内部"}).json()
    assert all(group["key"] != "documents" for group in search)


def test_bad_uploads_answer_with_codes_and_store_nothing(client, company, settings):
    client.force_login(company.manager_east)
    settings.CASHLOOP_UPLOAD_MAX_BYTES = 1024
    cases = [
        (exe_as_pdf(), 422, "document.file_type_forbidden"),
        (pdf(data=b""), 422, "document.file_empty"),
        (pdf(data=b"%PDF-1.4\n" + b"0" * 4096), 422, "document.file_too_large"),
    ]
    for upload, status, code in cases:
        response = client.post("/api/v1/documents/upload", {"title": "坏文件", "file": upload})
        assert response.status_code == status, response.content
        assert error_code(response) == code
    assert not Document.objects.exists()


def test_new_version_of_a_file_refuses_an_executable(client, company):
    document = services.document_create(actor=company.manager_east, title="合同", upload=pdf())
    client.force_login(company.manager_east)
    response = client.post(
        f"/api/v1/documents/{document.pk}/versions",
        {"file": exe_as_pdf()},
    )
    assert response.status_code == 422
    assert error_code(response) == "document.file_type_forbidden"
    assert document.versions.count() == 1
    ok = client.post(f"/api/v1/documents/{document.pk}/versions", {"file": pdf("v2.pdf")})
    assert ok.status_code == 201
    assert ok.json()["number"] == 2


def test_folder_cycle_and_hidden_folder_are_refused(client, company):
    client.force_login(company.admin)
    top = post(client, "/api/v1/documents/folders", {"name": "上"}).json()
    child = post(client, "/api/v1/documents/folders", {"name": "下", "parent_id": top["id"]}).json()
    response = client.patch(
        f"/api/v1/documents/folders/{top['id']}",
        {"parent_id": child["id"]},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert error_code(response) == "folder.cycle"
    assert Folder.objects.get(pk=top["id"]).parent_id is None
    hidden = services.folder_create(
        actor=company.admin, name="南区", access=Access.LISTED, team_ids=[company.south.pk]
    )
    client.force_login(company.manager_east)
    response = post(client, "/api/v1/documents", {"title": "x", "folder_id": hidden.pk})
    assert response.status_code == 404
    assert error_code(response) == "folder.not_found"
    response = client.post(
        "/api/v1/documents/upload", {"title": "x", "folder_id": hidden.pk, "file": pdf()}
    )
    assert error_code(response) == "folder.not_found"
    assert not Document.objects.exists()


def test_script_is_stripped_from_pages_and_unknown_fields_refused(client, company):
    client.force_login(company.manager_east)
    response = post(
        client, "/api/v1/documents", {"title": "x", "body_html": "<b>粗</b><script>x()</script>"}
    )
    assert response.status_code == 201
    assert response.json()["body_html"] == "<b>粗</b>"
    response = post(client, "/api/v1/documents", {"title": "y", "owner_id": 1})
    assert response.status_code == 422
    assert error_code(response) == "request.invalid"


def test_viewer_may_read_but_not_write(client, company):
    client.force_login(company.viewer)
    assert client.get("/api/v1/documents").status_code == 200
    response = post(client, "/api/v1/documents", {"title": "x"})
    assert response.status_code == 403
    assert error_code(response) == "permission.denied"
    assert not Document.objects.exists()


def test_link_bad_input(client, company):
    document = services.document_create(actor=company.manager_east, title="文档")
    client.force_login(company.manager_east)
    path = f"/api/v1/documents/{document.pk}/links"
    assert error_code(post(client, path, {})) == "document.link_target"
    other = CustomerFactory(owner=company.rep_south)
    response = post(client, path, {"customer_id": other.pk})
    assert response.status_code == 404
    assert error_code(response) == "document.link_target_not_found"
    assert not DocumentLink.objects.exists()


def test_announcements_publish_read_and_unread_list(client, company):
    client.force_login(company.admin)
    response = post(
        client,
        "/api/v1/announcements",
        {"title": "公告", "audience": "teams", "team_ids": [company.south.pk], "pinned": True},
    )
    assert response.status_code == 201, response.content
    note_id = response.json()["id"]
    bad = post(
        client, "/api/v1/announcements", {"title": "x", "audience": "teams", "team_ids": [9999]}
    )
    assert bad.status_code == 422
    assert error_code(bad) == "announcement.unknown_team"
    assert Announcement.objects.count() == 1
    client.force_login(company.rep_south)
    assert client.get("/api/v1/announcements/unread-count").json() == {"unread": 1}
    items = client.get("/api/v1/announcements").json()["items"]
    assert [(a["title"], a["is_read"]) for a in items] == [("公告", False)]
    assert client.post(f"/api/v1/announcements/{note_id}/read").json()["is_read"] is True
    assert client.get("/api/v1/announcements/unread-count").json() == {"unread": 0}
    forbidden = client.get(f"/api/v1/announcements/{note_id}/unread")
    assert forbidden.status_code == 403
    client.force_login(company.rep_east)
    assert client.get(f"/api/v1/announcements/{note_id}").status_code == 404
    client.force_login(company.admin)
    assert client.get(f"/api/v1/announcements/{note_id}/unread").json() == []


def test_exe_bytes_are_really_an_executable():
    import filetype

    assert filetype.guess(EXE_BYTES).mime == "application/x-msdownload"


def test_delete_removes_versions_links_and_files_after_commit(
    client, company, settings, django_capture_on_commit_callbacks
):
    document = services.document_create(actor=company.manager_east, title="合同", upload=pdf())
    customer = CustomerFactory(owner=company.rep_east)
    services.document_link(
        actor=company.manager_east, document_id=document.pk, customer_id=customer.pk
    )
    stored = settings.MEDIA_ROOT / document.current_version.file.name
    assert stored.exists()
    client.force_login(company.rep_east)  # not the owner, and a rep has no delete grant
    assert client.delete(f"/api/v1/documents/{document.pk}").status_code == 403
    client.force_login(company.manager_east)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.delete(f"/api/v1/documents/{document.pk}").status_code == 204
    assert not Document.objects.exists()
    assert not DocumentLink.objects.exists()
    assert not stored.exists()


def test_announcement_is_corrected_and_withdrawn_by_its_publisher_only(client, company):
    note = services.announcement_publish(
        actor=company.admin, title="放假通知", body_html="<p>初稿</p>"
    )
    services.announcement_read(actor=company.rep_east, announcement_id=note.pk)
    url = f"/api/v1/announcements/{note.pk}"
    client.force_login(company.rep_east)
    denied = client.put(url, {"title": "改"}, content_type="application/json")
    assert denied.status_code == 403
    assert client.delete(url).status_code == 403
    client.force_login(company.admin)
    bad = client.put(
        url, {"title": "x", "audience": "teams", "team_ids": []}, content_type="application/json"
    )
    assert bad.status_code == 422 and error_code(bad) == "announcement.no_teams"
    note.refresh_from_db()
    assert note.title == "放假通知" and note.audience == "all"
    fixed = client.put(
        url,
        {
            "title": "放假通知（更正）",
            "body_html": "<p>定稿</p><script>x()</script>",
            "pinned": True,
        },
        content_type="application/json",
    )
    assert fixed.status_code == 200, fixed.content
    assert fixed.json()["title"] == "放假通知（更正）" and fixed.json()["pinned"] is True
    note.refresh_from_db()
    assert "script" not in note.body_html and note.reads.count() == 1  # receipts stay
    assert client.delete(url).status_code == 204
    assert not Announcement.objects.exists()
    assert client.delete(url).status_code == 404
