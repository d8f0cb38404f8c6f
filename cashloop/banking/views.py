"""Pages of bank statements: bank accounts, statement upload and preview, import history,
statement lines, and import profiles (the column mapping of CSV and Excel exports).

Every write calls a service, every read a selector.  The upload posts through HTMX so
the page shows a progress bar while a large file travels and is read; the preview that
follows is its own page, reachable again from the import history until it is imported
or discarded.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cashloop.banking import selectors, services
from cashloop.banking.choices import ImportStatus
from cashloop.banking.forms import (
    BankAccountForm,
    CopyForm,
    LineFilterForm,
    ProfileForm,
    UploadForm,
)
from cashloop.banking.models import BankAccount, ImportProfile, StatementImport, StatementLine
from cashloop.core.errors import DomainError
from cashloop.core.scoping import may
from cashloop.web.forms import form_add_domain_error
from cashloop.web.pages import need, page_error, refuse_or_show

PAGE_SIZE = 50


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    """A redirect an HTMX request follows as a whole page."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --- bank accounts ---------------------------------------------------------------------


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", BankAccount)
    accounts = selectors.bank_account_list(user=request.user)
    return render(
        request,
        "banking/account_list.html",
        {"accounts": accounts, "can_add": may(request.user, "add", BankAccount)},
    )


@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", BankAccount)
    form = BankAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Bank account added."))
            return redirect("banking:accounts")
    return render(request, "banking/account_form.html", {"form": form})


@login_required
def account_edit(request: HttpRequest, bank_account_id: int) -> HttpResponse:
    need(request.user, "change", BankAccount)
    try:
        account = selectors.bank_account_get(user=request.user, bank_account_id=bank_account_id)
    except DomainError as exc:
        page_error(exc)
    form = BankAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.bank_account_update(
                actor=request.user, bank_account_id=account.pk, changes=form.service_data()
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Bank account saved."))
            return redirect("banking:accounts")
    return render(request, "banking/account_form.html", {"form": form, "account": account})


# --- statement imports -----------------------------------------------------------------


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", StatementImport)
    accounts = selectors.bank_account_list(user=request.user, active=True)
    initial = {}
    if account_id := request.GET.get("account"):
        initial["bank_account"] = accounts.filter(pk=account_id).first()
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        accounts=accounts,
        profiles=selectors.import_profile_list(user=request.user),
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        profile = form.cleaned_data["profile"]
        try:
            statement_import = services.statement_import_preview(
                actor=request.user,
                bank_account_id=form.cleaned_data["bank_account"].pk,
                file_name=upload.name,
                data=upload.read(services.MAX_FILE_BYTES + 1),
                profile_id=profile.pk if profile else None,
                encoding=form.cleaned_data["encoding"] or None,
            )
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            return _redirect(request, reverse("banking:import_detail", args=[statement_import.pk]))
    template = "banking/_upload_form.html" if request.htmx else "banking/import_upload.html"
    return render(request, template, {"form": form})


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", StatementImport)
    imports = selectors.statement_import_list(user=request.user)
    page = Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "banking/import_list.html",
        {"page": page, "can_add": may(request.user, "add", StatementImport)},
    )


@login_required
def import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    try:
        statement_import = selectors.statement_import_get(user=request.user, import_id=import_id)
    except DomainError as exc:
        page_error(exc)
    preview = None
    if statement_import.status == ImportStatus.PREVIEW:
        preview = selectors.statement_import_preview_lines(statement_import=statement_import)
    lines = None
    if statement_import.status == ImportStatus.IMPORTED:
        lines = selectors.statement_line_list(user=request.user, import_id=statement_import.pk)[
            :200
        ]
    return render(
        request,
        "banking/import_detail.html",
        {
            "imp": statement_import,
            "preview": preview,
            "lines": lines,
            "can_commit": may(request.user, "add", StatementImport),
        },
    )


@login_required
@require_POST
def import_commit(request: HttpRequest, import_id: int) -> HttpResponse:
    valid_only = request.POST.get("valid_only") == "1"
    try:
        done = services.statement_import_commit(
            actor=request.user, import_id=import_id, valid_only=valid_only
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
    else:
        messages.success(
            request,
            _("%(imported)s lines imported, %(duplicates)s duplicates skipped.")
            % {"imported": done.imported, "duplicates": done.duplicates},
        )
    return redirect("banking:import_detail", import_id=import_id)


@login_required
@require_POST
def import_discard(request: HttpRequest, import_id: int) -> HttpResponse:
    try:
        services.statement_import_discard(actor=request.user, import_id=import_id)
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect("banking:import_detail", import_id=import_id)
    messages.success(request, _("The preview was discarded; nothing was imported."))
    return redirect("banking:imports")


# --- statement lines -------------------------------------------------------------------


@login_required
def statement_lines(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", StatementLine)
    accounts = selectors.bank_account_list(user=request.user)
    form = LineFilterForm(request.GET or None, accounts=accounts)
    filters = form.filters()
    rows = selectors.statement_line_list(user=request.user, **filters)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "can_import": may(request.user, "add", StatementImport),
    }
    template = "banking/_line_rows.html" if request.htmx else "banking/line_list.html"
    return render(request, template, context)


# --- import profiles -------------------------------------------------------------------


@login_required
def profile_list(request: HttpRequest) -> HttpResponse:
    need(request.user, "view", ImportProfile)
    return render(
        request,
        "banking/profile_list.html",
        {
            "profiles": selectors.import_profile_list(user=request.user),
            "can_add": may(request.user, "add", ImportProfile),
        },
    )


@login_required
def profile_create(request: HttpRequest) -> HttpResponse:
    need(request.user, "add", ImportProfile)
    form = ProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.import_profile_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Import profile saved."))
            return redirect("banking:profile_edit", profile_id=profile.pk)
    return render(request, "banking/profile_form.html", {"form": form})


@login_required
def profile_edit(request: HttpRequest, profile_id: int) -> HttpResponse:
    try:
        profile = selectors.import_profile_get(user=request.user, profile_id=profile_id)
    except DomainError as exc:
        page_error(exc)
    editable = not profile.builtin and may(request.user, "change", ImportProfile)
    form = ProfileForm(request.POST or None, instance=profile)
    form.fields["code"].disabled = True  # other records may name it; it stays
    if not editable:
        for field in form.fields.values():
            field.disabled = True
    if request.method == "POST" and editable and form.is_valid():
        data = form.service_data()
        data.pop("code")
        try:
            services.import_profile_update(actor=request.user, profile_id=profile.pk, changes=data)
        except DomainError as exc:
            refuse_or_show(exc)
            form_add_domain_error(form, exc)
        else:
            messages.success(request, _("Import profile saved."))
            return redirect("banking:profile_edit", profile_id=profile.pk)
    copy_form = CopyForm(initial={"code": f"{profile.code}-copy", "name": f"{profile.name} *"})
    return render(
        request,
        "banking/profile_form.html",
        {
            "form": form,
            "profile": profile,
            "editable": editable,
            "copy_form": copy_form,
            "can_copy": may(request.user, "add", ImportProfile),
        },
    )


@login_required
@require_POST
def profile_copy(request: HttpRequest, profile_id: int) -> HttpResponse:
    need(request.user, "add", ImportProfile)
    form = CopyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the copy a code (letters, digits, dashes) and a name."))
        return redirect("banking:profile_edit", profile_id=profile_id)
    try:
        copy = services.import_profile_copy(
            actor=request.user, profile_id=profile_id, **form.cleaned_data
        )
    except DomainError as exc:
        refuse_or_show(exc)
        messages.error(request, f"{exc.message} ({exc.code.code})")
        return redirect("banking:profile_edit", profile_id=profile_id)
    messages.success(request, _("Copied; change the copy to fit your bank's export."))
    return redirect("banking:profile_edit", profile_id=copy.pk)
