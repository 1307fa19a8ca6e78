from django.urls import path

from . import views

app_name = "rights"


def signed_in_or_token(route: str, view, name: str) -> list:
    """Each page twice: under ``you/`` for the signed-in person, under a signed token.

    A token always holds a ``:``, so it never reads as ``you``, ``sent`` or ``done``.
    """
    return [
        path(f"you/{route}", view, name=name),
        path(f"<str:token>/{route}", view, name=name),
    ]


urlpatterns = [
    path("", views.start, name="start"),
    path("sent/", views.sent, name="sent"),
    path("done/<slug:what>/", views.done, name="done"),
    *signed_in_or_token("", views.manage, "manage"),
    *signed_in_or_token("download/", views.export, "export"),
    *signed_in_or_token("correct/", views.correct, "correct"),
    *signed_in_or_token("deactivate/", views.deactivate, "deactivate"),
    *signed_in_or_token("delete/", views.delete, "delete"),
]
