from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ponton.accounts.access import public_view
from ponton.accounts.forms import LoginForm, PontonPasswordResetForm
from ponton.accounts.selectors import membership_for


def _default_next(request) -> str:
    structure = getattr(request, "tenant", None)
    if structure is not None and not structure.is_platform:
        if membership_for(user=request.user, structure=structure) is None:
            return reverse("compte:home")  # a customer of the structure (LoginForm checked)
        return reverse("manager:dashboard")
    if request.user.is_authenticated and request.user.is_platform_operator:
        return reverse("console:structures")
    if request.user.is_authenticated and request.user.customer_links.exists():
        return reverse("compte:home")
    return "/"


@public_view
def login_view(request):
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        login(request, form.user)
        return redirect(next_url or _default_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": next_url})


@public_view
@require_POST
def logout_view(request):
    logout(request)
    messages.info(request, _("Vous êtes déconnecté."))
    return redirect("login")


password_reset = public_view(
    auth_views.PasswordResetView.as_view(
        template_name="accounts/password_reset.html",
        email_template_name="accounts/email/password_reset.txt",
        html_email_template_name="accounts/email/password_reset.html",
        subject_template_name="accounts/email/password_reset_subject.txt",
        form_class=PontonPasswordResetForm,
        success_url=reverse_lazy("password_reset_done"),
    )
)
password_reset_done = public_view(
    auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html")
)
password_set = public_view(
    auth_views.PasswordResetConfirmView.as_view(
        template_name="accounts/password_set.html",
        success_url=reverse_lazy("password_set_done"),
    )
)
password_set_done = public_view(
    auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_set_done.html")
)
