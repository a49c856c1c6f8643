# Only registry.example.com is trusted (see the .trusted list of the test).
FROM quay.io/team/base:1.0
COPY --from=ghcr.io/org/tool:2.0 /tool /tool
