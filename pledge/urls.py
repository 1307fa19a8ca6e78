from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from pledge.mail.views import open_pixel

urlpatterns = [
    path("", include("pledge.site.urls")),
    path("privacy/", include("pledge.policy.urls")),
    path("account/", include("pledge.people.urls")),
    path("my-data/", include("pledge.rights.urls")),
    path("products/", include("pledge.shop.urls")),
    path("mail/", include("pledge.mail.list_urls")),
    path("orders/", include("pledge.orders.urls")),
    path("payments/", include("pledge.payments.urls")),
    # C8: the clear gif of HTML mail; its URL holds only the message's open token.
    path("o/<str:token>.gif", open_pixel, name="open_pixel"),
    # C6, C8, C17: the page beacon and the exit redirect.
    path("", include("pledge.analytics.urls")),
    # Staff sign in where everyone does, under the same rate limit; the admin's own
    # login form would bypass it.
    path(
        "staff/login/",
        RedirectView.as_view(pattern_name="people:login", query_string=True),
        name="staff_login",
    ),
    path("staff/", admin.site.urls),
]

if settings.PLEDGE_ENV == "demo":
    # The demo's mail reader: the messages the mail catcher caught.
    urlpatterns.append(path("dev/mail/", include("pledge.mail.urls")))
