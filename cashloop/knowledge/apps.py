"""App config for knowledge: documents (folders, versions, search, links) and announcements."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "cashloop.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge")

    def ready(self) -> None:
        from cashloop.knowledge.search_providers import document_hits
        from cashloop.web.search import register

        register("documents", _("Documents"), document_hits, order=60)
