# A version file kept by renovate or dependabot (go.opentelemetry.io/otel's
# dependencies.Dockerfile): each stage is named like its image. A tagged
# reference is no stage name, so `AS python` changes what no FROM means.
FROM python:3.13.6-slim-bookworm AS python
FROM otel/weaver:v0.23.0 AS weaver
