from django.core.management.base import BaseCommand

from completion.credentials import key_rotate, signing_keys


class Command(BaseCommand):
    help = (
        "Add a new key for signing certificate credentials. Credentials signed "
        "with the older keys stay verifiable: every key stays published."
    )

    def handle(self, *args, **options):
        signing_keys()  # the first key exists before the second is made
        key_id = key_rotate()
        self.stdout.write(f"New signing key {key_id}; older keys stay published.")
