from django.urls import path

from . import views

app_name = "policy"
urlpatterns = [
    path("", views.statement, name="statement"),
    path("history/", views.history, name="history"),
    path("v/<int:number>/", views.version, name="version"),
    path("cookies/", views.cookies, name="cookies"),
]
