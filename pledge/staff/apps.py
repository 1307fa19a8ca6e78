from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "pledge.staff"
    label = "staff"
    verbose_name = "Staff"
