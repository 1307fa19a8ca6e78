from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "pledge.support"
    label = "support"
    verbose_name = "Customer support"

    def ready(self) -> None:
        from . import signals  # noqa: F401 - attachment files go with their rows
