"""Club Manager > Notifications, under /manager/notifications/ (namespace "manager")."""

from django.urls import path

from realtime import views

urlpatterns = [
    path("", views.notification_list, name="notifications"),
    path("<int:notification_id>/lu/", views.notification_read, name="notification_read"),
    path("tout-lu/", views.notifications_read_all, name="notifications_read_all"),
    path("depuis/", views.notifications_since, name="notifications_since"),
]
