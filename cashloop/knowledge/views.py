"""Pages of knowledge: the document library, a document with its versions, the forms,
downloads (always through an access check), links from customers and opportunities, and
announcements with their read receipts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.core.errors import DomainError
from cashloop.core.scoping import may, may_on
from cashloop.knowledge import selectors, services
from cashloop.knowledge.choices import Access
from cashloop.knowledge.downloads import file_response
from cashloop.knowledge.errors import DocumentError
from cashloop.knowledge.forms import (
    AnnouncementForm,
    FolderForm,
    PageForm,
    UploadForm,
    VersionForm,
)
from cashloop.knowledge.models import Announcement, Document, Folder
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

PAGE_SIZE = 25


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    """The library: folder tree on the side, the folder's documents (or search hits)."""
    need(request.user, "view", Document)
    q = request.GET.get("q", "").strip()
    tag = request.GET.get("tag", "").strip()
    folder = None
    if (folder_id := _int(request.GET.get("folder"))) is not None:
        try:
            folder = selectors.folder_get(user=request.user, folder_id=folder_id)
        except DomainError as exc:
            page_error(exc)
    documents = selectors.document_list(
        user=request.user,
        q=q,
        tag=tag,
        # A search looks everywhere; browsing shows one folder (the top level by default).
        folder_id=folder.pk if folder else None,
    )
    if not q and not tag and folder is None:
        documents = documents.filter(folder__isnull=True)
    page = Paginator(documents, PAGE_SIZE).get_page(request.GET.get("page"))
    tree = selectors.folder_tree(user=request.user)
    parent_id = folder.pk if folder is not None else None
    context = {
        "page": page,
        "q": q,
        "tag": tag,
        "folder": folder,
        "path": selectors.folder_path(folder=folder),
        "tree": tree,
        "subfolders": [node.folder for node in tree if node.folder.parent_id == parent_id],
        "can_add": may(request.user, "add", Document),
        "can_add_folder": may(request.user, "add", Folder),
        "can_change_folder": folder is not None and may_on(request.user, "change", folder),
    }
    return render(request, "knowledge/document_list.html", context)


def _back_to_folder(folder_id: int | None) -> HttpResponse:
    if folder_id is None:
        return redirect("knowledge:document_list")
    return redirect(f"{_url('knowledge:document_list')}?folder={folder_id}")


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def _form_refusal(form: Any, exc: DomainError) -> None:
    refuse_or_show(exc)
    form_add_domain_error(form, exc)


@login_required
def folder_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Folder)
    tree = selectors.folder_tree(user=request.user)
    form = FolderForm(
        request.POST or None,
        folders=tree,
        initial={"folder": request.GET.get("parent", ""), "access": Access.INHERIT},
    )
    if request.method == "POST" and form.is_valid():
        try:
            folder = services.folder_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            _form_refusal(form, exc)
        else:
            messages.success(request, _("Folder %(name)s created.") % {"name": folder.name})
            return _back_to_folder(folder.pk)
    return render(request, "knowledge/folder_form.html", {"form": form, "folder": None})


@login_required
def folder_edit(request: HttpRequest, folder_id: int) -> HttpResponse:
    """Rename, move or restrict a folder; moving it under its own sub-folder is refused."""
    need(request.user, "change", Folder)
    try:
        folder = selectors.folder_get(user=request.user, folder_id=folder_id)
    except DomainError as exc:
        page_error(exc)
    initial = {
        "name": folder.name,
        "folder": folder.parent_id or "",
        "access": folder.access,
        "teams": list(folder.teams.all()),
        "roles": list(folder.roles.all()),
    }
    form = FolderForm(
        request.POST or None, folders=selectors.folder_tree(user=request.user), initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.folder_update(
                actor=request.user, folder_id=folder.pk, changes=form.service_data()
            )
        except DomainError as exc:
            _form_refusal(form, exc)
        else:
            messages.success(request, _("Folder saved."))
            return _back_to_folder(folder.pk)
    return render(request, "knowledge/folder_form.html", {"form": form, "folder": folder})


@login_required
def page_create(request: HttpRequest) -> HttpResponse:
    """Write a rich-text page (its HTML is sanitised on save)."""
    need(request.user, "add", Document)
    form = PageForm(
        request.POST or None,
        folders=selectors.folder_tree(user=request.user),
        initial={"folder": request.GET.get("folder", ""), "access": Access.INHERIT},
    )
    if request.method == "POST" and form.is_valid():
        try:
            document = services.document_create(
                actor=request.user,
                body_html=form.cleaned_data["body_html"],
                **form.document_data(),
            )
        except DomainError as exc:
            _form_refusal(form, exc)
        else:
            messages.success(request, _("Page %(title)s saved.") % {"title": document.title})
            return redirect("knowledge:document_detail", document_id=document.pk)
    return render(request, "knowledge/document_form.html", {"form": form, "document": None})


@login_required
def document_upload(request: HttpRequest) -> HttpResponse:
    """Upload a file as a new document; a refused file (type, size, empty) stores nothing."""
    need(request.user, "add", Document)
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        folders=selectors.folder_tree(user=request.user),
        initial={"folder": request.GET.get("folder", ""), "access": Access.INHERIT},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                document = services.document_create(
                    actor=request.user, upload=form.cleaned_data["file"], **form.document_data()
                )
            except DomainError as exc:
                _form_refusal(form, exc)
                status = exc.status
            else:
                messages.success(request, _("%(title)s uploaded.") % {"title": document.title})
                return redirect("knowledge:document_detail", document_id=document.pk)
        else:
            status = 422
    return render(
        request,
        "knowledge/document_form.html",
        {"form": form, "document": None, "upload": True},
        status=status,
    )


@login_required
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        document = selectors.document_get(user=request.user, document_id=document_id)
    except DomainError as exc:
        page_error(exc)
    return render(request, "knowledge/document_detail.html", _detail_context(request, document))


def _detail_context(
    request: HttpRequest, document: Document, version_form: VersionForm | None = None
) -> dict[str, Any]:
    return {
        "document": document,
        "version": document.current_version,
        "versions": selectors.version_list(document=document),
        "links": selectors.document_links(user=request.user, document=document),
        "path": selectors.folder_path(folder=document.folder),
        "can_change": selectors.document_can_change(user=request.user, document=document),
        "version_form": version_form or VersionForm(),
    }


@login_required
def document_edit(request: HttpRequest, document_id: int) -> HttpResponse:
    """Edit a document's details (and a page's text: saving new text makes a new version)."""
    try:
        document = selectors.document_get(user=request.user, document_id=document_id)
    except DomainError as exc:
        page_error(exc)
    if not selectors.document_can_change(user=request.user, document=document):
        need(request.user, "manage", Document)
    is_page = document.kind == "page"
    initial = {
        "title": document.title,
        "folder": document.folder_id or "",
        "tags": ", ".join(t.name for t in document.tags.all()),
        "access": document.access,
        "teams": list(document.teams.all()),
        "roles": list(document.roles.all()),
        "body_html": document.current_version.body_html if document.current_version else "",
    }
    form = PageForm(
        request.POST or None, folders=selectors.folder_tree(user=request.user), initial=initial
    )
    if not is_page:
        form.fields.pop("body_html")
    if request.method == "POST" and form.is_valid():
        changes = form.document_data()
        if is_page:
            changes["body_html"] = form.cleaned_data["body_html"]
        try:
            services.document_update(actor=request.user, document_id=document.pk, changes=changes)
        except DomainError as exc:
            _form_refusal(form, exc)
        else:
            messages.success(request, _("Document saved."))
            return redirect("knowledge:document_detail", document_id=document.pk)
    return render(request, "knowledge/document_form.html", {"form": form, "document": document})


@login_required
@require_POST
def version_upload(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        document = selectors.document_get(user=request.user, document_id=document_id)
    except DomainError as exc:
        page_error(exc)
    form = VersionForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_version_upload(
                actor=request.user, document_id=document.pk, upload=form.cleaned_data["file"]
            )
        except DomainError as exc:
            _form_refusal(form, exc)
            context = _detail_context(request, document, form)
            return render(request, "knowledge/document_detail.html", context, status=exc.status)
        messages.success(request, _("New version uploaded."))
        return redirect("knowledge:document_detail", document_id=document.pk)
    context = _detail_context(request, document, form)
    return render(request, "knowledge/document_detail.html", context, status=422)


@login_required
def document_download(
    request: HttpRequest, document_id: int, number: int | None = None
) -> HttpResponse:
    """The file of a version (the current one without a number), for those who may see it."""
    try:
        version = selectors.version_get(user=request.user, document_id=document_id, number=number)
    except DomainError as exc:
        page_error(exc)
    if not version.file:
        page_error(DomainError(DocumentError.VERSION_NOT_FOUND))
    return file_response(version)


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_POST
def link_create(request: HttpRequest) -> HttpResponse:
    """Link a document from the Documents panel of a customer's or opportunity's page."""
    customer_id = _int(request.POST.get("customer_id"))
    opportunity_id = _int(request.POST.get("opportunity_id"))
    contract_id = _int(request.POST.get("contract_id"))
    document_id = _int(request.POST.get("document"))
    try:
        services.document_link(
            actor=request.user,
            document_id=document_id or 0,
            customer_id=customer_id,
            opportunity_id=opportunity_id,
            contract_id=contract_id,
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Document linked."))
    return redirect(_next_url(request, _url("knowledge:document_list")) + "#documents")


@login_required
@require_POST
def link_delete(request: HttpRequest, link_id: int) -> HttpResponse:
    try:
        services.document_unlink(actor=request.user, link_id=link_id)
    except DomainError as exc:
        page_error(exc)
    messages.success(request, _("Link removed."))
    return redirect(_next_url(request, _url("knowledge:document_list")) + "#documents")


@login_required
def announcement_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", Announcement)
    page = Paginator(selectors.announcement_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "can_publish": may(request.user, "add", Announcement)}
    return render(request, "knowledge/announcement_list.html", context)


@login_required
def announcement_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", Announcement)
    return _announcement_form(request, None)


@login_required
def announcement_edit(request: HttpRequest, announcement_id: int) -> HttpResponse:
    need(request.user, "change", Announcement)
    try:
        announcement = selectors.announcement_get(
            user=request.user, announcement_id=announcement_id, action="change"
        )
    except DomainError as exc:
        page_error(exc)
    return _announcement_form(request, announcement)


def _announcement_form(request: HttpRequest, announcement: Announcement | None) -> HttpResponse:
    """Publish a new announcement, or correct one (the same form and checks)."""
    if announcement is None:
        initial: dict[str, Any] = {"audience": "all"}
    else:
        initial = {
            "title": announcement.title,
            "body_html": announcement.body_html,
            "audience": announcement.audience,
            "teams": list(announcement.teams.all()),
            "pinned": announcement.pinned,
        }
    form = AnnouncementForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                if announcement is None:
                    announcement = services.announcement_publish(
                        actor=request.user, **form.service_data()
                    )
                    messages.success(request, _("Announcement published."))
                else:
                    services.announcement_update(
                        actor=request.user, announcement_id=announcement.pk, **form.service_data()
                    )
                    messages.success(request, _("Announcement saved."))
            except DomainError as exc:
                _form_refusal(form, exc)
                status = exc.status
            else:
                return redirect("knowledge:announcement_detail", announcement_id=announcement.pk)
        else:
            status = 422
    context = {"form": form, "announcement": announcement}
    return render(request, "knowledge/announcement_form.html", context, status=status)


@login_required
@require_POST
def announcement_withdraw(request: HttpRequest, announcement_id: int) -> HttpResponse:
    try:
        services.announcement_withdraw(actor=request.user, announcement_id=announcement_id)
    except DomainError as exc:
        page_error(exc)
    messages.success(request, _("Announcement withdrawn."))
    return redirect("knowledge:announcement_list")


@login_required
def announcement_detail(request: HttpRequest, announcement_id: int) -> HttpResponse:
    """Opening an announcement records the read receipt; its author sees who has not read it."""
    try:
        services.announcement_read(actor=request.user, announcement_id=announcement_id)
        announcement = selectors.announcement_get(
            user=request.user, announcement_id=announcement_id
        )
    except DomainError as exc:
        page_error(exc)
    readers = selectors.announcement_can_see_readers(user=request.user, announcement=announcement)
    context: dict[str, Any] = {
        "announcement": announcement,
        "show_readers": readers,
        "can_change": may_on(request.user, "change", announcement),
        "can_withdraw": may_on(request.user, "delete", announcement),
    }
    if readers:
        context["unread_by"] = list(
            selectors.announcement_unread_by(user=request.user, announcement=announcement)
        )
        context["reads"] = list(selectors.announcement_reads(announcement=announcement))
    return render(request, "knowledge/announcement_detail.html", context)
