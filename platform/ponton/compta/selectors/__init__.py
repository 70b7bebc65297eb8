"""Compta reads: one submodule per part (cheque deposits: `deposits`)."""
