FROM debian:bookworm-slim
RUN useradd --system app
USER app
USER app:app
USER $UNDECLARED
CMD ["/app"]
