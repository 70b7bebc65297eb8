"""Club Manager side of the till (/manager/m/pos/): the structure's tills, their state today,
and the way to the till itself at /caisse/."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from modules.pos import selectors, services
from modules.pos.models import Till
from ponton.accounts.access import check_staff_access, staff_view
from ponton.accounts.permissions import role_has
from ponton.catalogue.models import Site


class TillForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Nom de la caisse"), max_length=100)
    site = forms.ModelChoiceField(
        label=gettext_lazy("Site"), queryset=Site.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.all()


@staff_view("module.use")
def index(request):
    form = TillForm()
    if request.method == "POST":
        check_staff_access(request, "till.manage")
        form = TillForm(request.POST)
        if form.is_valid():
            try:
                till = services.till_create(
                    name=form.cleaned_data["name"], site=form.cleaned_data["site"]
                )
            except services.TillError as refused:
                form.add_error(refused.field or None, refused.message)
            else:
                messages.success(request, _("Caisse « %(name)s » créée.") % {"name": till.name})
                return redirect("pos:index")
    return render(
        request,
        "pos/manager/index.html",
        {
            "form": form,
            "tills": selectors.tills_overview(),
            "can_manage_tills": role_has(request.membership.role, "till.manage"),
        },
    )


@staff_view("till.manage")
@require_POST
def till_switch(request, till_id: int):
    till = get_object_or_404(Till, pk=till_id)
    try:
        services.till_set_active(till=till, active=not till.active)
    except services.TillError as refused:
        messages.error(request, refused.message)
    else:
        if till.active:
            messages.success(request, _("Caisse « %(name)s » réactivée.") % {"name": till.name})
        else:
            messages.success(request, _("Caisse « %(name)s » désactivée.") % {"name": till.name})
    return redirect("pos:index")
