"""Mailing lists, under /mail/: joining, confirming, leaving (C9, C10, C16)."""

from django.urls import path

from . import subscription_views as views

app_name = "lists"
urlpatterns = [
    path("subscribe/", views.subscribe, name="subscribe"),
    path("subscribe/check-your-mail/", views.subscribe_sent, name="subscribe_sent"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe_link, name="unsubscribe"),
    path("lists/subscribe/", views.account_subscribe, name="account_subscribe"),
    path("lists/unsubscribe/", views.account_unsubscribe, name="account_unsubscribe"),
]
