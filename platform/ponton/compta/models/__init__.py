"""Compta's tables (tenant schema): one submodule per part — cheque deposits, kept exports,
accounting settings — each imported here so Django finds its models."""

from ponton.compta.models import deposits  # noqa: F401
from ponton.compta.models.accounting import AccountingSettings  # noqa: F401
from ponton.compta.models.exports import ExportJob  # noqa: F401
