"""Back up one structure and restore it elsewhere (manage.py structure_export / structure_import,
docs/adr/0023).

An archive is a `.tar.gz` holding:
- `schema.sql`: `pg_dump` of the structure's schema (plain SQL, no owner, no privileges), made
  with the `pg_dump` whose major version matches the server's;
- `media/...`: every file under MEDIA_ROOT/<schema>/ (public assets and private files alike);
- `manifest.json`: format, versions (Ponton, Django, PostgreSQL, pg_dump), the schema's migration
  state, the public-schema rows the structure needs (its row, domains, module switches, staff
  memberships by email, ledger anchors) and the SHA-256 and size of every other file.

The import checks every digest and the migration state before touching the database, restores
the dump into a temporary schema (`psql --single-transaction`), checks the restored ledger under
the key of the schema it comes from, and then, in one transaction, renames the temporary schema,
signs the ledger again under the new schema's key and writes the public rows. Files are unpacked
beside MEDIA_ROOT first and moved into place after the commit. On any failure the temporary
schema and files are removed: nothing is half-restored.
"""

from tenants.backup.common import BackupError, ImportResult
from tenants.backup.exporting import structure_export
from tenants.backup.importing import structure_import

__all__ = ["BackupError", "ImportResult", "structure_export", "structure_import"]
