from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [
    path("", views.catcher_list, name="catcher_list"),
    path("<str:name>/", views.catcher_show, name="catcher_show"),
    path("<str:name>/html/", views.catcher_html, name="catcher_html"),
]
