from django.http import HttpResponse

from ponton.accounts.access import staff_view
from tests.support.testmodule.models import Note


@staff_view("module.use")
def notes(request):
    return HttpResponse(", ".join(Note.objects.order_by("id").values_list("text", flat=True)))
