# curl in one stage and wget in another is fine.
FROM debian:bookworm-slim AS a
RUN curl -fsSLo /tmp/a https://example.org/a
FROM debian:bookworm-slim
RUN wget -qO /tmp/b https://example.org/b
