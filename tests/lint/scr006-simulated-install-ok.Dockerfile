# docker-library/postgres: `apt-get install -s` (simulate) tests whether the
# package exists; it installs nothing and asks nothing (no SCR005/SCR006).
FROM debian:bookworm-slim
RUN set -eux; \
    apt-get update; \
    if apt-get install -s "postgresql-18-jit=18.3-1.pgdg12+1" > /dev/null 2>&1; then \
        apt-get install -y --no-install-recommends "postgresql-18-jit=18.3-1.pgdg12+1"; \
    fi; \
    rm -rf /var/lib/apt/lists/*
