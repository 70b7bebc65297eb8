"""Club Manager > Compta, under /manager/compta/ (namespace "manager"), CO-1 to CO-5."""

from django.urls import path

from ponton.compta import views_accounting, views_cheques, views_ereporting, views_lists

urlpatterns: list = [
    path("cheques/", views_cheques.cheques, name="compta_cheques"),
    path("cheques/remise/", views_cheques.deposit_save, name="compta_deposit_save"),
    path("cheques/remises/", views_cheques.deposits, name="compta_deposits"),
    path("cheques/remises/<int:deposit_id>/", views_cheques.deposit_detail, name="compta_deposit"),
    path(
        "cheques/remises/<int:deposit_id>/bordereau.pdf",
        views_cheques.deposit_pdf,
        name="compta_deposit_pdf",
    ),
    path(
        "cheques/remises/<int:deposit_id>/annuler/",
        views_cheques.deposit_cancel_view,
        name="compta_deposit_cancel",
    ),
    path("comptes-bancaires/", views_cheques.bank_accounts, name="compta_bank_accounts"),
    path("listes/", views_lists.lists_index, name="compta_lists"),
    path("listes/<slug:slug>/", views_lists.list_detail, name="compta_list"),
    path("listes/<slug:slug>/export/", views_lists.list_export, name="compta_list_export"),
    path("exports/", views_lists.exports_mine, name="compta_exports"),
    path("exports/<int:job_id>/", views_lists.export_detail, name="compta_export"),
    path(
        "exports/<int:job_id>/progression/",
        views_lists.export_progress,
        name="compta_export_progress",
    ),
    path(
        "exports/<int:job_id>/telecharger/",
        views_lists.export_download,
        name="compta_export_download",
    ),
    path("ecritures/", views_accounting.journals, name="compta_journals"),
    path("ecritures/excel/", views_accounting.entries_excel, name="compta_entries_excel"),
    path("ecritures/fec/", views_accounting.fec, name="compta_fec"),
    path("parametres/", views_accounting.settings, name="compta_settings"),
    path("e-reporting/", views_ereporting.ereporting, name="compta_ereporting"),
]
