"""API of the catalogue (`/api/v1/`): products of four kinds (CA-1), their status, their rates,
seasons and promotions (CA-2), sites and categories. Thin views over `catalogue.services` and
`catalogue.selectors`: the same rules and French messages as Club Manager > Offre."""

from ponton.catalogue.api.prices import (
    PromotionDetailView,
    PromotionListView,
    RateDetailView,
    RateListView,
    SeasonDetailView,
    SeasonListView,
)
from ponton.catalogue.api.products import (
    CategoryListView,
    ProductArchiveView,
    ProductDetailView,
    ProductListView,
    ProductPublishView,
    ProductUnpublishView,
    SiteListView,
)

__all__ = [
    "CategoryListView",
    "ProductArchiveView",
    "ProductDetailView",
    "ProductListView",
    "ProductPublishView",
    "ProductUnpublishView",
    "PromotionDetailView",
    "PromotionListView",
    "RateDetailView",
    "RateListView",
    "SeasonDetailView",
    "SeasonListView",
    "SiteListView",
]
