FROM debian:bookworm-slim
LABEL org.example.contact=team@example.org
