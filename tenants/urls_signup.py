from django.urls import path

from tenants import views_signup

app_name = "signup"

urlpatterns = [
    path("", views_signup.start, name="start"),
    path("etape/<int:number>/", views_signup.step, name="step"),
    path("termine/", views_signup.done, name="done"),
    path("nouvelle/", views_signup.restart, name="restart"),
    path("contrat.txt", views_signup.contract_text, name="contract"),
]
