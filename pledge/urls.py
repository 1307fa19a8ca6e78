from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pledge.site.urls")),
    path("privacy/", include("pledge.policy.urls")),
    path("account/", include("pledge.people.urls")),
    path("my-data/", include("pledge.rights.urls")),
    path("staff/", admin.site.urls),
]

if settings.PLEDGE_ENV == "demo":
    # The demo's mail reader: the messages the mail catcher caught.
    urlpatterns.append(path("dev/mail/", include("pledge.mail.urls")))
