from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and benchmark seed commands (`seed_demo`, `seed_scale`). They
    fill every app, so they live above all of them: installed last, imported
    by none."""

    name = "demo"
