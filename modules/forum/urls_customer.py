"""Customer pages, under /compte/ on the structure's domain (namespace "forum_compte"; 404 when
the module is off). Mounted by ponton.shop.urls_space.module_customer_patterns."""

from django.urls import path

from modules.forum import views

urlpatterns = [
    path("discussions/", views.discussions, name="discussions"),
    path("discussions/messages/", views.discussions_messages, name="messages"),
]
