from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from modules.sms import services
from modules.sms.models import QuotaMovement
from tenants.services import module_grant


@pytest.fixture
def sms_club(structure_a):
    """Structure A with the SMS module granted and 20 SMS of quota."""
    structure, owner = structure_a
    module_grant(structure=structure, label="sms")
    with schema_context(structure.schema_name):
        services.quota_credit(amount=20, reason=QuotaMovement.Reason.GRANT, by="test")
    return structure, owner
