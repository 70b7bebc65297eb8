"""Accounting codes, journals, entries export and FEC (CO-3).

- `chart`: the accounts and journal codes (settings frozen as an `AccountPlan`);
- `journals`: the registry of journal builders (sales, one per payment method, credit;
  cheque deposits are added by their own part);
- `selectors` / `services`: reading the settings and the entries, saving the settings;
- `fec`, `exports`: the FEC and the entries workbook.
"""
