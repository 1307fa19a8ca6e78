# Placeholder until the rights pages land (being written now).
from django.http import HttpRequest, HttpResponse


def start(request: HttpRequest) -> HttpResponse:
    return HttpResponse("Your data: coming in this change.", status=503)


def manage(request: HttpRequest, token: str) -> HttpResponse:
    return HttpResponse("Your data: coming in this change.", status=503)
