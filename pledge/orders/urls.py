from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("", views.my_orders, name="mine"),
    path("buy/<slug:sku>/", views.buy, name="buy"),
    path("claim/<str:token>/", views.claim, name="claim"),
    path("<str:token>/", views.status, name="status"),
    path("<str:token>/pay/", views.pay, name="pay"),
]
