FROM debian:bookworm-slim
# hadolint stage ignore=SHELL ["/# `typl", 