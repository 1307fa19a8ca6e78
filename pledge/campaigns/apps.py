from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "pledge.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"
