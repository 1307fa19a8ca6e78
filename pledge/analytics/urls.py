from django.urls import path, re_path

from . import views

app_name = "analytics"

urlpatterns = [
    # C8: the page beacon; its URL holds only a content key such as "product-contactgenie".
    re_path(r"^b/(?P<key>[a-z0-9_-]{1,64})\.gif$", views.beacon, name="beacon"),
    # C6, C17: links to other sites leave through here.
    path("out/", views.exit_redirect, name="exit"),
]
