from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "pledge.policy"
    label = "policy"
    verbose_name = "Policy"
