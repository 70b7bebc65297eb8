from django.shortcuts import render

from modules.emarketing.plugin import INFO
from ponton.accounts.access import staff_view


@staff_view("module.use")
def index(request):
    return render(request, "web/module_home.html", {"module": INFO})
