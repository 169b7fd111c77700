"""File storage where a file appears under its name complete, or not at all.

Django's FileSystemStorage writes straight to the final name (or, for an
upload on another disk, copies into it). When the disk fills up or turns
read-only halfway, the half-written file stays behind, still taking the space
that ran out, and the caller has no way to tell a saved file from a torn one.
Here the bytes go to a hidden temporary name in the same directory, are
flushed to disk, and only then linked to the final name; on any error the
temporary file is removed and the error goes up to the caller, which can tell
the user that nothing was saved.
"""

import contextlib
import os
import tempfile

from django.core.files.move import file_move_safe
from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    def _save(self, name, content):
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=directory, prefix=".partial-")
        try:
            if hasattr(content, "temporary_file_path"):
                os.close(fd)
                # A rename on the same disk, a copy from another one.
                file_move_safe(
                    content.temporary_file_path(), partial, allow_overwrite=True
                )
                with open(partial, "rb") as handle:
                    os.fsync(handle.fileno())
            else:
                with os.fdopen(fd, "wb") as handle:
                    for chunk in content.chunks():
                        if isinstance(chunk, str):
                            chunk = chunk.encode()
                        handle.write(chunk)
                    handle.flush()
                    os.fsync(handle.fileno())
            while True:
                try:
                    os.link(partial, full_path)  # never replaces a file
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(partial)
        # Without FILE_UPLOAD_PERMISSIONS the file keeps mkstemp's 0600: only
        # Koza's own user reads these files.
        if self.file_permissions_mode is not None:
            os.chmod(full_path, self.file_permissions_mode)
        return os.path.relpath(full_path, self.location).replace("\\", "/")
