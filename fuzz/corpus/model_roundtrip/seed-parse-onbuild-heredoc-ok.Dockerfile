# A base image for apps: its triggers run in each build FROM it. BuildKit
# reads the heredocs of ONBUILD RUN/COPY/ADD as the inner instruction's
# (moby/buildkit#2209) and keeps their bodies in the trigger.
FROM python:3.12-slim
WORKDIR /app
ONBUILD COPY <<requirements.txt /app/
flask==3.0.3
requirements.txt
ONBUILD RUN <<EOF
set -eu
pip install --no-cache-dir -r /app/requirements.txt
EOF
USER 65532:65532
CMD ["python", "-m", "flask", "run"]
