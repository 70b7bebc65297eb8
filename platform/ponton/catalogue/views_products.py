"""Club Manager > Offre (CA-1, CA-2, CA-4): list and filters, new product (kind first), edit
page with its rates, Publier / Dépublier / Archiver, and the shop's preview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ponton.accounts.access import staff_view
from ponton.accounts.permissions import role_has
from ponton.catalogue import selectors, services
from ponton.catalogue.forms_products import (
    AssociationForm,
    CustomFieldForm,
    DuplicateActivityForm,
    DuplicateMembershipForm,
    PhotoForm,
    ProductFilterForm,
    ProductForm,
    PromotionForm,
    RateForm,
    SeasonForm,
    StockForm,
)
from ponton.catalogue.models import Product
from ponton.plugins.manager import hooks_for
from ponton.web.storage import DiskFullError

PAGE_SIZE = 50


@staff_view("catalogue.view")
def product_list(request):
    filters = ProductFilterForm(data=request.GET)
    values = filters.cleaned_data if filters.is_valid() else {}
    category, site = values.get("category"), values.get("site")
    products = selectors.product_list(
        query=values.get("q", ""),
        kind=values.get("kind", ""),
        status=values.get("status", ""),
        category_id=category.pk if category else None,
        site_id=site.pk if site else None,
    )
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    query_string = request.GET.copy()
    query_string.pop("page", None)
    return render(
        request,
        "catalogue/products/list.html",
        {
            "filters": filters,
            "page": page,
            "query_string": query_string.urlencode(),
            "can_manage": role_has(request.membership.role, "catalogue.manage"),
        },
    )


@staff_view("catalogue.manage")
def product_create(request):
    kind = request.GET.get("type", "")
    if kind not in Product.Kind.values:
        return render(request, "catalogue/products/kind.html", {"kinds": Product.Kind.choices})
    bound = request.method == "POST"
    form = ProductForm(data=request.POST if bound else None, kind=kind)
    if bound and form.is_valid():
        try:
            product = services.product_create(
                kind=kind, data=services.ProductData.from_form(form.cleaned_data)
            )
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(
                request, _("Le produit « %(name)s » a été créé en brouillon.") % {"name": product}
            )
            return redirect("manager:product_edit", product_id=product.pk)
    return render(
        request,
        "catalogue/products/form.html",
        {"form": form, "kind_label": Product.Kind(kind).label},
    )


def _edit_page(
    request,
    product,
    *,
    form=None,
    rate_form=None,
    photo_form=None,
    promotion_form=None,
    season_form=None,
    association_form=None,
    stock_form=None,
):
    return render(
        request,
        "catalogue/products/edit.html",
        {
            "product": product,
            "form": form or ProductForm(kind=product.kind, product=product),
            "rate_form": rate_form or RateForm(prefix="rate", product=product),
            "rates": product.rates.select_related("season"),
            "season_form": season_form or SeasonForm(prefix="season"),
            "seasons": product.seasons.all(),
            "photo_form": photo_form or PhotoForm(prefix="photo"),
            "photos": product.photos.all(),
            "promotion_form": promotion_form or PromotionForm(prefix="promo"),
            "promotions": product.promotions.all(),
            "archived": product.status == Product.Status.ARCHIVED,
            "association_form": association_form
            or AssociationForm(prefix="assoc", product=product),
            "associations": selectors.associations_of(product=product),
            "stock_form": stock_form or StockForm(prefix="stock", product=product),
            "duplicated_from": _duplicated_from(request, product),
            "module_sections": _module_sections(request, product),
        },
    )


def _module_sections(request, product) -> list[str]:
    """Sections of the modules that are on (the FF Voile licence option...), for roles using
    modules."""
    if not role_has(request.membership.role, "module.use"):
        return []
    return [
        html
        for sections in hooks_for(request.tenant).ponton_product_edit_sections(
            structure=request.tenant, product=product, user=request.user, request=request
        )
        for html in (sections or [])
    ]


def _duplicated_from(request, product):
    """The product this one was just duplicated from (?depuis=<id>), to offer archiving or
    unpublishing it (CA-5); None when absent or not a product of the structure."""
    source_id = request.GET.get("depuis", "")
    if not source_id.isdigit() or int(source_id) == product.pk:
        return None
    try:
        return selectors.access_product(product_id=int(source_id))
    except Http404:
        return None


@staff_view("catalogue.manage")
def product_edit(request, product_id: int):
    product = selectors.access_product(product_id=product_id)
    if request.method != "POST":
        return _edit_page(request, product)
    form = ProductForm(data=request.POST, kind=product.kind, product=product)
    if form.is_valid():
        try:
            services.product_update(
                product=product, data=services.ProductData.from_form(form.cleaned_data, product)
            )
        except ValidationError as e:
            form.add_error(None, e)
        except services.ProductError as e:
            messages.error(request, str(e))
            return redirect("manager:product_edit", product_id=product.pk)
        else:
            messages.success(request, _("Le produit a été enregistré."))
            return redirect("manager:product_edit", product_id=product.pk)
    return _edit_page(request, product, form=form)


STATUS_ACTIONS = {
    "publier": (services.product_publish, gettext_lazy("Le produit est publié.")),
    "depublier": (services.product_unpublish, gettext_lazy("Le produit est repassé en brouillon.")),
    "archiver": (services.product_archive, gettext_lazy("Le produit est archivé.")),
}


@staff_view("catalogue.manage")
@require_POST
def product_status(request, product_id: int, action: str):
    product = selectors.access_product(product_id=product_id)
    service, done = STATUS_ACTIONS[action]
    try:
        service(product=product)
    except services.ProductError as e:
        messages.error(request, str(e))
    else:
        messages.success(request, str(done))
    back = request.POST.get("next", "")
    if back and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)
    return redirect("manager:product_edit", product_id=product.pk)


def _save_part(request, product, *, form, name: str, save, done: str):
    """A part of the product page (rates, seasons, photos, promotions, associations, stock):
    the service's refusals go on the form, which comes back with the page; a refusal of the
    whole product (archived) is a message."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        except DiskFullError as e:  # a photo on a full disk: said on the form, nothing kept
            form.add_error(None, e.message)
        except services.ProductError as e:
            messages.error(request, str(e))
            return redirect("manager:product_edit", product_id=product.pk)
        else:
            messages.success(request, done)
            return redirect("manager:product_edit", product_id=product.pk)
    return _edit_page(request, product, **{name: form})


@staff_view("catalogue.manage")
@require_POST
def stock_set(request, product_id: int):
    """CA-3: « Stock »: none, dedicated with its quantity, or a shared stock."""
    product = selectors.access_product(product_id=product_id)
    return _save_part(
        request,
        product,
        form=StockForm(data=request.POST, prefix="stock", product=product),
        name="stock_form",
        save=lambda data: services.product_set_stock(product=product, **data),
        done=_("Le stock a été enregistré."),
    )


@staff_view("catalogue.manage")
@require_POST
def rate_add(request, product_id: int):
    product = selectors.access_product(product_id=product_id)
    return _save_part(
        request,
        product,
        form=RateForm(data=request.POST, prefix="rate", product=product),
        name="rate_form",
        save=lambda data: services.rate_add(product=product, **data),
        done=_("Le tarif a été ajouté."),
    )


@staff_view("catalogue.manage")
@require_POST
def rate_remove(request, product_id: int, rate_id: int):
    product = selectors.access_product(product_id=product_id)
    services.rate_remove(rate=selectors.access_rate(product=product, rate_id=rate_id))
    messages.success(request, _("Le tarif a été supprimé."))
    return redirect("manager:product_edit", product_id=product.pk)


@staff_view("catalogue.view")
def product_preview(request, product_id: int):
    product = selectors.access_product(product_id=product_id)
    return render(
        request,
        "catalogue/products/preview.html",
        {
            "product": product,
            "rates": selectors.rates_on(product=product, day=timezone.localdate()),
            "photo": product.photos.first(),
            "promotions": [
                (promotion, selectors.promotion_price(promotion=promotion, price=product.price))
                for promotion in selectors.promotions_active_on(
                    product=product, day=timezone.localdate()
                )
            ],
            "can_manage": role_has(request.membership.role, "catalogue.manage"),
        },
    )


@staff_view("catalogue.manage")
@require_POST
def photo_add(request, product_id: int):
    product = selectors.access_product(product_id=product_id)
    return _save_part(
        request,
        product,
        form=PhotoForm(data=request.POST, files=request.FILES, prefix="photo"),
        name="photo_form",
        save=lambda data: services.photo_add(product=product, upload=data["image"]),
        done=_("La photo a été ajoutée."),
    )


@staff_view("catalogue.manage")
@require_POST
def photo_remove(request, product_id: int, photo_id: int):
    product = selectors.access_product(product_id=product_id)
    services.photo_remove(photo=selectors.access_photo(product=product, photo_id=photo_id))
    messages.success(request, _("La photo a été supprimée."))
    return redirect("manager:product_edit", product_id=product.pk)


@staff_view("catalogue.manage")
@require_POST
def promotion_add(request, product_id: int):
    product = selectors.access_product(product_id=product_id)
    return _save_part(
        request,
        product,
        form=PromotionForm(data=request.POST, prefix="promo"),
        name="promotion_form",
        save=lambda data: services.promotion_add(
            product=product, data=services.PromotionData(**data)
        ),
        done=_("La promotion a été ajoutée."),
    )


@staff_view("catalogue.manage")
@require_POST
def promotion_remove(request, product_id: int, promotion_id: int):
    product = selectors.access_product(product_id=product_id)
    services.promotion_remove(
        promotion=selectors.access_promotion(product=product, promotion_id=promotion_id)
    )
    messages.success(request, _("La promotion a été supprimée."))
    return redirect("manager:product_edit", product_id=product.pk)


@staff_view("catalogue.manage")
@require_POST
def season_add(request, product_id: int):
    product = selectors.access_product(product_id=product_id)
    return _save_part(
        request,
        product,
        form=SeasonForm(data=request.POST, prefix="season"),
        name="season_form",
        save=lambda data: services.season_add(product=product, **data),
        done=_("La saison a été ajoutée."),
    )


@staff_view("catalogue.manage")
@require_POST
def season_remove(request, product_id: int, season_id: int):
    product = selectors.access_product(product_id=product_id)
    services.season_remove(season=selectors.access_season(product=product, season_id=season_id))
    messages.success(request, _("La saison et ses tarifs ont été supprimés."))
    return redirect("manager:product_edit", product_id=product.pk)


@staff_view("catalogue.manage")
@require_POST
def association_add(request, product_id: int):
    product = selectors.access_product(product_id=product_id)
    return _save_part(
        request,
        product,
        form=AssociationForm(data=request.POST, prefix="assoc", product=product),
        name="association_form",
        save=lambda data: services.association_add(product=product, **data),
        done=_("Le produit associé a été ajouté."),
    )


@staff_view("catalogue.manage")
@require_POST
def association_remove(request, product_id: int, association_id: int):
    product = selectors.access_product(product_id=product_id)
    services.association_remove(
        association=selectors.access_association(product=product, association_id=association_id)
    )
    messages.success(request, _("Le produit associé a été retiré."))
    return redirect("manager:product_edit", product_id=product.pk)


@staff_view("catalogue.manage")
def product_duplicate(request, product_id: int):
    """« Dupliquer » (CA-5): a membership for next year, or an activity with or without its
    planning; then the new product's page offers to archive or unpublish the old one."""
    product = selectors.access_product(product_id=product_id)
    if product.kind == Product.Kind.MEMBERSHIP:
        return _duplicate_membership(request, product)
    if product.kind == Product.Kind.ACTIVITY:
        return _duplicate_activity(request, product)
    raise Http404


def _duplicated(request, source, copy, message):
    messages.success(request, message % {"name": copy})
    url = reverse("manager:product_edit", kwargs={"product_id": copy.pk})
    return redirect(f"{url}?depuis={source.pk}")


def _duplicate_membership(request, product):
    if request.method != "POST":
        form = DuplicateMembershipForm(
            initial={
                "name": services.next_year_name(product.name),
                "description": product.description,
            }
        )
    else:
        form = DuplicateMembershipForm(data=request.POST)
        if form.is_valid():
            try:
                copy = services.product_duplicate_membership(product=product, **form.cleaned_data)
            except ValidationError as e:
                form.add_error(None, e)
            else:
                return _duplicated(
                    request, product, copy, _("L'adhésion « %(name)s » a été créée en brouillon.")
                )
    return render(request, "catalogue/products/duplicate.html", {"product": product, "form": form})


def _duplicate_activity(request, product):
    from ponton.planning import services as planning

    if request.method != "POST":
        form = DuplicateActivityForm(
            initial={"name": services.next_year_name(product.name), "with_planning": True}
        )
    else:
        form = DuplicateActivityForm(data=request.POST)
        if form.is_valid():
            try:
                copy = planning.activity_duplicate(product=product, **form.cleaned_data)
            except planning.PlanningError as e:
                form.add_error(e.field, str(e))
            else:
                return _duplicated(
                    request, product, copy, _("L'activité « %(name)s » a été créée en brouillon.")
                )
    return render(
        request,
        "catalogue/products/duplicate.html",
        {"product": product, "form": form, "first_session": product.sessions.first()},
    )


@staff_view("catalogue.manage")
def custom_fields(request):
    """Champs personnalisés asked at order time (CA-7): list, add, delete."""
    form = CustomFieldForm(data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.custom_field_create(**form.cleaned_data)
        except ValidationError as e:
            form.add_error(None, e)
        else:
            messages.success(request, _("Le champ personnalisé a été ajouté."))
            return redirect("manager:custom_fields")
    return render(
        request,
        "catalogue/products/custom_fields.html",
        {"form": form, "fields": selectors.custom_field_list()},
    )


@staff_view("catalogue.manage")
@require_POST
def custom_field_delete(request, field_id: int):
    services.custom_field_delete(field=selectors.access_custom_field(field_id=field_id))
    messages.success(request, _("Le champ personnalisé a été supprimé."))
    return redirect("manager:custom_fields")
