"""Writes of the catalogue (CA-1 to CA-7), one module per subject; every name is
re-exported here: `from ponton.catalogue import services` keeps working."""

from ponton.catalogue.services.associations import (  # noqa: F401
    ASSOCIABLE_KINDS,
    association_add,
    association_refusal,
    association_remove,
)
from ponton.catalogue.services.custom_fields import (  # noqa: F401
    custom_field_create,
    custom_field_delete,
)
from ponton.catalogue.services.photos import (  # noqa: F401
    THUMBNAIL_SIZE,
    _thumbnail_of,
    photo_add,
    photo_remove,
)
from ponton.catalogue.services.prices import (  # noqa: F401
    PromotionData,
    promotion_add,
    promotion_remove,
    rate_add,
    rate_remove,
    season_add,
    season_remove,
)
from ponton.catalogue.services.products import (  # noqa: F401
    PRODUCT_FIELDS,
    ProductData,
    ProductError,
    _check_product,
    _set_status,
    next_year,
    next_year_name,
    product_archive,
    product_create,
    product_duplicate_membership,
    product_publish,
    product_unpublish,
    product_update,
)
from ponton.catalogue.services.sites import (  # noqa: F401
    site_create,
    site_delete,
    site_update,
)
from ponton.catalogue.services.stock import (  # noqa: F401
    product_set_stock,
    stock_pool_create,
    stock_take,
)
