#!/usr/bin/env bash
# Checks the deployment files where a Docker engine runs (a developer's machine, a CI runner
# with Docker): builds the image, validates the compose file with dummy values, and runs
# Django's deployment checks inside the image (tests/test_deploy_files.py reads the same files
# without Docker on every `make test`). Run from anywhere:
#   deploy/check.sh
# Exit codes: 0 all good, 1 a check failed, 2 no Docker engine here (nothing was checked).
set -euo pipefail
cd "$(dirname "$0")/.."
IMAGE=${PONTON_IMAGE:-ponton:check}

if ! docker info >/dev/null 2>&1; then
  echo "Pas de moteur Docker ici (docker info a échoué) : rien n'a été vérifié." >&2
  exit 2
fi

echo "1/3 Construction de l'image $IMAGE…"
docker build -f deploy/Dockerfile -t "$IMAGE" .

echo "2/3 Validation de deploy/compose.yaml…"
# Obvious placeholder values: the file requires them (${VAR:?}) and they are never used.
SECRET_KEY=check-only-not-a-secret POSTGRES_PASSWORD=check-only PLATFORM_DOMAIN=ponton.example \
  EMAIL_HOST=smtp.ponton.example PONTON_IMAGE="$IMAGE" \
  docker compose -f deploy/compose.yaml config --quiet

echo "3/3 Vérifications de déploiement de Django dans l'image…"
docker run --rm \
  -e SECRET_KEY=check-only-not-a-secret-but-long-enough-for-the-deploy-checks-0123456789 \
  -e DATABASE_URL=postgres://ponton:check-only@127.0.0.1:5432/ponton \
  -e PLATFORM_DOMAIN=ponton.example -e EMAIL_HOST=smtp.ponton.example \
  "$IMAGE" python manage.py check --deploy --fail-level WARNING

echo "Déploiement vérifié : image $IMAGE construite, compose valide, réglages de production vérifiés."
