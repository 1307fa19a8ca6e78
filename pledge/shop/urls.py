from django.urls import path

from . import views

app_name = "shop"
urlpatterns = [
    path("", views.product_list, name="products"),
    path("<slug:sku>/", views.product_detail, name="product"),
]
