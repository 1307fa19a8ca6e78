from django.apps import AppConfig


class LicensingConfig(AppConfig):
    name = "pledge.licensing"
    label = "licensing"
    verbose_name = "Registered owners and license keys"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the signing-key check
