"""The online basket (MP-1) and checkout (MP-2)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ponton.accounts.access import public_view


@public_view
def basket(request):
    return render(request, "shop/basket.html", {"structure": request.tenant})


@public_view
@require_POST
def basket_add(request):
    return redirect("shop:basket")
