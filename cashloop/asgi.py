"""ASGI entry point, for servers that prefer it; Cashloop itself is served over WSGI."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cashloop.settings")
application = get_asgi_application()
