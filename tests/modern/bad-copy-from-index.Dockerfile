FROM debian:bookworm-slim
RUN true
FROM scratch
COPY --from=0 /etc/passwd /etc/passwd
