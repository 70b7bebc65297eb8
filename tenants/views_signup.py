from django.shortcuts import render

from ponton.accounts.access import public_view


@public_view
def start(request):
    return render(request, "web/platform_home.html")
