from django.http import Http404

from ponton.catalogue.models import Site


def site_list():
    return Site.objects.all()


def access_site(*, site_id: int) -> Site:
    site = Site.objects.filter(pk=site_id).first()
    if site is None:
        raise Http404
    return site
