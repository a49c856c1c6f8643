# Secrets in ARG (global and in a stage), ENV and ONBUILD ENV stay in the image.
ARG GITHUB_TOKEN
FROM debian:bookworm-slim
ARG db_password
ENV APP_PORT=8080 AWS_SECRET_ACCESS_KEY=x
ONBUILD ENV NPM_TOKEN=y
