"""Compta writes: one submodule per part (cheque deposits: `deposits`)."""
