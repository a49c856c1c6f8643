# Two download tools where one does.
FROM debian:bookworm-slim
RUN curl -fsSLo /tmp/a https://example.org/a
RUN wget -qO /tmp/b https://example.org/b
