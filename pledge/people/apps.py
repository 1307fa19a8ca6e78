from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "pledge.people"
    label = "people"
    verbose_name = "People"
