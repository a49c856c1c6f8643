FROM debian:bookworm-slim
COPY --from=docs /index.html /www/
COPY --from=DOCS /app.css /www/
