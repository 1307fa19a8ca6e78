from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "pledge.rights"
    label = "rights"
    verbose_name = "Rights"
