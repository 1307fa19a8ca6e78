from django.urls import path

from . import views

app_name = "rights"
urlpatterns = [
    path("", views.start, name="start"),
    path("<str:token>/", views.manage, name="manage"),
]
