from django.urls import path

from . import views

app_name = "people"
urlpatterns = [
    path("", views.account, name="account"),
    path("register/", views.register, name="register"),
    path("register/check-your-mail/", views.verify_sent, name="verify_sent"),
    path("verify/resend/", views.verify_resend, name="verify_resend"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("sign-in/", views.login_view, name="login"),
    path("sign-out/", views.logout_view, name="logout"),
    path("name/", views.profile_edit, name="profile_edit"),
    path("email/", views.email_change, name="email_change"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
]
