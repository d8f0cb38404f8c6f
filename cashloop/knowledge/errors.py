"""Error codes of knowledge: documents, folders, files, links and announcements."""

from django.utils.translation import gettext_lazy as _

from cashloop.core.errors import ErrorCode


class DocumentError(ErrorCode):
    NOT_FOUND = ("document.not_found", 404, _("No such document, or it is not yours to see."))
    VERSION_NOT_FOUND = ("document.version_not_found", 404, _("No such version."))
    FOLDER_NOT_FOUND = ("folder.not_found", 404, _("No such folder, or it is not yours to see."))
    FOLDER_CYCLE = (
        "folder.cycle",
        422,
        _("A folder cannot be moved into itself or into one of its own sub-folders."),
    )
    FOLDER_NAME_TAKEN = (
        "folder.name_taken",
        409,
        _("This folder already has a sub-folder named {name}."),
    )
    FOLDER_NOT_EMPTY = (
        "folder.not_empty",
        409,
        _("This folder still holds documents or sub-folders; move or delete them first."),
    )
    FILE_EMPTY = ("document.file_empty", 422, _("The file is empty."))
    FILE_TOO_LARGE = (
        "document.file_too_large",
        422,
        _("The file is larger than the {limit} allowed."),
    )
    FILE_TYPE_FORBIDDEN = (
        "document.file_type_forbidden",
        422,
        _("Only PDF, Word, Excel, PowerPoint and PNG, JPEG or WebP images may be uploaded."),
    )
    NOT_A_FILE = ("document.not_a_file", 409, _("A rich-text page has no file to replace."))
    NOT_A_PAGE = ("document.not_a_page", 409, _("An uploaded file has no text to edit."))
    UNKNOWN_TEAM = ("document.unknown_team", 422, _("Unknown team: {team_id}."))
    UNKNOWN_ROLE = ("document.unknown_role", 422, _("Unknown role: {role_id}."))
    LISTED_NOBODY = (
        "document.listed_nobody",
        422,
        _("List at least one team or role, or let everyone who may see the folder see it."),
    )
    LINK_TARGET = (
        "document.link_target",
        422,
        _("Link a document to exactly one customer or opportunity."),
    )
    LINK_TARGET_NOT_FOUND = (
        "document.link_target_not_found",
        404,
        _("No such customer or opportunity, or you may not change it."),
    )
    ALREADY_LINKED = ("document.already_linked", 409, _("The document is already linked here."))
    LINK_NOT_FOUND = ("document.link_not_found", 404, _("No such link."))


class AnnouncementError(ErrorCode):
    NOT_FOUND = (
        "announcement.not_found",
        404,
        _("No such announcement, or it is not meant for you."),
    )
    UNKNOWN_TEAM = ("announcement.unknown_team", 422, _("Unknown team: {team_id}."))
    NO_TEAMS = (
        "announcement.no_teams",
        422,
        _("Choose at least one team, or publish to everyone."),
    )
