"""Club Manager > Paramètres > Ma structure (EG-4) and Mes modules (EG-2)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ponton.accounts.access import staff_view
from ponton.plugins.manager import all_modules
from tenants import services
from tenants.models import ModuleSubscription


@staff_view("structure.view")
def structure_settings(request):
    return render(request, "tenants/manager/structure.html")


@staff_view("structure.modules")
def modules(request):
    structure = request.tenant
    subs = {s.module: s for s in ModuleSubscription.objects.filter(structure=structure)}
    infos = all_modules()
    if request.method == "POST":
        enabled_free = {label for label in request.POST.getlist("free") if label in infos}
        requested = {label for label in request.POST.getlist("paid") if label in infos}
        try:
            services.modules_save(
                structure=structure, enabled_free=enabled_free, requested_paid=requested
            )
        except services.StructureError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Vos modules ont été enregistrés."))
        return redirect("manager:modules")
    rows = [{"info": info, "sub": subs.get(label)} for label, info in infos.items()]
    return render(
        request,
        "tenants/manager/modules.html",
        {
            "free_rows": [r for r in rows if not r["info"].paid],
            "paid_rows": [r for r in rows if r["info"].paid],
        },
    )
