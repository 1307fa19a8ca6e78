from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pledge.site.urls")),
    path("privacy/", include("pledge.policy.urls")),
    path("account/", include("pledge.people.urls")),
    path("my-data/", include("pledge.rights.urls")),
    path("staff/", admin.site.urls),
]
