"""The selling screen, its device registration, session opening and ticket sync (PO-1, PO-8)."""

urlpatterns: list = []
