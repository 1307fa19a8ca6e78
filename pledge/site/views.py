from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pledge.shop.models import Product


def home(request: HttpRequest) -> HttpResponse:
    editions = Product.objects.on_sale(request.site.key).editions()  # type: ignore[attr-defined]
    return render(request, "site/home.html", {"editions": editions})
