"""URLs of a structure's domain: MarketPlace at / (ponton.shop), Club Manager at /manager/,
customer space at /compte/, API at /api/v1/."""

from django.conf import settings
from django.urls import include, path, re_path

from ponton.config.modules_urls import module_urlpatterns
from ponton.shop.urls_space import module_customer_patterns
from ponton.web import files

urlpatterns = [
    path("", include("ponton.shop.urls")),
    path("", include("ponton.accounts.urls")),
    path("manager/", include("ponton.web.urls_manager")),
    path("manager/paiements/", include("ponton.payments.urls_manager")),
    path("compte/", include("ponton.shop.urls_space")),
    path("compte/", include(module_customer_patterns())),
    path("api/v1/", include("ponton.config.urls_api")),
    path("", include("ponton.payments.urls_public")),
    *module_urlpatterns(),
]

if settings.SERVE_MEDIA:
    urlpatterns += [re_path(r"^media/(?P<path>.*)$", files.media)]

handler400 = "ponton.web.errors.bad_request"
handler403 = "ponton.web.errors.forbidden"
handler404 = "ponton.web.errors.not_found"
handler500 = "ponton.web.errors.server_error"
