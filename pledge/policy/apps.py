from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "pledge.policy"
    label = "policy"
    verbose_name = "Policy"

    def ready(self) -> None:
        from .external import register_external_models

        register_external_models()
