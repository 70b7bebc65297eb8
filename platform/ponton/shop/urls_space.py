"""The customer space on a structure's domain, under /compte/ (namespace "compte", MP-4), and the
modules' customer pages: `<app>/urls_customer.py` of each installed module, mounted under
/compte/ too by `module_customer_patterns()` (namespace "<label>_compte"), answering 404 when
the module is off."""

from __future__ import annotations

import importlib

from django.urls import include, path

from ponton.config.modules_urls import module_gate
from ponton.plugins.manager import all_modules
from ponton.shop import views_space


def module_customer_patterns() -> list:
    patterns = []
    for label, info in all_modules().items():
        name = f"{info.app_label}.urls_customer"
        try:
            urls = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        gated = [_gated(label, p) for p in urls.urlpatterns]
        patterns.append(path("", include((gated, f"{label}_compte"))))
    return patterns


def _gated(label: str, pattern):
    from django.urls import URLPattern

    if not isinstance(pattern, URLPattern):
        raise TypeError(f"{label}.urls_customer: only path() entries are supported")
    return URLPattern(
        pattern.pattern, module_gate(label, pattern.callback), pattern.default_args, pattern.name
    )


app_name = "compte"

urlpatterns = [
    path("", views_space.space_home, name="home"),
    path("commandes/", views_space.order_list, name="orders"),
    path("commandes/<int:order_id>/", views_space.order_detail, name="order"),
    path("factures/", views_space.document_list, name="documents"),
    path("factures/<int:document_id>/pdf/", views_space.document_pdf, name="document_pdf"),
    path("paiements/", views_space.payment_list, name="payments"),
    path("seances/", views_space.session_list, name="sessions"),
    path("famille/", views_space.family, name="family"),
    path("famille/<int:member_id>/", views_space.family_member, name="family_member"),
    path("profil/", views_space.profile, name="profile"),
    path("profil/mot-de-passe/", views_space.password_change, name="password"),
    path("export-rgpd/", views_space.gdpr_export, name="export"),
]
