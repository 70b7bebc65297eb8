from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from ponton.accounts import api as accounts_api
from ponton.accounts.access import public_view
from ponton.catalogue import api as catalogue_api
from ponton.customers import api as customers_api
from ponton.planning import api as planning_api
from ponton.sales import api as sales_api
from tenants import api as tenants_api

urlpatterns = [
    path("schema/", public_view(SpectacularAPIView.as_view()), name="api-schema"),
    path("structure/", tenants_api.StructureView.as_view(), name="api-structure"),
    path("modules/", tenants_api.ModuleListView.as_view(), name="api-modules"),
    path("modules/<slug:label>/", tenants_api.ModuleDetailView.as_view(), name="api-module"),
    # Staff API token: POST email + password, DELETE to revoke.
    path("jeton/", public_view(accounts_api.TokenView.as_view()), name="api-token"),
    # Catalogue (CA-1, CA-2).
    path("products/", catalogue_api.ProductListView.as_view(), name="api-products"),
    path(
        "products/<int:product_id>/",
        catalogue_api.ProductDetailView.as_view(),
        name="api-product",
    ),
    path(
        "products/<int:product_id>/publish/",
        catalogue_api.ProductPublishView.as_view(),
        name="api-product-publish",
    ),
    path(
        "products/<int:product_id>/unpublish/",
        catalogue_api.ProductUnpublishView.as_view(),
        name="api-product-unpublish",
    ),
    path(
        "products/<int:product_id>/archive/",
        catalogue_api.ProductArchiveView.as_view(),
        name="api-product-archive",
    ),
    path(
        "products/<int:product_id>/rates/",
        catalogue_api.RateListView.as_view(),
        name="api-product-rates",
    ),
    path(
        "products/<int:product_id>/rates/<int:rate_id>/",
        catalogue_api.RateDetailView.as_view(),
        name="api-product-rate",
    ),
    path(
        "products/<int:product_id>/seasons/",
        catalogue_api.SeasonListView.as_view(),
        name="api-product-seasons",
    ),
    path(
        "products/<int:product_id>/seasons/<int:season_id>/",
        catalogue_api.SeasonDetailView.as_view(),
        name="api-product-season",
    ),
    path(
        "products/<int:product_id>/promotions/",
        catalogue_api.PromotionListView.as_view(),
        name="api-product-promotions",
    ),
    path(
        "products/<int:product_id>/promotions/<int:promotion_id>/",
        catalogue_api.PromotionDetailView.as_view(),
        name="api-product-promotion",
    ),
    path("sites/", catalogue_api.SiteListView.as_view(), name="api-sites"),
    path("categories/", catalogue_api.CategoryListView.as_view(), name="api-categories"),
    # Planning (PL-1, PL-2).
    path("sessions/", planning_api.SessionListView.as_view(), name="api-sessions"),
    path("sessions/batch/", planning_api.SessionBatchView.as_view(), name="api-sessions-batch"),
    path(
        "sessions/recurrence/",
        planning_api.SessionRecurrenceView.as_view(),
        name="api-sessions-recurrence",
    ),
    path(
        "sessions/delete-date/",
        planning_api.SessionDateDeleteView.as_view(),
        name="api-sessions-delete-date",
    ),
    path(
        "sessions/<int:session_id>/", planning_api.SessionDetailView.as_view(), name="api-session"
    ),
    path(
        "sessions/<int:session_id>/capacity/",
        planning_api.SessionCapacityView.as_view(),
        name="api-session-capacity",
    ),
    # Customers (CU-1, CU-2).
    path("customers/", customers_api.CustomerListView.as_view(), name="api-customers"),
    path(
        "customers/<int:customer_id>/",
        customers_api.CustomerDetailView.as_view(),
        name="api-customer",
    ),
    path(
        "customers/<int:customer_id>/payer/",
        customers_api.CustomerPayerView.as_view(),
        name="api-customer-payer",
    ),
    path(
        "customers/<int:customer_id>/addresses/",
        customers_api.AddressListView.as_view(),
        name="api-customer-addresses",
    ),
    path(
        "customers/<int:customer_id>/addresses/<int:address_id>/",
        customers_api.AddressDetailView.as_view(),
        name="api-customer-address",
    ),
    path(
        "customers/<int:customer_id>/export/",
        customers_api.CustomerExportView.as_view(),
        name="api-customer-export",
    ),
    path(
        "customers/<int:customer_id>/erase/",
        customers_api.CustomerEraseView.as_view(),
        name="api-customer-erase",
    ),
    # Sales and billing (OR-1 to OR-6).
    path("orders/", sales_api.OrderListView.as_view(), name="api-orders"),
    path("orders/<int:order_id>/", sales_api.OrderDetailView.as_view(), name="api-order"),
    path(
        "orders/<int:order_id>/order/",
        sales_api.QuoteOrderView.as_view(),
        name="api-order-from-quote",
    ),
    path(
        "orders/<int:order_id>/invoices/",
        sales_api.InvoiceView.as_view(),
        name="api-order-invoices",
    ),
    path(
        "orders/<int:order_id>/lines/<int:line_id>/cancel/",
        sales_api.LineCancelView.as_view(),
        name="api-order-line-cancel",
    ),
    path(
        "documents/<int:document_id>/", sales_api.DocumentDetailView.as_view(), name="api-document"
    ),
    path(
        "documents/<int:document_id>/payments/",
        sales_api.PaymentListView.as_view(),
        name="api-document-payments",
    ),
    path("sales/", sales_api.SaleView.as_view(), name="api-sales"),
]
