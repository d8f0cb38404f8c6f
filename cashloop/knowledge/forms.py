"""Page forms of knowledge: folders, pages, uploads, links and announcements."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cashloop.identity.models import Role, Team
from cashloop.knowledge.choices import Access, Audience
from cashloop.web.widgets import RichTextWidget


class _AccessFields(forms.Form):
    """Who may see a folder or document; the lists count only for `Access.LISTED`."""

    access = forms.ChoiceField(label=_("Who may see it"), choices=Access.choices)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of these teams and of the teams below them."),
    )
    roles = forms.ModelMultipleChoiceField(
        label=_("Roles"),
        queryset=Role.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, folders: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.order_by("name")
        self.fields["roles"].queryset = Role.objects.order_by("code")
        if "folder" in self.fields:
            self.fields["folder"].choices = [("", _("(top level)"))] + [
                (node.folder.pk, "\u2003" * node.depth + node.folder.name) for node in folders or []
            ]

    def access_data(self) -> dict[str, Any]:
        return {
            "access": self.cleaned_data["access"],
            "team_ids": [t.pk for t in self.cleaned_data["teams"]],
            "role_ids": [r.pk for r in self.cleaned_data["roles"]],
        }

    def folder_id(self, name: str = "folder") -> int | None:
        value = self.cleaned_data.get(name)
        return int(value) if value else None


class FolderForm(_AccessFields):
    name = forms.CharField(label=_("Name"), max_length=200)
    folder = forms.TypedChoiceField(label=_("Inside"), required=False, coerce=str)
    field_order = ["name", "folder", "access", "teams", "roles"]

    def service_data(self) -> dict[str, Any]:
        return {
            "name": self.cleaned_data["name"],
            "parent_id": self.folder_id(),
            **self.access_data(),
        }


class _DocumentFields(_AccessFields):
    title = forms.CharField(label=_("Title"), max_length=200)
    folder = forms.TypedChoiceField(label=_("Folder"), required=False, coerce=str)
    tags = forms.CharField(
        label=_("Tags"), required=False, max_length=1000, help_text=_("Separated by commas.")
    )

    def document_data(self) -> dict[str, Any]:
        return {
            "title": self.cleaned_data["title"],
            "folder_id": self.folder_id(),
            "tags": [
                t for t in self.cleaned_data["tags"].replace("，", ",").split(",") if t.strip()
            ],
            **self.access_data(),
        }


class PageForm(_DocumentFields):
    body_html = forms.CharField(
        label=_("Text"),
        required=False,
        widget=RichTextWidget(),
    )
    field_order = ["title", "folder", "body_html", "tags", "access", "teams", "roles"]


class UploadForm(_DocumentFields):
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, Word, Excel, PowerPoint, PNG, JPEG or WebP."),
    )
    field_order = ["title", "folder", "file", "tags", "access", "teams", "roles"]


class VersionForm(forms.Form):
    file = forms.FileField(label=_("New version"))


class AnnouncementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    body_html = forms.CharField(
        label=_("Text"),
        required=False,
        widget=RichTextWidget(),
    )
    audience = forms.ChoiceField(label=_("Audience"), choices=Audience.choices)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pinned = forms.BooleanField(label=_("Pin to the top"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["teams"].queryset = Team.objects.order_by("name")

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body_html": data["body_html"],
            "audience": data["audience"],
            "team_ids": [t.pk for t in data["teams"]],
            "pinned": data["pinned"],
        }
