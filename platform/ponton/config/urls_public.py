"""URLs of the platform domain: landing page, signup wizard, console, customer space, outbox."""

from django.conf import settings
from django.urls import include, path, re_path

from ponton.web import files
from ponton.web import views as web_views

urlpatterns = [
    path("", web_views.platform_home, name="platform_home"),
    path("", include("ponton.accounts.urls")),
    path("inscription/", include("tenants.urls_signup")),
    path("console/", include("tenants.urls_console")),
    path("compte/", include("ponton.shop.urls_platform")),
    path("outbox/", web_views.outbox, name="outbox"),
]

if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", files.media)]

handler400 = "ponton.web.errors.bad_request"
handler403 = "ponton.web.errors.forbidden"
handler404 = "ponton.web.errors.not_found"
handler500 = "ponton.web.errors.server_error"
