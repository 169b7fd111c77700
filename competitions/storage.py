"""Where competition files live: outside MEDIA_ROOT.

Prediction files, reports and answer keys go to PRIVATE_MEDIA_ROOT, which no
web server serves and which has no URL: only views that check who is asking
read from it. A learner can never reach another learner's file by guessing a
path under /media/. A file is stored whole or not at all (lms/storage.py).
"""

import os

from django.conf import settings
from django.utils.deconstruct import deconstructible

from lms.storage import AtomicFileSystemStorage


@deconstructible
class PrivateStorage(AtomicFileSystemStorage):
    def __init__(self) -> None:
        super().__init__(base_url=None)

    @property
    def base_location(self):
        # Read the setting each time so tests can point it at a tmp dir.
        return str(settings.PRIVATE_MEDIA_ROOT)

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    def url(self, name):
        raise ValueError("private files have no URL")


private_storage = PrivateStorage()
