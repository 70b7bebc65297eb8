from django.urls import path

from modules.emarketing import views

urlpatterns = [
    path("", views.index, name="index"),
    path("nouvelle/", views.campaign_create, name="create"),
    path("reglages/", views.smtp_settings, name="smtp"),
    path("compter/", views.audience_count, name="count"),
    path("clients/<int:customer_id>/consentement/", views.customer_consent, name="consent"),
    path("<int:campaign_id>/", views.campaign_detail, name="detail"),
    path("<int:campaign_id>/modifier/", views.campaign_edit, name="edit"),
    path("<int:campaign_id>/apercu/", views.campaign_preview, name="preview"),
    path("<int:campaign_id>/test/", views.campaign_test_send, name="test_send"),
    path("<int:campaign_id>/envoyer/", views.campaign_send, name="send"),
    path("<int:campaign_id>/programmer/", views.campaign_schedule, name="schedule"),
    path("<int:campaign_id>/annuler/", views.campaign_cancel, name="cancel"),
    path("<int:campaign_id>/progression/", views.campaign_progress, name="progress"),
]
