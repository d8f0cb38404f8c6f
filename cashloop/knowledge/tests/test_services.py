"""Knowledge services: folders and access, versions, files, search, links, announcements."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cashloop.core.errors import DomainError
from cashloop.core.models import AuditEntry
from cashloop.identity.models import Role
from cashloop.knowledge import selectors, services
from cashloop.knowledge.choices import Access, Audience
from cashloop.knowledge.errors import AnnouncementError, DocumentError
from cashloop.knowledge.models import (
    Announcement,
    AnnouncementRead,
    Document,
    DocumentLink,
    DocumentVersion,
    Folder,
)
from cashloop.knowledge.search import index_terms, query_terms
from cashloop.knowledge.tests.conftest import exe_as_pdf, pdf, png
from tests.factories import CustomerFactory


def visible(user):
    return set(selectors.document_list(user=user).values_list("title", flat=True))


def test_chinese_is_cut_into_characters_and_bigrams():
    assert index_terms("回款计划 Q3") == ["回", "款", "计", "划", "回款", "款计", "计划", "q3"]
    assert query_terms("回款计划") == ["回款", "款计", "计划"]
    assert query_terms("款") == ["款"]


def test_chinese_word_finds_page_containing_it(company):
    # given a page whose text holds the phrase inside a longer one
    services.document_create(
        actor=company.manager_east, title="说明", body_html="<p>合同回款计划说明</p>"
    )
    services.document_create(actor=company.manager_east, title="其他", body_html="<p>回款</p>")
    # when / then: all bigrams of the query must be there
    found = selectors.document_list(user=company.manager_east, q="回款计划")
    assert [d.title for d in found] == ["说明"]
    assert {d.title for d in selectors.document_list(user=company.manager_east, q="回款")} == {
        "说明",
        "其他",
    }
    assert not selectors.document_list(user=company.manager_east, q="发票").exists()


def test_latin_words_match_as_prefixes_and_ignore_case(company):
    services.document_create(actor=company.admin, title="Payment Terms Policy", body_html="")
    assert selectors.document_list(user=company.admin, q="payment ter").count() == 1
    assert selectors.document_list(user=company.admin, q="refund").count() == 0


def test_script_tags_are_stripped_not_refused(company):
    document = services.document_create(
        actor=company.admin,
        title="x",
        body_html='<p onclick="steal()">正文<script>alert(1)</script></p>'
        '<a href="javascript:x">l</a>',
    )
    body = document.current_version.body_html
    assert "script" not in body
    assert "alert" not in body
    assert "onclick" not in body
    assert "javascript" not in body
    assert "正文" in body


def test_new_text_makes_new_version_and_old_one_stays(company):
    document = services.document_create(actor=company.admin, title="制度", body_html="<p>一</p>")
    services.document_update(
        actor=company.admin, document_id=document.pk, changes={"body_html": "<p>二</p>"}
    )
    # the same text again is not a new version
    services.document_update(
        actor=company.admin, document_id=document.pk, changes={"body_html": "<p>二</p>"}
    )
    document.refresh_from_db()
    versions = list(document.versions.order_by("number").values_list("number", "body_html"))
    assert versions == [(1, "<p>一</p>"), (2, "<p>二</p>")]
    assert document.current_version.number == 2
    assert selectors.document_list(user=company.admin, q="二").count() == 1
    assert selectors.document_list(user=company.admin, q="一").count() == 0


def test_upload_checks_content_and_keeps_versions(company):
    document = services.document_create(actor=company.manager_east, title="合同", upload=pdf())
    assert document.kind == "file"
    version = document.current_version
    assert version.content_type == "application/pdf"
    assert version.file.read().startswith(b"%PDF")
    services.document_version_upload(
        actor=company.manager_east, document_id=document.pk, upload=pdf("v2.pdf")
    )
    assert list(document.versions.values_list("number", flat=True)) == [2, 1]
    assert selectors.version_get(user=company.manager_east, document_id=document.pk, number=1).file


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (exe_as_pdf(), DocumentError.FILE_TYPE_FORBIDDEN),
        (SimpleUploadedFile("a.pdf", b""), DocumentError.FILE_EMPTY),
        (png("看起来是.pdf"), DocumentError.FILE_TYPE_FORBIDDEN),
        (SimpleUploadedFile("notes.txt", b"plain text"), DocumentError.FILE_TYPE_FORBIDDEN),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(company, settings, upload, code):
    with pytest.raises(DomainError) as refused:
        services.document_create(actor=company.manager_east, title="坏", upload=upload)
    assert refused.value.code is code
    assert not Document.objects.exists()
    assert not DocumentVersion.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_file_over_the_limit_is_refused(company, settings):
    settings.CASHLOOP_UPLOAD_MAX_BYTES = 1024
    big = pdf(data=b"%PDF-1.4\n" + b"0" * 2000)
    with pytest.raises(DomainError) as refused:
        services.document_create(actor=company.manager_east, title="大", upload=big)
    assert refused.value.code is DocumentError.FILE_TOO_LARGE
    assert not Document.objects.exists()


def test_listed_folder_hides_its_documents_from_other_teams(company):
    # given a folder for East only, with a document in it, and one at the top level
    folder = services.folder_create(
        actor=company.manager_east, name="华东", access=Access.LISTED, team_ids=[company.east.pk]
    )
    services.document_create(actor=company.manager_east, title="东区", folder_id=folder.pk)
    services.document_create(actor=company.manager_east, title="公开")
    # then East (and its sub-team) see both, South only the open one; admin all
    assert visible(company.rep_east) == {"东区", "公开"}
    assert visible(company.rep_east_sub) == {"东区", "公开"}
    assert visible(company.rep_south) == {"公开"}
    assert visible(company.finance) == {"公开"}
    assert visible(company.admin) == {"东区", "公开"}
    with pytest.raises(DomainError) as refused:
        selectors.folder_get(user=company.rep_south, folder_id=folder.pk)
    assert refused.value.code is DocumentError.FOLDER_NOT_FOUND


def test_inheriting_subfolder_stays_hidden_and_document_can_narrow_further(company):
    east = services.folder_create(
        actor=company.admin, name="东", access=Access.LISTED, team_ids=[company.east.pk]
    )
    inner = services.folder_create(actor=company.admin, name="内", parent_id=east.pk)
    services.document_create(actor=company.admin, title="继承", folder_id=inner.pk)
    managers_only = Role.objects.get(code="sales_manager").pk
    services.document_create(
        actor=company.admin,
        title="经理",
        folder_id=inner.pk,
        access=Access.LISTED,
        role_ids=[managers_only],
    )
    assert visible(company.rep_south) == set()
    assert visible(company.rep_east) == {"继承"}
    assert visible(company.manager_east) == {"继承", "经理"}


def test_document_cannot_go_into_a_folder_the_user_cannot_see(company):
    hidden = services.folder_create(
        actor=company.admin, name="南", access=Access.LISTED, team_ids=[company.south.pk]
    )
    with pytest.raises(DomainError) as refused:
        services.document_create(actor=company.manager_east, title="x", folder_id=hidden.pk)
    assert refused.value.code is DocumentError.FOLDER_NOT_FOUND
    assert not Document.objects.exists()


def test_folder_cannot_move_under_its_own_child(company):
    top = services.folder_create(actor=company.admin, name="A")
    child = services.folder_create(actor=company.admin, name="B", parent_id=top.pk)
    grandchild = services.folder_create(actor=company.admin, name="C", parent_id=child.pk)
    for target in (top, grandchild):
        with pytest.raises(DomainError) as refused:
            services.folder_update(
                actor=company.admin, folder_id=top.pk, changes={"parent_id": target.pk}
            )
        assert refused.value.code is DocumentError.FOLDER_CYCLE
    top.refresh_from_db()
    assert top.parent_id is None
    assert AuditEntry.objects.filter(object_id=str(top.pk), action="update").count() == 0


def test_listing_nobody_and_unknown_teams_are_refused(company):
    with pytest.raises(DomainError) as refused:
        services.folder_create(actor=company.admin, name="空", access=Access.LISTED)
    assert refused.value.code is DocumentError.LISTED_NOBODY
    with pytest.raises(DomainError) as refused:
        services.folder_create(
            actor=company.admin, name="空", access=Access.LISTED, team_ids=[99999]
        )
    assert refused.value.code is DocumentError.UNKNOWN_TEAM
    assert not Folder.objects.exists()


def test_rep_may_not_create_folders_and_only_changes_own_documents(company):
    with pytest.raises(DomainError):
        services.folder_create(actor=company.rep_east, name="x")
    mine = services.document_create(actor=company.rep_east, title="我的")
    theirs = services.document_create(actor=company.manager_east, title="经理的")
    services.document_update(actor=company.rep_east, document_id=mine.pk, changes={"title": "改"})
    with pytest.raises(DomainError) as refused:
        services.document_update(
            actor=company.rep_east, document_id=theirs.pk, changes={"title": "改"}
        )
    assert refused.value.code is DocumentError.NOT_FOUND
    theirs.refresh_from_db()
    assert theirs.title == "经理的"


def test_link_to_customer_lists_only_visible_documents(company):
    customer = CustomerFactory(owner=company.rep_east)
    folder = services.folder_create(
        actor=company.admin, name="秘", access=Access.LISTED, team_ids=[company.south.pk]
    )
    secret = services.document_create(actor=company.admin, title="秘密", folder_id=folder.pk)
    shared = services.document_create(actor=company.admin, title="共享")
    services.document_link(actor=company.admin, document_id=secret.pk, customer_id=customer.pk)
    services.document_link(actor=company.rep_east, document_id=shared.pk, customer_id=customer.pk)
    titles = [
        link.document.title
        for link in selectors.link_list(user=company.rep_east, customer_id=customer.pk)
    ]
    assert titles == ["共享"]
    with pytest.raises(DomainError) as refused:
        services.document_link(
            actor=company.rep_east, document_id=shared.pk, customer_id=customer.pk
        )
    assert refused.value.code is DocumentError.ALREADY_LINKED
    # a rep cannot link to someone else's customer, nor a document they cannot see
    other = CustomerFactory(owner=company.rep_south)
    with pytest.raises(DomainError) as refused:
        services.document_link(actor=company.rep_east, document_id=shared.pk, customer_id=other.pk)
    assert refused.value.code is DocumentError.LINK_TARGET_NOT_FOUND
    with pytest.raises(DomainError) as refused:
        services.document_link(
            actor=company.rep_east, document_id=secret.pk, customer_id=customer.pk
        )
    assert refused.value.code is DocumentError.NOT_FOUND
    assert DocumentLink.objects.count() == 2


def test_announcement_to_team_reaches_its_subteams_and_tracks_readers(company):
    # given an announcement to East
    note = services.announcement_publish(
        actor=company.admin,
        title="季度回款",
        body_html="<p>请按时<script>x()</script>回款</p>",
        audience=Audience.TEAMS,
        team_ids=[company.east.pk],
        pinned=True,
    )
    assert "script" not in note.body_html
    # then East and its sub-team see it, South does not
    assert selectors.announcement_list(user=company.rep_east).count() == 1
    assert selectors.announcement_list(user=company.rep_east_sub).count() == 1
    assert selectors.announcement_list(user=company.rep_south).count() == 0
    with pytest.raises(DomainError) as refused:
        services.announcement_read(actor=company.rep_south, announcement_id=note.pk)
    assert refused.value.code is AnnouncementError.NOT_FOUND
    # when one of them opens it (twice)
    assert selectors.announcement_unread_count(user=company.rep_east) == 1
    services.announcement_read(actor=company.rep_east, announcement_id=note.pk)
    services.announcement_read(actor=company.rep_east, announcement_id=note.pk)
    assert AnnouncementRead.objects.filter(user=company.rep_east).count() == 1
    assert selectors.announcement_unread_count(user=company.rep_east) == 0
    # then the author sees who has not read it yet
    unread = selectors.announcement_unread_by(user=company.admin, announcement=note)
    assert {u.username for u in unread} == {"mgr_east", "rep_sub"}
    with pytest.raises(DomainError):
        selectors.announcement_unread_by(user=company.rep_east, announcement=note)


def test_announcement_to_unknown_team_or_no_team_is_refused(company):
    with pytest.raises(DomainError) as refused:
        services.announcement_publish(
            actor=company.admin, title="x", audience=Audience.TEAMS, team_ids=[424242]
        )
    assert refused.value.code is AnnouncementError.UNKNOWN_TEAM
    with pytest.raises(DomainError) as refused:
        services.announcement_publish(actor=company.admin, title="x", audience=Audience.TEAMS)
    assert refused.value.code is AnnouncementError.NO_TEAMS
    with pytest.raises(DomainError):
        services.announcement_publish(actor=company.manager_east, title="x")
    assert not Announcement.objects.exists()


@pytest.mark.postgres
def test_postgres_search_goes_through_the_gin_index(company):
    from django.db import connection

    services.document_create(actor=company.admin, title="说明", body_html="<p>合同回款计划</p>")
    found = selectors.document_list(user=company.admin, q="回款计划")
    assert [d.title for d in found] == ["说明"]
    with connection.cursor() as cursor:
        # A tiny table would be scanned, or walked by its primary key, whatever the
        # indexes: leave the planner only bitmap scans, and fresh statistics to pick one.
        cursor.execute("ANALYZE knowledge_document")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
    plan = found.explain()
    assert "knowledge_document_fts" in plan


def test_author_and_admin_outside_the_audience_leave_no_receipt_nor_unread(company):
    note = services.announcement_publish(
        actor=company.admin, title="南区", audience=Audience.TEAMS, team_ids=[company.south.pk]
    )
    assert services.announcement_read(actor=company.admin, announcement_id=note.pk) is None
    assert selectors.announcement_unread_count(user=company.admin) == 0
    assert selectors.announcement_list(user=company.admin).count() == 1  # still manageable
    assert selectors.announcement_unread_count(user=company.rep_south) == 1
    assert not AnnouncementRead.objects.exists()
