from django.urls import path

from ponton.accounts import views

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mot-de-passe/oublie/", views.password_reset, name="password_reset"),
    path("mot-de-passe/envoye/", views.password_reset_done, name="password_reset_done"),
    path("mot-de-passe/<uidb64>/<token>/", views.password_set, name="password_set"),
    path("mot-de-passe/enregistre/", views.password_set_done, name="password_set_done"),
]
