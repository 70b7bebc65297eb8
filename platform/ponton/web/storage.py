"""The structures' file storage: TenantFileSystemStorage (MEDIA_ROOT/<schema>/), which keeps
nothing of a file it could not write whole.

Django's FileSystemStorage leaves the partly written file behind when the disk fills up mid-way
(or the quota is reached): here that file is removed and the error becomes `DiskFullError`,
whose French message the upload forms show (and ponton.web.errors.DiskFullMiddleware for any
other page), while the service's transaction rolls the row back."""

from __future__ import annotations

import contextlib
import errno
import logging
import os

from django.utils.translation import gettext as _
from django_tenants.files.storage import TenantFileSystemStorage

logger = logging.getLogger("ponton.files")

FULL = {errno.ENOSPC, errno.EDQUOT}


def disk_full_message() -> str:
    return _(
        "Le disque du serveur est plein : le fichier n'a pas été enregistré et rien n'a "
        "été modifié. Réessayez plus tard ou prévenez l'équipe Ponton."
    )


class DiskFullError(OSError):
    """The server's disk (or the structure's quota) is full: nothing of the file was kept."""

    def __init__(self, name: str, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror, name)
        self.name = name

    @property
    def message(self) -> str:
        return disk_full_message()

    def __str__(self) -> str:
        return self.message


class MediaStorage(TenantFileSystemStorage):
    """TenantFileSystemStorage that removes a partly written file when the disk is full."""

    def _save(self, name, content):
        # `save()` chose a free name; if it was taken meanwhile, Django writes under another
        # name that is not returned on error: then the file at `name` is someone else's.
        taken = os.path.lexists(self.path(name))
        try:
            return super()._save(name, content)
        except OSError as exc:
            if exc.errno not in FULL:
                raise
            if not taken:  # created by this call (O_EXCL) and incomplete: remove it
                with contextlib.suppress(FileNotFoundError):
                    os.remove(self.path(name))
            logger.error("disk full: %s was not stored (%s)", name, exc)
            raise DiskFullError(name, exc) from exc


def disk_full(exc: BaseException) -> bool:
    """True for a full disk, whether the storage said so or a plain OSError did."""
    return isinstance(exc, DiskFullError) or (isinstance(exc, OSError) and exc.errno in FULL)
